// hub/broker — who may publish and subscribe where: pure rules over topic strings, no I/O.
import { parseTopic, topics } from '../../protocols/events/index.js';

/** Who an authenticated MQTT client is. */
export type Principal =
  /** A gateway: publishes its own events/status (and Last Will), receives its own commands and acknowledgements. */
  | { role: 'gateway'; gateway: string }
  /** The hub itself or a hub-side tool: may do all. */
  | { role: 'hub'; username: string };

export function describePrincipal(p: Principal): string {
  return p.role === 'gateway' ? `gateway ${p.gateway}` : `hub client ${p.username}`;
}

/** A dockgate topic of another site: the gateway's site id is not this hub's (a typo in gateway.yaml, most often). */
export function siteMismatch(site: string, topic: string): string | undefined {
  const t = parseTopic(topic);
  return t && t.site !== site ? `site id ${t.site} does not match this hub's ${site}` : undefined;
}

/**
 * The gateway a client id belongs to: `dockgate-<id>` (a gateway's default) or `<id>` of a configured gateway. Only
 * that gateway may connect with it, so nobody holds a gateway off the broker (or takes its session) by its name.
 */
export function clientIdOwner(clientId: string, gateways: ReadonlySet<string>): string | undefined {
  const id = clientId.startsWith('dockgate-') ? clientId.slice('dockgate-'.length) : clientId;
  return gateways.has(id) ? id : undefined;
}

/** undefined when allowed, else the reason it is refused (for logs). */
export function publishRefusal(site: string, who: Principal, topic: string): string | undefined {
  if (topic.startsWith('$SYS')) return `${describePrincipal(who)} may not publish to $SYS topics`;
  if (who.role === 'hub') return undefined;
  const otherSite = siteMismatch(site, topic);
  if (otherSite) return otherSite;
  if (topic === topics.events(site, who.gateway) || topic === topics.status(site, who.gateway)) return undefined;
  return `${describePrincipal(who)} may publish only to ${topics.events(site, who.gateway)} and ${topics.status(site, who.gateway)}, not ${topic}`;
}

/** The Last Will of a gateway must be its own status topic. */
export function willRefusal(site: string, who: Principal, topic: string): string | undefined {
  if (who.role === 'hub') return undefined;
  if (topic === topics.status(site, who.gateway)) return undefined;
  const otherSite = siteMismatch(site, topic);
  if (otherSite) return otherSite;
  return `${describePrincipal(who)} may set its Last Will only on ${topics.status(site, who.gateway)}, not ${topic}`;
}

/** Subscriptions are matched as strings: a gateway may subscribe to its own cmd and ack topics only, no wildcards. */
export function subscribeRefusal(site: string, who: Principal, filter: string): string | undefined {
  if (who.role === 'hub') return undefined;
  if (filter === topics.cmd(site, who.gateway) || filter === topics.ack(site, who.gateway)) return undefined;
  return `${describePrincipal(who)} may subscribe only to ${topics.cmd(site, who.gateway)} and ${topics.ack(site, who.gateway)}, not ${filter}`;
}

/** MQTT topic filter matching (`+` one level, `#` the rest, `$`-topics not matched by leading wildcards). */
export function topicMatches(filter: string, topic: string): boolean {
  if (filter === topic) return true;
  const f = filter.split('/');
  const t = topic.split('/');
  if ((f[0] === '+' || f[0] === '#') && topic.startsWith('$')) return false;
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}
