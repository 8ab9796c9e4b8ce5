// scripts/build-dashboard.ts — `npm run build:dashboard`: bundle the console (hub/dashboard/client) into
// dist/hub/dashboard/public/app.js and app.css, which the built hub serves. Prints the sizes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { bundleClient } from '../hub/dashboard/bundle.js';

const out = process.argv[2] ?? 'dist/hub/dashboard/public';
const { js, css } = await bundleClient();
mkdirSync(out, { recursive: true });
for (const [name, text] of [['app.js', js], ['app.css', css]] as const) {
  writeFileSync(join(out, name), text);
  console.log(`${join(out, name)}: ${text.length} bytes, ${gzipSync(text).length} gzipped`);
}
