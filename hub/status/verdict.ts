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
  if (!s.databaseOk) reasons.push({ level: 'down', code: 'database', subject: 'database', message: `database not answering: ${s.databaseError ?? 'unknown error'}` });
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
  if (s.missingGaps > 0) reasons.push({ level: 'degraded', code: 'stream_gaps', subject: 'ingest', message: `${s.missingGaps} range(s) of events missing from gateway streams, not yet delivered` });

  const verdict: Verdict = reasons.some((r) => r.level === 'down') ? 'down' : reasons.length ? 'degraded' : 'ok';
  return { verdict, reasons, gateways };
}
