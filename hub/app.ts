// hub — assembling the site service from its rooms: database and migrations, locations and doors from config, the
// broker (embedded or external), the ingest applying events through the door interpreter, and the REST API.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { WIRE_VERSION, isoTs, newEventId, topics, type HubStatus } from '../protocols/events/index.js';
import { componentLogger, type Logger } from '../protocols/logging/index.js';
import { systemRuntime, wakeableWait, type Runtime } from '../runtime/runtime.js';
import { ConfigError } from '../protocols/config/index.js';
import type { ApiContext } from './api/context.js';
import { idempotencyMigrations } from './api/idempotency.js';
import { REQUEST_STREAM_GAP_MS, RequestActivity } from './api/activity.js';
import { buildApi, type ApiOptions } from './api/server.js';
import { startBroker, type RunningBroker } from './broker/broker.js';
import { connectExternalMqtt, type ExternalHubMqtt } from './broker/external-mqtt.js';
import type { HubMqtt } from './broker/hub-mqtt.js';
import type { HubConfig } from './config/schema.js';
import { WalCheckpointer } from './db/checkpointer.js';
import { migrate, openDatabase, type Db, type MigrationSet } from './db/database.js';
import { DoorInterpreter, type DoorSetup } from './doors/interpreter.js';
import { doorsMigrations } from './doors/store.js';
import { Ingest } from './ingest/ingest.js';
import { ingestMigrations } from './ingest/migrations.js';
import { IngestStore } from './ingest/store.js';
import { closeArchiveReader } from './ledger/archive.js';
import { createLocation, getLocation, ledgerMigrations, listLocations, updateLocation, withBatchedInvariants, type LocationKind } from './ledger/index.js';
import { LedgerSelfCheck, SELF_CHECK_DEFAULTS } from './ledger/self-check.js';
import { assertSafeBind } from './auth/bind.js';
import type { HubMetrics } from './metrics/metrics.js';
import { AppliedEventBus } from './status/applied-bus.js';
import { exposureWarnings } from './status/exposure.js';
import { opsMigrations } from './status/exceptions.js';
import { createOpsSurface } from './status/ops-surface.js';
import type { OpsProviders } from './status/providers.js';
import type { StatusService } from './status/service.js';
import { WriteHealth } from './status/write-health.js';
import { orderRooms, registerRooms, type Room, type RoomHost } from './room.js';

export const HUB_VERSION = '0.1.0';

/** How long a stopping hub waits for the broker to take its retained offline status. */
const OFFLINE_STATUS_WAIT_MS = 2_000;

/** Every module's schema, in the order they are applied. */
export const HUB_MIGRATIONS: readonly MigrationSet[] = [ledgerMigrations, ingestMigrations, doorsMigrations, opsMigrations, idempotencyMigrations];

export interface HubModules {
  /** The optional rooms (hub/room.ts), registered on the API in their declared dependency order. */
  rooms?: readonly Room[];
  /** Extra migration sets, applied after the core's and before the rooms'. */
  migrations?: readonly MigrationSet[];
  /** Extra plain API plugins, registered before the rooms. */
  api?: ApiOptions['plugins'];
}

/** Every migration set a hub with these modules applies, in order: the core's, the extra ones, the rooms'. */
export function hubMigrations(modules: HubModules = {}): MigrationSet[] {
  return [...HUB_MIGRATIONS, ...(modules.migrations ?? []), ...orderRooms(modules.rooms ?? []).flatMap((r) => r.migrations ?? [])];
}

export interface Hub {
  config: HubConfig;
  db: Db;
  log: Logger;
  clock: () => number;
  /** time, timers and randomness for the rooms (`clock` is its `now`) */
  runtime: Runtime;
  doors: DoorInterpreter;
  ingest: Ingest;
  mqtt: HubMqtt;
  broker?: RunningBroker;
  http: FastifyInstance;
  /** http://host:port of the REST API once listening. */
  url: string;
  /** Events the ingest applied, heard after their commit (live dashboard, metrics). */
  events: AppliedEventBus;
  /** Optional rooms set theirs when they register: channel health, variances, door work (shown in status, metrics, dashboard). */
  providers: OpsProviders;
  status: StatusService;
  /** Its `registry` takes other rooms' prom-client metrics (GET /metrics). */
  metrics: HubMetrics;
  /** Publish a command to a gateway's cmd topic (v, id and ts are added). */
  sendCommand(gateway: string, command: Record<string, unknown>): Promise<void>;
  /** Things to close on stop, last added closed first. */
  onStop(fn: () => Promise<void> | void): void;
  stop(): Promise<void>;
}

/** Locations with every parent before its children (the config may list them in any order). */
function parentsFirst(locations: HubConfig['locations']): HubConfig['locations'] {
  const byId = new Map(locations.map((l) => [l.id, l]));
  const out: HubConfig['locations'][number][] = [];
  const placed = new Set<string>();
  const place = (l: HubConfig['locations'][number], depth: number) => {
    if (placed.has(l.id) || depth > locations.length) return; // the config check refuses cycles; never loop here
    const parent = l.parent === undefined ? undefined : byId.get(l.parent);
    if (parent) place(parent, depth + 1);
    placed.add(l.id);
    out.push(l);
  };
  for (const l of locations) place(l, 0);
  return out;
}

/** Create or update the configured real locations (the virtual ones come with the ledger), parents first. */
export function applyLocations(db: Db, config: HubConfig, nowMs: number): void {
  db.transaction(() => {
    for (const l of parentsFirst(config.locations)) {
      const existing = getLocation(db, l.id);
      const fields = { name: l.name ?? l.id, parent: l.parent ?? null, sellable: l.sellable, allowNegative: l.allowNegative };
      if (!existing) createLocation(db, { id: l.id, kind: l.kind as LocationKind, ...fields }, nowMs);
      else if (existing.kind !== l.kind)
        throw new Error(`hub.yaml: locations: ${l.id} is a ${existing.kind} in the ledger, not a ${l.kind}: a location's kind cannot change`);
      else updateLocation(db, l.id, fields, nowMs);
    }
  })();
}

/** Each door's locations by role: configured, else the site's first location of that kind. */
export function resolveDoors(db: Db, config: HubConfig): DoorSetup[] {
  const firstOf = (kind: LocationKind, door: string, role: string): string => {
    const l = listLocations(db, { kind })[0];
    if (!l)
      throw new ConfigError([
        {
          source: 'hub.yaml',
          path: `doors[${config.doors.findIndex((d) => d.id === door)}].roles.${role}`,
          message: `door ${door} needs a ${role} location: set it or add a location of kind ${kind}`,
        },
      ]);
    return l.id;
  };
  return config.doors.map((d) => ({
    id: d.id,
    mode: d.mode,
    gateway: d.gateway,
    location: d.location,
    receiving: d.roles.receiving ?? firstOf('receiving', d.id, 'receiving'),
    stock: d.roles.stock ?? firstOf('stock', d.id, 'stock'),
    returns: d.roles.returns ?? firstOf('returns', d.id, 'returns'),
  }));
}

async function connectBroker(config: HubConfig, logger: Logger, clock: () => number): Promise<{ mqtt: HubMqtt; broker?: RunningBroker }> {
  const b = config.broker;
  if (b.type === 'external') {
    const mqtt = await connectExternalMqtt(
      {
        url: b.url,
        clientId: b.clientId,
        username: b.username,
        password: b.password,
        ...(b.tls ? { tls: b.tls } : {}),
        keepaliveS: b.keepaliveS,
        reconnectPeriodMs: b.reconnectPeriodMs,
        waitForConnect: false,
      },
      logger,
    );
    return { mqtt };
  }
  const broker = await startBroker(
    {
      site: config.site,
      host: b.tcp.host,
      port: b.tcp.port,
      tls: b.tls && { host: b.tls.host, port: b.tls.port, certFile: b.tls.certFile, keyFile: b.tls.keyFile, caFile: b.tls.caFile },
      ws: b.websocket && { host: b.websocket.host, port: b.websocket.port, path: b.websocket.path },
      gateways: b.gateways.map((g) => ({ id: g.id, secretHash: g.passwordHash })),
      allowAnonymous: b.allowAnonymous,
      maxPacketBytes: b.maxPacketBytes,
      insecureAllowAnonymousOnNetwork: b.insecureAllowAnonymousOnNetwork,
      clock,
    },
    logger,
  );
  return { mqtt: broker.mqtt, broker };
}

/** `runtime`: the hub's time, timers and randomness (default the system's); `clock` below is its time. */
export async function startHub(config: HubConfig, logger: Logger, modules: HubModules = {}, runtime: Runtime = systemRuntime): Promise<Hub> {
  const clock = () => runtime.now();
  const log = componentLogger(logger, 'hub', { site: config.site });
  const startedAt = clock();
  const closers: Array<() => Promise<void> | void> = [];
  let http: FastifyInstance | undefined;
  assertSafeBind(config.http.host, config.http.tokens.length);
  for (const w of exposureWarnings(config)) log.warn({ code: w.code, subject: w.subject }, w.message);

  if (config.database.path !== ':memory:') mkdirSync(dirname(config.database.path), { recursive: true });
  const db = openDatabase(config.database.path);
  closers.push(() => {
    closeArchiveReader(db); // opened by the first read of an archived move (any room, or the core's move lookups)
    db.close();
  });
  if (config.database.path !== ':memory:') {
    // Checkpoints on a worker thread; stopped before the connection closes (closers run in reverse)
    const checkpointer = new WalCheckpointer(db, config.database.path, componentLogger(logger, 'db', { site: config.site }), runtime);
    closers.push(() => checkpointer.close());
  }
  try {
    const applied = migrate(db, hubMigrations(modules), log);
    if (applied.length) log.info({ applied }, 'database migrated');
    applyLocations(db, config, clock());
    const doors = new DoorInterpreter(db, clock);
    doors.configure(resolveDoors(db, config));

    const { mqtt, broker } = await connectBroker(config, logger, clock);
    closers.push(() => mqtt.close());
    if (broker) closers.push(() => broker.close());

    const hubStatus = (online: boolean): string =>
      JSON.stringify({ v: WIRE_VERSION, online, ts: isoTs(clock()), version: HUB_VERSION, startedAt: isoTs(startedAt) } satisfies HubStatus);
    const sendCommand = async (gateway: string, command: Record<string, unknown>): Promise<void> => {
      const payload = { v: WIRE_VERSION, id: newEventId(clock()), ts: isoTs(clock()), ...command };
      await mqtt.publish(topics.cmd(config.site, gateway), JSON.stringify(payload), { qos: 1, retain: false });
      log.info({ gateway, command: payload }, 'command sent');
    };

    const events = new AppliedEventBus(db, clock, log);
    const apply = events.wrap(doors.apply);
    const writes = new WriteHealth();
    const ingest = new Ingest({
      db,
      mqtt,
      site: config.site,
      clockWindowMs: config.status.clockWindowS * 1000,
      apply,
      batchScope: withBatchedInvariants,
      refuse: doors.refusal,
      record: doors.record,
      clock,
      logger,
      writes,
    });
    const ctx: ApiContext = {
      db,
      clock,
      runtime,
      log: logger,
      doors: doors.store,
      ingest: new IngestStore(db, config.site, apply, withBatchedInvariants, doors.refusal, doors.record),
      sendCommand,
      writes,
    };
    const ops = createOpsSurface({ config, api: ctx, ingest, mqtt, broker, bus: events, version: HUB_VERSION, startedAt, log: logger });
    const host: RoomHost = { config, db, log, clock, runtime, doors, ingest, events, providers: ops.providers, metrics: ops.metrics, sendCommand, api: ctx };
    const rooms = async (app: FastifyInstance) => registerRooms(app, modules.rooms ?? [], host);
    const plugins = [...ops.plugins, ...(modules.api ?? []), rooms];
    const activity = new RequestActivity(() => runtime.now());
    const server = (http = await buildApi(ctx, {
      setup: [activity.install, ...ops.setup],
      plugins,
      trustProxy: config.http.trustedProxies,
      ...(ops.https ? { https: ops.https } : {}),
    }));

    /** The retained offline status, waited for at most OFFLINE_STATUS_WAIT_MS: a broker gone away must not hold up the stop. */
    const announceOffline = async (): Promise<void> => {
      const wait = wakeableWait(runtime, OFFLINE_STATUS_WAIT_MS);
      const sent = mqtt.publish(topics.hubStatus(config.site), hubStatus(false), { qos: 1, retain: true }).then(
        () => true,
        () => false,
      );
      const confirmed = await Promise.race([sent, wait.done.then(() => false)]);
      wait.wake();
      if (!confirmed) log.warn({ waitedMs: OFFLINE_STATUS_WAIT_MS }, 'the broker did not take the offline status: stopping without it');
    };
    let stopped = false;
    const hub: Hub = {
      config,
      db,
      log,
      clock,
      runtime,
      doors,
      ingest,
      mqtt,
      ...(broker ? { broker } : {}),
      http: server,
      events,
      providers: ops.providers,
      status: ops.status,
      metrics: ops.metrics,
      url: '',
      sendCommand,
      onStop: (fn) => closers.push(fn),
      async stop() {
        if (stopped) return;
        stopped = true;
        log.info('hub stopping');
        await ingest.stop();
        await announceOffline();
        await server.close();
        for (const close of closers.reverse()) {
          try {
            await close();
          } catch (err) {
            log.warn({ err }, 'error while stopping');
          }
        }
        log.info('hub stopped');
      },
    };
    // The ledger checks itself in small slices from its verified point (status shows the point and any fault).
    const selfCheck = new LedgerSelfCheck(db, runtime, componentLogger(logger, 'ledger-check', { site: config.site }), {
      ...SELF_CHECK_DEFAULTS,
      standAside: () => ingest.behind(), // a catch-up first: a slice can hold the event loop for seconds
      yieldTo: () => activity.within(REQUEST_STREAM_GAP_MS), // requests back to back do not wait behind slices
    });
    selfCheck.start();
    closers.push(() => selfCheck.stop());
    const online = async () => {
      await ingest.start();
      await mqtt.publish(topics.hubStatus(config.site), hubStatus(true), { qos: 1, retain: true });
    };
    // An external broker that is down at start must not keep REST and status from coming up: the client keeps
    // trying, ingest subscribes when it connects, and status says `broker` down meanwhile.
    if (mqtt.mode === 'external' && !(mqtt as ExternalHubMqtt).client.connected) {
      log.warn('external broker not reachable yet: serving REST and status while the hub keeps trying');
      const client = (mqtt as ExternalHubMqtt).client;
      // Subscribe once connected (a subscribe queued while offline is not replayed on a resumed session).
      new Promise<void>((resolve) => client.once('connect', () => resolve()))
        .then(online)
        .catch((err: unknown) => log.error({ err: (err as Error).message }, 'ingest could not start on the external broker'));
    } else await online();
    const address = await server.listen({ host: config.http.host, port: config.http.port });
    hub.url = address.replace('0.0.0.0', '127.0.0.1');
    log.info(
      { api: hub.url, mqtt: broker ? { port: broker.port, tlsPort: broker.tlsPort, wsPort: broker.wsPort } : config.broker, database: config.database.path },
      'hub ready',
    );
    return hub;
  } catch (err) {
    await http?.close().catch(() => undefined); // the rooms' onClose hooks stop what they started
    for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => undefined);
    throw err;
  }
}
