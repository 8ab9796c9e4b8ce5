// hub/api — the hub's HTTP server: fastify with the error shape, CSV bodies, and the route plugins.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { ApiContext } from './context.js';
import { installErrorHandler } from './errors.js';
import { installValidation } from './validation.js';
import { catalogRoutes } from './routes/catalog.js';
import { operationsRoutes } from './routes/operations.js';
import { stockRoutes } from './routes/stock.js';

export interface ApiOptions {
  /** Extra plugins (receiving, channels, status …) registered after the core routes, with the same context. */
  plugins?: Array<(app: FastifyInstance, ctx: ApiContext) => Promise<void>>;
  /** Installed before any route (auth, OpenAPI, request metrics): hooks and onRoute listeners that must see every route. */
  setup?: Array<(app: FastifyInstance, ctx: ApiContext) => Promise<void>>;
  /** Serve HTTPS with this key and certificate (PEM). */
  https?: { key: Buffer; cert: Buffer; ca?: Buffer };
  bodyLimit?: number;
  /** Proxies (addresses, CIDR ranges) whose X-Forwarded-For sets request.ip. */
  trustProxy?: readonly string[];
}

export async function buildApi(ctx: ApiContext, opts: ApiOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.log.child({ component: 'http' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit ?? 8 * 1024 * 1024,
    ...(opts.https ? { https: opts.https } : {}),
    ...(opts.trustProxy?.length ? { trustProxy: [...opts.trustProxy] } : {}),
  });
  installErrorHandler(app, ctx.log, (err) => ctx.writes?.failed('api', err, ctx.clock()));
  const writes = ctx.writes;
  if (writes) {
    // A change the API answered without error has committed: the database writes again.
    app.addHook('onResponse', async (req, reply) => {
      if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS' && reply.statusCode < 400) writes.succeeded('api');
    });
  }
  installValidation(app as unknown as FastifyInstance);
  app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string' }, (_req, body, done) => done(null, body));
  for (const plugin of opts.setup ?? []) await plugin(app as unknown as FastifyInstance, ctx);
  await catalogRoutes(app, ctx);
  await stockRoutes(app, ctx);
  await operationsRoutes(app, ctx);
  try {
    for (const plugin of opts.plugins ?? []) await plugin(app, ctx);
  } catch (err) {
    await app.close().catch(() => undefined); // the plugins registered so far stop what they started (onClose)
    throw err;
  }
  return app as unknown as FastifyInstance;
}
