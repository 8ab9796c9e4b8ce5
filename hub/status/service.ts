// hub/status — collecting the site's state for GET /api/v1/status and /ready: hub, database, broker, gateways (with
// readers, scanners, outbox, clock), doors (mode, reading or not, last pass, open work, open variances), ingest
// (events/s, lag, dead letters, gaps) and channels; then the verdict (verdict.ts).
import { tsMs } from '../../protocols/events/index.js';
import type { ApiContext } from '../api/context.js';
import { listGateways } from '../api/routes/operations.js';
import type { RunningBroker } from '../broker/broker.js';
import type { ExternalHubMqtt } from '../broker/external-mqtt.js';
import type { HubMqtt } from '../broker/hub-mqtt.js';
import type { ChannelHealth } from '../../protocols/channels/health.js';
import type { HubConfig } from '../config/schema.js';
import type { Ingest } from '../ingest/ingest.js';
import { movesAfter, readVerifiedPoint, type VerifiedPoint } from '../ledger/index.js';
import type { AppliedEventBus } from './applied-bus.js';
import { DatabaseHealth } from './database-health.js';
import { openExceptionsByDoor, openUnknownDoors } from './exceptions.js';
import { exposureWarnings, type ExposureWarning } from './exposure.js';
import type { DoorWork, OpsProviders, PartnerDeliveries } from './providers.js';
import { doorReading, evaluate, type GatewayIn, type Reason, type Verdict } from './verdict.js';

/** A broker refusal older than this no longer degrades the verdict (still listed): a stray attempt fades. */
const REFUSAL_REASON_MS = 10 * 60_000;

export interface StatusDeps {
  config: HubConfig;
  api: ApiContext;
  ingest: Ingest;
  mqtt: HubMqtt;
  broker?: RunningBroker | undefined;
  bus: AppliedEventBus;
  providers: OpsProviders;
  version: string;
  startedAt: number;
}

/** Applied events per second, over the last minute, in one-second buckets. */
export class RateWindow {
  private readonly buckets = new Float64Array(60);
  private readonly stamps = new Float64Array(60);

  add(n: number, nowMs: number): void {
    const s = Math.floor(nowMs / 1000);
    const i = s % 60;
    if (this.stamps[i] !== s) {
      this.stamps[i] = s;
      this.buckets[i] = 0;
    }
    this.buckets[i]! += n;
  }

  perSecond(nowMs: number, windowS = 60): number {
    const s = Math.floor(nowMs / 1000);
    let sum = 0;
    for (let i = 0; i < 60; i++) if (this.stamps[i]! > s - windowS && this.stamps[i]! <= s) sum += this.buckets[i]!;
    return sum / windowS;
  }
}

export interface ReadyReport {
  ready: boolean;
  database: { ok: boolean; error?: string };
  broker: { ok: boolean; mode: 'embedded' | 'external'; detail?: string };
}

export interface StatusReport {
  verdict: Verdict;
  reasons: Reason[];
  at: string;
  hub: { site: string; version: string; startedAt: string; uptimeS: number };
  database: { ok: boolean; error?: string };
  /** The ledger self-check (hub/ledger/self-check.ts); null while the database is down. */
  ledger: { verifiedSeq: number; verifiedAt: string | null; lagMoves: number; fault: string | null } | null;
  broker: {
    mode: 'embedded' | 'external';
    up: boolean;
    connectedClients: number | null;
    clients: Array<{ clientId: string; principal: string }>;
    /** The embedded broker's last refusal per claimed gateway id, newest first (an external broker's are in its log). */
    refusals: Array<{ gateway: string; cause: string; clientId: string; address: string | null; at: string; firstAt: string; count: number; connectedSince: boolean }>;
  };
  gateways: Array<{
    id: string;
    state: 'online' | 'down';
    reportedOnline: boolean;
    lastSeenAt: string | null;
    silentS: number | null;
    version: string | null;
    outbox: { depth: number | null; oldestAgeS: number | null; dropped: number | null };
    clockOffsetMs: number | null;
    readers: Array<{ id: string; state: string; reason: string | null; lastReport: string | null; readsPerSecond: number | null }>;
    scanners: Array<{ id: string; state: string; lastScan: string | null }>;
  }>;
  doors: Array<{
    id: string;
    mode: string;
    gateway: string;
    reading: boolean;
    sensor: string | null;
    lastPass: { at: string; epc: string | null; sku: string | null; direction: string | null; outcome: string } | null;
    work: DoorWork | null;
    openVariances: number;
    /** Open door exceptions that are no variance (unexpected_location, unknown_unit, door_off …). */
    openExceptions: number;
  }>;
  ingest: { eventsPerSecond: number; lagMs: number | null; applied: number; deadLetters: number; streamGaps: { missing: number; reported: number } };
  channels: ChannelHealth[];
  partnerDeliveries: PartnerDeliveries | null;
  /** Served in plain text on the network (MQTT or REST without TLS off loopback, anonymous MQTT from the network). */
  warnings: ExposureWarning[];
}

type Row = Record<string, unknown>;

export class StatusService {
  readonly rate = new RateWindow();
  private readonly sql;
  private readonly warnings: ExposureWarning[];

  private readonly dbHealth: DatabaseHealth;
  private lowSpace: string | undefined;

  constructor(private readonly d: StatusDeps) {
    const db = d.api.db;
    this.dbHealth = new DatabaseHealth(db, d.config.database.path, { degradedBytes: d.config.status.diskDegradedBytes, downBytes: d.config.status.diskDownBytes }, d.api.clock, d.api.writes);
    this.sql = {
      lastPass: db.prepare("SELECT occurred_at AS at, epc, sku, direction, outcome FROM door_activity WHERE door = ? AND kind = 'pass' ORDER BY seq DESC LIMIT 1"),
      deadLetters: db.prepare('SELECT COUNT(*) FROM dead_letters').pluck(),
      gaps: db.prepare('SELECT kind, COUNT(*) AS n FROM stream_gaps GROUP BY kind'),
      clock: db.prepare('SELECT gateway, COUNT(*) AS events, MAX(gateway_ts) AS latestGatewayTs FROM clock_exceptions WHERE received_at > ? GROUP BY gateway ORDER BY gateway'),
    };
    d.bus.on((applied) => this.rate.add(applied.length, d.api.clock()));
    this.warnings = exposureWarnings(d.config);
  }

  /** Door exception types the variances room turns into variances (none when it does not run). */
  varianceExceptionTypes(): ReadonlySet<string> {
    return this.d.providers.variances?.exceptionTypes ?? new Set();
  }

  private database(): { ok: boolean; error?: string } {
    const r = this.dbHealth.check();
    this.lowSpace = r.lowSpace;
    return r.error === undefined ? { ok: r.ok } : { ok: r.ok, error: r.error };
  }

  private brokerState(): { up: boolean; detail?: string } {
    if (this.d.mqtt.mode === 'external') {
      const connected = (this.d.mqtt as ExternalHubMqtt).client?.connected === true;
      return connected ? { up: true } : { up: false, detail: 'the hub is not connected to the external broker' };
    }
    const closed = this.d.broker?.aedes.closed ?? true;
    return closed ? { up: false, detail: 'the embedded broker is closed' } : { up: true };
  }

  ready(): ReadyReport {
    const database = this.database();
    const b = this.brokerState();
    return { ready: database.ok && b.up, database, broker: { ok: b.up, mode: this.d.mqtt.mode, ...(b.detail ? { detail: b.detail } : {}) } };
  }

  report(): StatusReport {
    const { config, api, providers } = this.d;
    const now = api.clock();
    const database = this.database();
    const broker = this.brokerState();
    const rows = database.ok ? listGateways(api) : [];
    const doors = database.ok ? api.doors.listDoors() : [];
    const known = new Map(rows.map((r) => [r.gateway, r]));
    const ids = [...new Set([...rows.map((r) => r.gateway), ...doors.map((d) => d.gateway)])].sort();
    const gatewayIn: GatewayIn[] = ids.map((id) => {
      const r = known.get(id);
      const readers = (r?.readers ?? []) as Array<{ id: string; state: string; reason?: string; lastReport?: string; readsPerSecond?: number; doors?: string[] }>;
      const scanners = (r?.scanners ?? []) as Array<{ id: string; state: string; lastScan?: string }>;
      return { id, reportedOnline: r?.online ?? false, lastSeenMs: r ? tsMs(r.lastSeenAt) : null, readers, scanners, outboxOldestAgeS: r?.outbox.oldestAgeS ?? null };
    });
    const channels = [...(providers.channels?.() ?? [])];
    const partnerDeliveries = database.ok ? (providers.partnerDeliveries?.() ?? null) : null;
    const gaps = database.ok ? (this.sql.gaps.all() as Array<{ kind: string; n: number }>) : [];
    const missingGaps = gaps.find((g) => g.kind === 'missing')?.n ?? 0;
    const refusals = this.d.broker?.refusals() ?? [];
    const knownDoors = new Set(doors.map((d) => d.id));
    const point: VerifiedPoint | null = database.ok ? readVerifiedPoint(api.db) : null;
    const exceptionsByDoor = database.ok ? openExceptionsByDoor(api.db, this.varianceExceptionTypes()) : new Map<string, Record<string, number>>();
    const result = evaluate({
      nowMs: now,
      gatewaySilentS: config.status.gatewaySilentS,
      databaseOk: database.ok,
      ...(database.error ? { databaseError: database.error } : {}),
      brokerUp: broker.up,
      ...(broker.detail ? { brokerDetail: broker.detail } : {}),
      gateways: gatewayIn,
      neededGateways: new Set(doors.filter((d) => d.mode !== 'off').map((d) => d.gateway)),
      channels,
      missingGaps,
      ...(this.lowSpace ? { lowSpace: this.lowSpace } : {}),
      clockExceptions: database.ok ? (this.sql.clock.all(now - 24 * 3600_000) as Array<{ gateway: string; events: number; latestGatewayTs: string }>) : [],
      refusals: refusals.filter((r) => !r.connectedSince && now - r.atMs < REFUSAL_REASON_MS),
      unknownDoors: database.ok ? openUnknownDoors(api.db).filter((u) => !knownDoors.has(u.door)) : [],
      openExceptions: [...exceptionsByDoor].filter(([door]) => knownDoors.has(door)).map(([door, byType]) => ({ door, byType })),
      failingDeliveries: partnerDeliveries?.failing ?? [],
      ledgerFault: point?.fault ? { fault: point.fault, scope: point.faultScope ?? 'incremental' } : null,
    });
    const verdictOf = new Map(result.gateways.map((g) => [g.id, g]));
    const openByDoor = database.ok ? (providers.variances?.openByDoor() ?? {}) : {};
    const stats = this.d.ingest.stats();
    const lags = Object.values(stats.gateways).map((g) => g.lastLagMs).filter((l): l is number => l !== undefined);
    const connected = this.d.broker?.connectedClients() ?? [];
    // Embedded broker: a gateway is connected when its principal holds a connection. External: the hub cannot see it.
    const connectedGateways = this.d.broker ? this.d.broker.connectedGateways() : undefined;
    const iso = (ms: number) => new Date(ms).toISOString();

    return {
      verdict: result.verdict,
      reasons: result.reasons,
      at: new Date(now).toISOString(),
      hub: { site: config.site, version: this.d.version, startedAt: new Date(this.d.startedAt).toISOString(), uptimeS: Math.max(0, (now - this.d.startedAt) / 1000) },
      database,
      ledger: point && { verifiedSeq: point.seq, verifiedAt: point.atMs ? iso(point.atMs) : null, lagMoves: movesAfter(api.db, point.seq), fault: point.fault },
      broker: {
        mode: this.d.mqtt.mode,
        up: broker.up,
        connectedClients: this.d.broker ? connected.length : null,
        clients: connected.map((c) => ({ clientId: c.clientId, principal: c.principal })),
        refusals: refusals.map((r) => ({ gateway: r.gateway, cause: r.cause, clientId: r.clientId, address: r.address, at: iso(r.atMs), firstAt: iso(r.firstMs), count: r.count, connectedSince: r.connectedSince })),
      },
      gateways: gatewayIn.map((g) => {
        const r = known.get(g.id);
        const v = verdictOf.get(g.id)!;
        return {
          id: g.id,
          state: v.state,
          reportedOnline: g.reportedOnline,
          lastSeenAt: r?.lastSeenAt ?? null,
          silentS: v.silentS,
          version: r?.version ?? null,
          outbox: { depth: r?.outbox.depth ?? null, oldestAgeS: r?.outbox.oldestAgeS ?? null, dropped: r?.outbox.dropped ?? null },
          clockOffsetMs: r?.clockOffsetMs ?? null,
          readers: ((r?.readers ?? []) as Row[]).map((x) => ({ id: x.id as string, state: x.state as string, reason: (x.reason as string | undefined) ?? null, lastReport: (x.lastReport as string | undefined) ?? null, readsPerSecond: (x.readsPerSecond as number | undefined) ?? null })),
          scanners: ((r?.scanners ?? []) as Row[]).map((x) => ({ id: x.id as string, state: x.state as string, lastScan: (x.lastScan as string | undefined) ?? null })),
        };
      }),
      doors: doors.map((d) => {
        const gw = gatewayIn.find((g) => g.id === d.gateway);
        const reading = doorReading(d, { online: verdictOf.get(d.gateway)?.state === 'online', connected: connectedGateways?.has(d.gateway) ?? true, readers: gw?.readers ?? [] });
        return {
          id: d.id,
          mode: d.mode,
          gateway: d.gateway,
          reading,
          sensor: d.sensor,
          lastPass: (this.sql.lastPass.get(d.id) as StatusReport['doors'][number]['lastPass'] | undefined) ?? null,
          work: providers.doorWork?.(d.id) ?? null,
          openVariances: openByDoor[d.id] ?? 0,
          openExceptions: Object.values(exceptionsByDoor.get(d.id) ?? {}).reduce((a, b) => a + b, 0),
        };
      }),
      ingest: {
        eventsPerSecond: this.rate.perSecond(now),
        lagMs: lags.length ? Math.max(...lags) : null,
        applied: stats.totals.applied,
        deadLetters: database.ok ? (this.sql.deadLetters.get() as number) : 0,
        streamGaps: { missing: missingGaps, reported: gaps.find((g) => g.kind === 'reported')?.n ?? 0 },
      },
      channels,
      partnerDeliveries,
      warnings: this.warnings,
    };
  }
}
