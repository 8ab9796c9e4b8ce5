// fleet — the central page, on the hub console's stack: GET / serves a shell, GET /fleet/app.js and app.css the
// Preact client (fleet/client) bundled with esbuild like the console (built by npm run build:dashboard into
// dist/fleet/public/, or bundled in memory when running from source). The shell and bundle carry no data: the client
// signs in with a bearer token when the fleet has tokens and reads GET /api/v1/central.
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { clientAssetsLoader, clientShell } from '../runtime/client-bundle.js';

export const FLEET_CLIENT_ENTRY = fileURLToPath(new URL('./client/main.tsx', import.meta.url));
const assets = clientAssetsLoader(fileURLToPath(new URL('./public', import.meta.url)), FLEET_CLIENT_ENTRY);

/** Paths anyone may fetch: the page's shell and bundle (no data in them). */
export const PAGE_PATHS: readonly string[] = ['/', '/fleet/app.js', '/fleet/app.css'];

export const CENTRAL_HTML = clientShell('dockgate fleet', '/fleet');

export function centralPageRoutes() {
  return async (app: FastifyInstance): Promise<void> => {
    const hide = { schema: { hide: true } };
    app.get('/', hide, async (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(CENTRAL_HTML));
    app.get('/fleet/app.js', hide, async (_req, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send((await assets()).js));
    app.get('/fleet/app.css', hide, async (_req, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send((await assets()).css));
  };
}
