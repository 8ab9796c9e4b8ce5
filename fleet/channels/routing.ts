// fleet/channels — which site ships a fleet channel's order. Pure, no I/O.
//
// The order is never split: one site holds every line. A site is a candidate only when, by the read model, its
// available less its buffer covers every line (never a site without enough available). Candidates are tried:
//   1. the sites the order prefers (`preferSites`, e.g. the Shopify location it was placed at), in that order;
//   2. then the others, the site with the most available units of the order's lines first;
//   3. ties in the channel's configured site order.
// The hub's own reservation is the authority (the read model may lag): a site that refuses is passed over for the next.
import type { FleetChannel } from './config.js';
import { siteContribution, type StockSnapshot } from './network.js';
import type { OrderLine } from './hub-client.js';

export interface SiteVerdict {
  site: string;
  /** units of the order's lines the site could give the channel (after its buffer) */
  available: number;
  /** the first line it cannot cover, or null when it can ship the whole order */
  short: { sku: string; qty: number; available: number } | null;
}

export interface Route {
  /** sites to try, in order */
  order: string[];
  /** every site of the channel with what it could give, for the answer when none can */
  verdicts: SiteVerdict[];
}

export function routeOrder(channel: FleetChannel, snap: StockSnapshot, lines: readonly OrderLine[], preferSites: readonly string[] = []): Route {
  const verdicts = channel.sites.map((s): SiteVerdict => {
    let available = 0;
    let short: SiteVerdict['short'] = null;
    for (const l of lines) {
      const a = siteContribution(snap, s, l.sku);
      available += a;
      if (a < l.qty && !short) short = { sku: l.sku, qty: l.qty, available: a };
    }
    return { site: s.site, available, short };
  });
  const position = new Map(channel.sites.map((s, i) => [s.site, i]));
  const preferred = (site: string) => {
    const i = preferSites.indexOf(site);
    return i < 0 ? Infinity : i;
  };
  const order = verdicts
    .filter((v) => v.short === null)
    .sort((a, b) => preferred(a.site) - preferred(b.site) || b.available - a.available || position.get(a.site)! - position.get(b.site)!)
    .map((v) => v.site);
  return { order, verdicts };
}

/** Lines of the same SKU become one (the hub holds one hold per order × SKU). */
export function mergeLines(lines: readonly OrderLine[]): OrderLine[] {
  const m = new Map<string, number>();
  for (const l of lines) m.set(l.sku, (m.get(l.sku) ?? 0) + l.qty);
  return [...m].map(([sku, qty]) => ({ sku, qty }));
}
