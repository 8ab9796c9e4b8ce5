// hub/openapi — the REST API's contract as OpenAPI 3: every route's schemas (the same TypeBox schemas that validate
// and serialise) collected by @fastify/swagger, served at GET /openapi.json, and the docs page at /docs
// (@fastify/swagger-ui, its assets served from the package: no CDN, the floor may have no internet).
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema } from 'fastify';

/** Every route as registered (the OpenAPI test checks each is documented). */
export interface RouteEntry {
  method: string;
  url: string;
  schema: FastifySchema | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    routeCatalog: RouteEntry[];
  }
}

export interface OpenApiOptions {
  version: string;
  site: string;
}

/** Register before any route: @fastify/swagger learns routes from onRoute. */
export async function installOpenApi(app: FastifyInstance, opts: OpenApiOptions): Promise<void> {
  const catalog: RouteEntry[] = [];
  app.decorate('routeCatalog', catalog);
  app.addHook('onRoute', (r) => {
    for (const method of Array.isArray(r.method) ? r.method : [r.method]) catalog.push({ method, url: r.url, schema: r.schema });
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'dockgate hub REST API',
        version: opts.version,
        description: `Site ${opts.site}: stock, moves, doors, gateways, status, EPCIS export. Bearer tokens with roles viewer (reads), operator (floor work), admin (everything else).`,
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  // The plugin's CSP ends in upgrade-insecure-requests: over plain HTTP on a LAN address the browser then fetches every
  // asset over https:// and the page stays blank. The assets are same-origin relative URLs: over HTTPS they are https
  // anyway, so the directive only ever breaks the plain-HTTP case. Everything else of the policy stays.
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { docExpansion: 'list', deepLinking: false },
    staticCSP: true,
    transformStaticCSP: (header) => header.replace(/\s*upgrade-insecure-requests;?/g, ''),
  });
  app.get('/openapi.json', { schema: { hide: true }, config: { access: 'public' } }, async () => app.swagger());
}
