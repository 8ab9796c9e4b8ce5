// fleet — assembling dockgate-fleet: PostgreSQL pool and schema, one NATS connection, a consumer per site, the API.
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { componentLogger, type Logger } from '../protocols/logging/index.js';
import { systemRuntime, type Runtime } from '../runtime/runtime.js';
import { buildFleetApi } from './api.js';
import type { FleetConfig } from './config.js';
import { SiteConsumer } from './consumer.js';
import { migrateFleet } from './store/schema.js';
import { migrateFleetChannels } from './channels/schema.js';
import { FleetChannelSync } from './channels/sync.js';
import { FleetOrders } from './channels/orders.js';

export interface Fleet {
  url: string;
  pool: pg.Pool;
  nc: NatsConnection;
  http: FastifyInstance;
  consumers: Map<string, SiteConsumer>;
  channelSync: FleetChannelSync;
  stop(): Promise<void>;
}

/** `runtime`: time and timers for the consumers, the channel sync and the API (default the system's). */
export async function startFleet(config: FleetConfig, logger: Logger, runtime: Runtime = systemRuntime): Promise<Fleet> {
  const clock = () => runtime.now();
  const log = componentLogger(logger, 'fleet');
  const pool = new pg.Pool({ connectionString: config.postgres.url, max: config.postgres.poolSize });
  pool.on('error', (err) => log.warn({ err: err.message }, 'fleet: an idle PostgreSQL connection failed'));
  // A connection in use that dies (PostgreSQL killed) emits 'error' on its client: without a listener the process would
  // exit. The query in flight fails too, and the consumer retries the batch (nothing was committed, nothing acked).
  pool.on('connect', (client) => client.on('error', (err) => log.warn({ err: err.message }, 'fleet: a PostgreSQL connection failed')));
  const client = await pool.connect();
  try {
    const applied = await migrateFleet(client);
    if (applied.length) log.info({ applied }, 'fleet: PostgreSQL schema migrated');
    const channelsApplied = await migrateFleetChannels(client);
    if (channelsApplied.length) log.info({ applied: channelsApplied }, 'fleet: PostgreSQL channel schema migrated');
  } finally {
    client.release();
  }
  const nc = await connect({ servers: config.nats.servers, name: 'dockgate-fleet', maxReconnectAttempts: -1, reconnectTimeWait: 500 });
  const consumers = new Map<string, SiteConsumer>();
  for (const s of config.sites) {
    const c = new SiteConsumer(nc, pool, { site: s.id, replicas: config.nats.replicas, batch: config.nats.batch, retryMs: config.nats.retryMs }, log, runtime);
    consumers.set(s.id, c);
    c.start();
  }
  const clog = componentLogger(logger, 'fleet-channels');
  const channelSync = new FleetChannelSync({ pool, channels: config.channels, log: clog, runtime, everyMs: config.channelSyncMs });
  const hubs = new Map(config.sites.flatMap((s) => (s.hub ? [[s.id, s.hub] as const] : [])));
  const channels = { channels: config.channels, sync: channelSync, orders: new FleetOrders(pool, hubs, clog) };
  const http = await buildFleetApi({ config, pool, clock, progress: (site) => consumers.get(site)?.progress, channels });
  channelSync.start();
  const address = await http.listen({ host: config.http.host, port: config.http.port });
  log.info({ api: address, sites: config.sites.length }, 'fleet ready');
  return {
    url: address,
    pool,
    nc,
    http,
    consumers,
    channelSync,
    async stop() {
      await http.close();
      await channelSync.stop();
      await Promise.all([...consumers.values()].map((c) => c.stop()));
      await nc.close().catch(() => undefined);
      await pool.end();
    },
  };
}
