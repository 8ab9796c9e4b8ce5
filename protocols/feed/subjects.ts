// protocols/feed — where a site's feed lives in NATS JetStream: one stream per site, one subject per stream.
import { ID_PATTERN } from '../events/schema.js';

const SITE = new RegExp(ID_PATTERN);

function checkSite(site: string): string {
  if (!SITE.test(site)) throw new Error(`site ${JSON.stringify(site)} is not a config id ([a-z0-9-]+)`);
  return site;
}

/** The subject a site's hub publishes its changes on: `dockgate.site.<site>.feed`. */
export function feedSubject(site: string): string {
  return `dockgate.site.${checkSite(site)}.feed`;
}

/** The JetStream stream holding one site's feed (stream names may not contain dots). */
export function feedStream(site: string): string {
  return `DOCKGATE_FEED_${checkSite(site).replaceAll('-', '_').toUpperCase()}`;
}

/** The site a feed subject belongs to, or undefined when it is not a feed subject. */
export function siteOfSubject(subject: string): string | undefined {
  const m = /^dockgate\.site\.([a-z0-9-]+)\.feed$/.exec(subject);
  return m?.[1];
}
