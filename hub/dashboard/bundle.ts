// hub/dashboard — bundling the console's client (Preact, TypeScript, CSS) into one app.js and one app.css with esbuild:
// `npm run build:dashboard` writes them beside the built hub (dist/hub/dashboard/public/); a hub running from source
// (development, tests) bundles them in memory on first request with the same options. esbuild is a build tool (a
// devDependency): a built hub never loads it. Nothing is fetched from the internet, at build time or in the page.
import { fileURLToPath } from 'node:url';

export const CLIENT_ENTRY = fileURLToPath(new URL('./client/main.tsx', import.meta.url));

export interface ClientBundle {
  js: string;
  css: string;
}

export async function bundleClient(): Promise<ClientBundle> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new Error('dashboard client not built and esbuild is not installed to bundle it (run npm run build:dashboard)');
  }
  const r = await esbuild.build({
    entryPoints: [CLIENT_ENTRY],
    bundle: true,
    write: false,
    format: 'esm',
    // Chrome 80 (early 2020): what a cheap Android tablet's WebView still has.
    target: ['es2020', 'chrome80'],
    minify: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    outdir: 'out',
    entryNames: 'app',
    logLevel: 'silent',
  });
  const file = (ext: string) => r.outputFiles.find((f) => f.path.endsWith(ext))?.text ?? '';
  return { js: file('.js'), css: file('.css') };
}
