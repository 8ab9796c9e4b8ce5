// fleet — the central page, on the hub console's stack: GET / serves a shell, GET /fleet/app.js and app.css the
// Preact client (fleet/client) bundled with esbuild like the console (built by npm run build:dashboard into
// dist/fleet/public/, or bundled in memory when running from source). The shell and bundle carry no data: the client
// signs in with a bearer token when the fleet has tokens and reads GET /api/v1/central.
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { clientAssetsLoader } from '../protocols/web/client-bundle.js';

export const FLEET_CLIENT_ENTRY = fileURLToPath(new URL('./client/main.tsx', import.meta.url));
const assets = clientAssetsLoader(fileURLToPath(new URL('./public', import.meta.url)), FLEET_CLIENT_ENTRY);

/** Paths anyone may fetch: the page's shell and bundle (no data in them). */
export const PAGE_PATHS: readonly string[] = ['/', '/fleet/app.js', '/fleet/app.css'];

export const CENTRAL_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>dockgate fleet</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/fleet/app.css">
</head>
<body>
<div id="app"></div>
<script type="module" src="/fleet/app.js"></script>
</body>
</html>
`;

export function centralPageRoutes() {
  return async (app: FastifyInstance): Promise<void> => {
    const hide = { schema: { hide: true } };
    app.get('/', hide, async (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(CENTRAL_HTML));
    app.get('/fleet/app.js', hide, async (_req, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send((await assets()).js));
    app.get('/fleet/app.css', hide, async (_req, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send((await assets()).css));
  };
}
