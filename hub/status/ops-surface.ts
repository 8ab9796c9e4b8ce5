// hub/status — the ops surface assembled: auth, OpenAPI and request metrics installed before any route; status,
// metrics, the live dashboard and the EPCIS export as route plugins; the applied-event bus they listen to.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { componentLogger, type Logger } from '../../protocols/logging/index.js';
import type { ApiContext } from '../api/context.js';
import { installAuth } from '../auth/plugin.js';
import { meRoutes } from '../auth/routes.js';
import type { RunningBroker } from '../broker/broker.js';
import type { HubMqtt } from '../broker/hub-mqtt.js';
import type { HubConfig } from '../config/schema.js';
import { dashboardRoutes } from '../dashboard/routes.js';
import { epcisRoutes } from '../epcis/routes.js';
import type { Ingest } from '../ingest/ingest.js';
import { HubMetrics } from '../metrics/metrics.js';
import { metricsRoutes } from '../metrics/routes.js';
import { installOpenApi } from '../openapi/openapi.js';
import type { AppliedEventBus } from './applied-bus.js';
import type { OpsProviders } from './providers.js';
import { statusRoutes } from './routes.js';
import { StatusService } from './service.js';
import { logUnknownDoors } from './unknown-doors.js';

type Plugin = (app: FastifyInstance, ctx: ApiContext) => Promise<void>;

export interface OpsSurface {
  providers: OpsProviders;
  status: StatusService;
  metrics: HubMetrics;
  /** For buildApi: installed before the routes. */
  setup: Plugin[];
  /** For buildApi: route plugins. */
  plugins: Plugin[];
  https?: { key: Buffer; cert: Buffer; ca?: Buffer };
}

export interface OpsDeps {
  config: HubConfig;
  api: ApiContext;
  ingest: Ingest;
  mqtt: HubMqtt;
  broker?: RunningBroker | undefined;
  bus: AppliedEventBus;
  version: string;
  startedAt: number;
  log: Logger;
}

/** Read the configured TLS files (a missing file stops start-up naming the key). */
export function readHttpsFiles(tls: HubConfig['http']['tls']): OpsSurface['https'] {
  if (!tls) return undefined;
  const read = (path: string, key: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(`http.tls.${key}: cannot read ${path}: ${(err as Error).message}`);
    }
  };
  return { key: read(tls.keyFile, 'keyFile'), cert: read(tls.certFile, 'certFile'), ...(tls.caFile ? { ca: read(tls.caFile, 'caFile') } : {}) };
}

export function createOpsSurface(d: OpsDeps): OpsSurface {
  const providers: OpsProviders = {};
  const status = new StatusService({ config: d.config, api: d.api, ingest: d.ingest, mqtt: d.mqtt, broker: d.broker, bus: d.bus, providers, version: d.version, startedAt: d.startedAt });
  const metrics = new HubMetrics({ db: d.api.db, ingest: d.ingest, status, bus: d.bus, providers });
  const https = readHttpsFiles(d.config.http.tls);
  logUnknownDoors(d.bus, componentLogger(d.log, 'doors', { site: d.config.site }), d.api.clock, (door) => d.api.doors.getDoor(door) !== undefined);
  return {
    providers,
    status,
    metrics,
    ...(https ? { https } : {}),
    setup: [
      async (app) => {
        installAuth(app, { tokens: d.config.http.tokens, failureLimit: d.config.http.authFailureRateLimit, clock: d.api.clock, log: d.log });
        metrics.installHttpHook(app);
        await installOpenApi(app, { version: d.version, site: d.config.site });
      },
    ],
    plugins: [meRoutes(d.config.http.tokens.length > 0), statusRoutes(status, d.startedAt), metricsRoutes(metrics), dashboardRoutes({ bus: d.bus, log: d.log }), epcisRoutes(d.config)],
  };
}
