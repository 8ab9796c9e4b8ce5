// hub/status — the one verdict ops read first: ok, degraded or down, with the reasons. Pure: takes what was
// collected and the clock, decides each gateway's effective state (silent too long = down, whatever its retained
// status says) and the site's.

export type Verdict = 'ok' | 'degraded' | 'down';

export interface Reason {
  level: 'down' | 'degraded';
  code: string;
  /** What it is about: 'database', 'broker', a gateway id, 'gw-1/portal-1', a channel id … */
  subject: string;
  message: string;
}

export interface ReaderIn {
  id: string;
  state: string;
  reason?: string | undefined;
  lastReport?: string | undefined;
  /** The doors its antennas cover (gateways before this field: none known). */
  doors?: readonly string[] | undefined;
}

export interface GatewayIn {
  id: string;
  /** What its retained status (or Last Will) says. */
  reportedOnline: boolean;
  /** ms; null when the hub never heard from it (a configured gateway that never connected). */
  lastSeenMs: number | null;
  readers: readonly ReaderIn[];
  scanners: ReadonlyArray<{ id: string; state: string }>;
  outboxOldestAgeS: number | null;
}

export interface StatusIn {
  nowMs: number;
  gatewaySilentS: number;
  databaseOk: boolean;
  databaseError?: string;
  brokerUp: boolean;
  brokerDetail?: string;
  gateways: readonly GatewayIn[];
  /** Gateways that watch at least one door not switched off. */
  neededGateways: ReadonlySet<string>;
  channels: ReadonlyArray<{ channel: string; status: 'ok' | 'warn' | 'alert'; alerts: ReadonlyArray<{ level: string; message: string }> }>;
  /** Seq ranges of streams found missing and not yet filled. */
  missingGaps: number;
  /** Free disk space below the degraded threshold, in words. */
  lowSpace?: string;
  /** Per gateway, events of the last day booked at the hub's receive time because their own time was implausible. */
  clockExceptions?: ReadonlyArray<{ gateway: string; events: number; latestGatewayTs: string }>;
  /** Recent broker refusals of claimed gateway ids that have not got in since. */
  refusals?: ReadonlyArray<{ gateway: string; clientId: string; cause: string }>;
  /** Doors the hub does not know that gateways report passes at (open unknown_door exceptions). */
  unknownDoors?: ReadonlyArray<{ door: string; gateways: readonly string[]; open: number }>;
  /** Open door exceptions that are no variance, per known door and type. */
  openExceptions?: ReadonlyArray<{ door: string; byType: Readonly<Record<string, number>> }>;
  /** Partner deliveries (EDI advice, EPCIS, ERP) that failed alertAfter times or more in a row. */
  failingDeliveries?: ReadonlyArray<{ key: string; partner: string; attempts: number; lastError: string | null }>;
  /** The ledger check's last fault (hub/ledger/check-point.ts), until a check of its scope passes. */
  ledgerFault?: { fault: string; scope: 'full' | 'incremental' } | null;
}

export interface GatewayVerdict {
  id: string;
  state: 'online' | 'down';
  /** Seconds since the hub last heard from it; null when never. */
  silentS: number | null;
  why: string | null;
}

export function gatewayVerdict(g: GatewayIn, nowMs: number, silentLimitS: number): GatewayVerdict {
  const silentS = g.lastSeenMs === null ? null : Math.max(0, (nowMs - g.lastSeenMs) / 1000);
  if (silentS === null) return { id: g.id, state: 'down', silentS, why: `gateway ${g.id} has never reported to this hub` };
  if (!g.reportedOnline) return { id: g.id, state: 'down', silentS, why: `gateway ${g.id} is offline (its last status or Last Will says so)` };
  if (silentS > silentLimitS) {
    return { id: g.id, state: 'down', silentS, why: `gateway ${g.id} silent for ${Math.round(silentS)} s (limit ${silentLimitS} s): down even though its retained status says online` };
  }
  return { id: g.id, state: 'online', silentS, why: null };
}

export function evaluate(s: StatusIn): { verdict: Verdict; reasons: Reason[]; gateways: GatewayVerdict[] } {
  const reasons: Reason[] = [];
  if (!s.databaseOk) reasons.push({ level: 'down', code: 'database', subject: 'database', message: `database down: ${s.databaseError ?? 'unknown error'}` });
  if (!s.brokerUp) reasons.push({ level: 'down', code: 'broker', subject: 'broker', message: `MQTT broker not up: ${s.brokerDetail ?? 'unknown'}` });

  const gateways = s.gateways.map((g) => gatewayVerdict(g, s.nowMs, s.gatewaySilentS));
  const byId = new Map(s.gateways.map((g) => [g.id, g]));
  for (const v of gateways) {
    const g = byId.get(v.id)!;
    if (v.state === 'down') {
      reasons.push({ level: 'degraded', code: 'gateway_down', subject: v.id, message: v.why! });
      continue;
    }
    for (const r of g.readers) {
      if (r.state !== 'reading') {
        reasons.push({ level: 'degraded', code: 'reader_not_reading', subject: `${g.id}/${r.id}`, message: `reader ${r.id} on ${g.id} is ${r.state}${r.reason ? `: ${r.reason}` : ''}` });
      }
    }
    for (const sc of g.scanners) {
      if (sc.state !== 'open') reasons.push({ level: 'degraded', code: 'scanner_not_open', subject: `${g.id}/${sc.id}`, message: `scanner ${sc.id} on ${g.id} is ${sc.state}` });
    }
    if (g.outboxOldestAgeS !== null && g.outboxOldestAgeS > s.gatewaySilentS) {
      reasons.push({ level: 'degraded', code: 'outbox_backlog', subject: g.id, message: `gateway ${g.id} holds events ${Math.round(g.outboxOldestAgeS)} s old it could not deliver` });
    }
  }
  // Every gateway a working door depends on is down: nothing on the floor is being recorded.
  const needed = [...s.neededGateways];
  const downIds = new Set(gateways.filter((g) => g.state === 'down').map((g) => g.id));
  if (needed.length > 0 && needed.every((id) => downIds.has(id))) {
    reasons.push({ level: 'down', code: 'no_gateway', subject: 'gateways', message: `no gateway that watches a door is online (${needed.join(', ')})` });
  }
  for (const c of s.channels) {
    if (c.status === 'alert') {
      reasons.push({ level: 'degraded', code: 'channel_alert', subject: c.channel, message: `channel ${c.channel}: ${c.alerts.map((a) => a.message).join('; ') || 'alert'}` });
    }
  }
  for (const r of s.refusals ?? []) {
    reasons.push({ level: 'degraded', code: 'mqtt_refused', subject: r.gateway, message: `the broker refused gateway ${r.gateway} (client id ${r.clientId}): ${r.cause}` });
  }
  for (const u of s.unknownDoors ?? []) {
    reasons.push({
      level: 'degraded',
      code: 'unknown_door',
      subject: u.door,
      message: `gateway ${u.gateways.join(', ')} reports passes at door ${u.door}, which this hub does not know (${plural(u.open, 'open exception')}): add the door to hub.yaml or fix the gateway's portal.doors`,
    });
  }
  for (const e of s.openExceptions ?? []) {
    const types = Object.entries(e.byType).sort(([a], [b]) => a.localeCompare(b));
    const n = types.reduce((sum, [, k]) => sum + k, 0);
    if (n === 0) continue;
    reasons.push({ level: 'degraded', code: 'open_exceptions', subject: e.door, message: `${e.door} has ${plural(n, 'open exception')} (${types.map(([t, k]) => `${t} ${k}`).join(', ')}): see /api/v1/exceptions` });
  }
  for (const d of s.failingDeliveries ?? []) {
    reasons.push({ level: 'degraded', code: 'partner_delivery', subject: d.partner, message: `delivery ${d.key} to ${d.partner} failed ${plural(d.attempts, 'time')} in a row (${d.lastError ?? 'no error recorded'}): see /api/v1/partners/outbox` });
  }
  if (s.ledgerFault) {
    const again = s.ledgerFault.scope === 'full' ? 'dockgate-hub check --full' : 'the next check';
    reasons.push({ level: 'degraded', code: 'ledger', subject: 'ledger', message: `the ledger check found differences: ${s.ledgerFault.fault} (clears when ${again} passes)` });
  }
  if (s.lowSpace) reasons.push({ level: 'degraded', code: 'disk_space', subject: 'database', message: s.lowSpace });
  for (const c of s.clockExceptions ?? []) {
    reasons.push({ level: 'degraded', code: 'clock', subject: c.gateway, message: `${plural(c.events, 'event')} from ${c.gateway} carried an implausible time (latest ${c.latestGatewayTs}): booked at the hub's receive time; set the gateway's clock` });
  }
  if (s.missingGaps > 0) reasons.push({ level: 'degraded', code: 'stream_gaps', subject: 'ingest', message: `${s.missingGaps} range(s) of events missing from gateway streams, not yet delivered` });

  const verdict: Verdict = reasons.some((r) => r.level === 'down') ? 'down' : reasons.length ? 'degraded' : 'ok';
  return { verdict, reasons, gateways };
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/** A door is reading only while its gateway is online and connected and reports a reading reader covering it. */
export function doorReading(door: { id: string; mode: string }, gateway: { online: boolean; connected: boolean; readers: readonly ReaderIn[] }): boolean {
  return door.mode !== 'off' && gateway.online && gateway.connected && gateway.readers.some((r) => r.state === 'reading' && (r.doors?.includes(door.id) ?? false));
}
