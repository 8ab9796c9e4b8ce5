// protocols/events — MQTT topic names: builders that refuse bad ids, and a parser.

const ID_RE = /^[a-z0-9-]+$/;

export type TopicKind = 'events' | 'status' | 'cmd' | 'ack' | 'hub-status';

export type GatewayTopic<K extends 'events' | 'status' | 'cmd' | 'ack' = 'events' | 'status' | 'cmd' | 'ack'> = { kind: K; site: string; gateway: string };
export type ParsedTopic = GatewayTopic<'events'> | GatewayTopic<'status'> | GatewayTopic<'cmd'> | GatewayTopic<'ack'> | { kind: 'hub-status'; site: string };

export class TopicIdError extends Error {
  constructor(what: string, value: string) {
    super(`${what} id ${JSON.stringify(value)} is not allowed in a topic: use [a-z0-9-]+`);
    this.name = 'TopicIdError';
  }
}

export function isValidId(value: string): boolean {
  return value.length > 0 && value.length <= 64 && ID_RE.test(value);
}

function checkId(what: string, value: string): string {
  if (!isValidId(value)) throw new TopicIdError(what, value);
  return value;
}

export const topics = {
  events: (site: string, gateway: string) => `dockgate/${checkId('site', site)}/gw/${checkId('gateway', gateway)}/events`,
  status: (site: string, gateway: string) => `dockgate/${checkId('site', site)}/gw/${checkId('gateway', gateway)}/status`,
  cmd: (site: string, gateway: string) => `dockgate/${checkId('site', site)}/gw/${checkId('gateway', gateway)}/cmd`,
  /** hub → gateway, retained: how far the hub has applied the gateway's stream (the end-to-end acknowledgement). */
  ack: (site: string, gateway: string) => `dockgate/${checkId('site', site)}/gw/${checkId('gateway', gateway)}/ack`,
  hubStatus: (site: string) => `dockgate/${checkId('site', site)}/hub/status`,
  /** Subscription filters for the hub. */
  allEvents: (site: string) => `dockgate/${checkId('site', site)}/gw/+/events`,
  allStatus: (site: string) => `dockgate/${checkId('site', site)}/gw/+/status`,
} as const;

/** Parse a concrete topic (no wildcards). Returns undefined for anything that is not ours. */
export function parseTopic(topic: string): ParsedTopic | undefined {
  const parts = topic.split('/');
  if (parts[0] !== 'dockgate') return undefined;
  const site = parts[1];
  if (site === undefined || !isValidId(site)) return undefined;
  if (parts.length === 4 && parts[2] === 'hub' && parts[3] === 'status') return { kind: 'hub-status', site };
  if (parts.length !== 5 || parts[2] !== 'gw') return undefined;
  const gateway = parts[3]!;
  const leaf = parts[4];
  if (!isValidId(gateway)) return undefined;
  if (leaf === 'events') return { kind: 'events', site, gateway };
  if (leaf === 'status') return { kind: 'status', site, gateway };
  if (leaf === 'cmd') return { kind: 'cmd', site, gateway };
  if (leaf === 'ack') return { kind: 'ack', site, gateway };
  return undefined;
}
