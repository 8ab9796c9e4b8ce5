// scripts/build-dashboard.ts — `npm run build:dashboard`: bundle the browser clients — the hub's console
// (hub/dashboard/client) into dist/hub/dashboard/public/ and the fleet's central page (fleet/client) into
// dist/fleet/public/ — as app.js and app.css, which the built daemons serve. Prints the sizes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CLIENT_ENTRY } from '../hub/dashboard/bundle.js';
import { FLEET_CLIENT_ENTRY } from '../fleet/page.js';
import { bundleBrowserClient } from '../runtime/client-bundle.js';

const dist = process.argv[2] ?? 'dist';
for (const [entry, out] of [[CLIENT_ENTRY, join(dist, 'hub/dashboard/public')], [FLEET_CLIENT_ENTRY, join(dist, 'fleet/public')]] as const) {
  const { js, css } = await bundleBrowserClient(entry);
  mkdirSync(out, { recursive: true });
  for (const [name, text] of [['app.js', js], ['app.css', css]] as const) {
    writeFileSync(join(out, name), text);
    console.log(`${join(out, name)}: ${text.length} bytes, ${gzipSync(text).length} gzipped`);
  }
}
