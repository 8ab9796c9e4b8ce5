// fleet — the central REST API (fastify, OpenAPI from the TypeBox schemas at /docs/json) and the central page.
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import type pg from 'pg';
import { installFleetAuth } from './auth.js';
import type { FleetConfig } from './config.js';
import { centralPageRoutes } from './page.js';
import { doorsBySite, kpis, listSiteRows, stockBySku, transferInputs } from './store/queries.js';
import { matchTransfers } from './transfers.js';
import type { SiteProgress } from './consumer.js';
import { fleetChannelRoutes, type FleetChannelRoutesOptions } from './channels/routes.js';
import type { CentralView, SiteFreshness } from './view.js';

export interface FleetApiDeps {
  config: FleetConfig;
  pool: pg.Pool;
  clock: () => number;
  progress: (site: string) => SiteProgress | undefined;
  /** fleet channels' routes (fleet/channels), when channels are configured */
  channels?: FleetChannelRoutesOptions;
}

export async function freshness(deps: FleetApiDeps): Promise<SiteFreshness[]> {
  const rows = new Map((await listSiteRows(deps.pool)).map((r) => [r.site, r]));
  const now = deps.clock();
  return deps.config.sites.map(({ id }) => {
    const r = rows.get(id);
    const p = deps.progress(id);
    const behindS = r?.lastChangeAt ? Math.max(0, Math.round((now - Date.parse(r.lastChangeAt)) / 1000)) : null;
    return {
      site: id,
      appliedThrough: r?.appliedThrough ?? 0,
      lastChangeAt: r?.lastChangeAt ?? null,
      behindS,
      pending: p?.pending ?? null,
      stale: behindS === null || behindS > deps.config.staleAfterS || (p?.pending ?? 0) > 0 || !!r?.gap || !!r?.problem,
      gap: r?.gap ?? null,
      problem: r?.problem ?? null,
      consumerError: p?.lastError ?? null,
    };
  });
}

const Freshness = Type.Object({
  site: Type.String(),
  appliedThrough: Type.Integer(),
  lastChangeAt: Type.Union([Type.String(), Type.Null()]),
  behindS: Type.Union([Type.Integer(), Type.Null()]),
  pending: Type.Union([Type.Integer(), Type.Null()]),
  stale: Type.Boolean(),
  gap: Type.Union([Type.Object({ expected: Type.Integer(), got: Type.Integer() }), Type.Null()]),
  problem: Type.Union([Type.String(), Type.Null()]),
  consumerError: Type.Union([Type.String(), Type.Null()]),
});
const Stock = Type.Object({
  sku: Type.String(),
  onHand: Type.Integer(),
  inTransit: Type.Integer(),
  sites: Type.Array(
    Type.Object({
      site: Type.String(),
      onHand: Type.Integer(),
      locations: Type.Array(Type.Object({ location: Type.String(), kind: Type.String(), qty: Type.Integer() })),
    }),
  ),
});

async function transfers(deps: FleetApiDeps) {
  const { docs, moves } = await transferInputs(deps.pool);
  return matchTransfers(docs, moves, deps.clock(), deps.config.transfers.overdueHours * 3_600_000);
}

export async function centralView(deps: FleetApiDeps): Promise<CentralView> {
  const [sites, doors, matched, k] = await Promise.all([freshness(deps), doorsBySite(deps.pool), transfers(deps), kpis(deps.pool)]);
  return {
    generatedAt: new Date(deps.clock()).toISOString(),
    staleAfterS: deps.config.staleAfterS,
    kpis: { ...k, staleSites: sites.filter((s) => s.stale).length },
    sites,
    doors,
    transfers: matched.transfers,
    transferVariances: matched.variances,
  };
}

export async function buildFleetApi(deps: FleetApiDeps): Promise<FastifyInstance> {
  // The TypeBox type provider: a handler's request is typed by the route's schema (validated before it runs), not cast.
  const app = Fastify({ logger: false }).withTypeProvider<TypeBoxTypeProvider>();
  await app.register(swagger, {
    openapi: {
      info: { title: 'dockgate fleet API', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  installFleetAuth(app, deps.config.http.tokens);
  app.get('/docs/json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/health', { schema: { hide: true } }, async () => ({ ok: true }));
  app.get(
    '/api/v1/sites',
    {
      schema: {
        tags: ['fleet'],
        summary: 'Every site and how far behind the central view is for it',
        response: { 200: Type.Object({ sites: Type.Array(Freshness) }) },
      },
    },
    async () => ({ sites: await freshness(deps) }),
  );
  app.get(
    '/api/v1/stock',
    {
      schema: {
        tags: ['fleet'],
        summary: 'Stock per SKU across sites and locations, and in transit',
        querystring: Type.Object({ sku: Type.Optional(Type.String({ minLength: 1 })) }),
        response: { 200: Type.Object({ stock: Type.Array(Stock) }) },
      },
    },
    async (req) => ({ stock: await stockBySku(deps.pool, req.query.sku) }),
  );
  app.get('/api/v1/kpis', { schema: { tags: ['fleet'], summary: 'Cross-site KPIs' } }, async () => ({
    ...(await kpis(deps.pool)),
    staleSites: (await freshness(deps)).filter((s) => s.stale).length,
  }));
  app.get('/api/v1/transfers', { schema: { tags: ['fleet'], summary: 'Transfers between sites, matched both sides, with transfer variances' } }, async () =>
    transfers(deps),
  );
  app.get(
    '/api/v1/central',
    {
      schema: {
        tags: ['fleet'],
        summary: "The central view in one read: KPIs, every site's freshness, doors with their open documents and variances, transfers",
      },
    },
    async () => centralView(deps),
  );
  if (deps.channels) await app.register(fleetChannelRoutes, deps.channels);
  await app.register(centralPageRoutes());
  return app;
}
