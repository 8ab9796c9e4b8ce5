// hub/dashboard — the client's files: the built ones (npm run build:dashboard writes dist/hub/dashboard/public/app.js
// and app.css) when they sit beside this module, else bundled in memory from client/ (running from source). Either way
// they are served by this process: no CDN.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleClient, type ClientBundle } from './bundle.js';

let assets: Promise<ClientBundle> | undefined;

export function clientAssets(): Promise<ClientBundle> {
  assets ??= load().catch((err: unknown) => {
    assets = undefined;
    throw err;
  });
  return assets;
}

async function load(): Promise<ClientBundle> {
  const built = (name: string) => fileURLToPath(new URL(`./public/${name}`, import.meta.url));
  if (existsSync(built('app.js'))) return { js: readFileSync(built('app.js'), 'utf8'), css: existsSync(built('app.css')) ? readFileSync(built('app.css'), 'utf8') : '' };
  return bundleClient();
}
