// hub/dashboard — the client script: the built file (npm run build:dashboard writes dist/hub/dashboard/public/app.js)
// when there is one beside this module, else compiled on first request from client/app.ts with TypeScript (running
// from source: development and tests). Either way it is served from this process: no CDN.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

let script: Promise<string> | undefined;

export function clientScript(): Promise<string> {
  script ??= load().catch((err: unknown) => {
    script = undefined;
    throw err;
  });
  return script;
}

async function load(): Promise<string> {
  const built = fileURLToPath(new URL('./public/app.js', import.meta.url));
  if (existsSync(built)) return readFileSync(built, 'utf8');
  const source = fileURLToPath(new URL('./client/app.ts', import.meta.url));
  if (!existsSync(source)) throw new Error(`dashboard client not built: ${built} is missing (run npm run build:dashboard)`);
  let ts: typeof import('typescript');
  try {
    ts = (await import('typescript')).default;
  } catch {
    throw new Error(`dashboard client not built: ${built} is missing and TypeScript is not installed to compile ${source} (run npm run build:dashboard)`);
  }
  const out = ts.transpileModule(readFileSync(source, 'utf8'), {
    compilerOptions: { target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.ES2020, isolatedModules: true },
    fileName: source,
    reportDiagnostics: false,
  });
  return out.outputText;
}
