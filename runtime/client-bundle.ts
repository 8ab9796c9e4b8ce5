// runtime/client-bundle — bundling a browser client (Preact, TypeScript, CSS) into one app.js and one app.css with esbuild,
// the same way for the hub's console and the fleet's central page: `npm run build:dashboard` writes them beside the
// built daemon; a daemon running from source (development, tests) bundles them in memory on first request with the
// same options. esbuild is a build tool (a devDependency): a built daemon never loads it. Nothing is fetched from the
// internet, at build time or in the page.
import { existsSync, readFileSync } from 'node:fs';

export interface ClientBundle {
  js: string;
  css: string;
}

/** Bundle the client whose entry is `entry` (a .tsx file path). */
export async function bundleBrowserClient(entry: string): Promise<ClientBundle> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new Error(`browser client ${entry} not built and esbuild is not installed to bundle it (run npm run build:dashboard)`);
  }
  const r = await esbuild.build({
    entryPoints: [entry],
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

/**
 * The client's files, loaded once: the built ones when `publicDir` holds app.js (and app.css), else bundled in memory
 * from `entry` (running from source). A failed load is retried on the next call.
 */
export function clientAssetsLoader(publicDir: string, entry: string): () => Promise<ClientBundle> {
  let assets: Promise<ClientBundle> | undefined;
  const load = async (): Promise<ClientBundle> => {
    const built = (name: string) => `${publicDir}/${name}`;
    if (existsSync(built('app.js'))) return { js: readFileSync(built('app.js'), 'utf8'), css: existsSync(built('app.css')) ? readFileSync(built('app.css'), 'utf8') : '' };
    return bundleBrowserClient(entry);
  };
  return () => {
    assets ??= load().catch((err: unknown) => {
      assets = undefined;
      throw err;
    });
    return assets;
  };
}

/** The page a client renders into: its bundle's styles and script from `base` (served by the daemon itself) and #app. */
export function clientShell(title: string, base: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${base}/app.css">
</head>
<body>
<div id="app"></div>
<script type="module" src="${base}/app.js"></script>
</body>
</html>
`;
}
