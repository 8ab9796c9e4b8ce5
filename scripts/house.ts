// scripts/house — what the house rules (layering.test.ts, tidy.test.ts) walk: the rooms, their TypeScript files, and
// which of those are test support rather than production code.
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

export const ROOT = resolve(import.meta.dirname, '..');

/** The rooms of production code and the rooms each may import (itself first). `scripts/` sits above them all. */
export const ROOMS = {
  protocols: ['protocols'],
  runtime: ['runtime', 'protocols'],
  connectors: ['connectors', 'runtime', 'protocols'],
  gateway: ['gateway', 'runtime', 'protocols'],
  hub: ['hub', 'connectors', 'runtime', 'protocols'],
  fleet: ['fleet', 'connectors', 'runtime', 'protocols'],
} as const satisfies Record<string, readonly string[]>;
export type Room = keyof typeof ROOMS;

/**
 * Test support: tests, and the fakes, simulators, rigs and fixtures they use. It may import anything; production code
 * may import none of it, and tsconfig.build.json leaves all of it out of dist/. New support goes in a `testing/`
 * folder; the other names are the ones already in use.
 */
export function isTestSupport(rel: string): boolean {
  const parts = rel.split('/');
  const base = parts.at(-1)!;
  return (
    /\.test\.tsx?$|\.test-helper\.ts$/.test(base) ||
    ['test-support.ts', 'test-helpers.ts', 'test-fixture.ts', 'scenario-support.ts'].includes(base) ||
    parts.some((d) => d === 'testing' || d === 'fixtures' || d === 'test-support')
  );
}

/** Every file under `dir` whose name matches `names` (repo-relative paths; .ts/.tsx by default), leaving out built assets. */
export function sourceFiles(dir: string, names = /\.tsx?$/): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const rel = join(dir, name);
    if (name === 'node_modules' || name === 'public' || name === 'dist' || name === 'var') continue;
    if (statSync(join(ROOT, rel)).isDirectory()) out.push(...sourceFiles(rel, names));
    else if (names.test(name)) out.push(rel);
  }
  return out;
}

/** Production files of every room: what ships (the dashboard client included, bundled by its own build). */
export function productionFiles(): string[] {
  return (Object.keys(ROOMS) as Room[]).flatMap((room) => sourceFiles(room)).filter((rel) => !isTestSupport(rel));
}

/** Every module a file names: `import`, `export … from`, `import()` and `require()`, as TypeScript's scanner reads them. */
function importSpecifiers(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
}

/** Relative imports of a file, resolved repo-relative (`hub/ledger/moves.js`). */
export function relativeImports(rel: string, source: string): string[] {
  return importSpecifiers(source)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => relative(ROOT, resolve(ROOT, rel, '..', spec)));
}

/** Package imports of a file, as package names (`pino`, `@nats-io/jetstream`, `node:fs`). */
export function packageImports(source: string): string[] {
  return importSpecifiers(source)
    .filter((spec) => !spec.startsWith('.'))
    .map((spec) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/'));
}
