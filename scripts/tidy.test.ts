// The house's tidy check (after TigerBeetle's): what ships leaves test support out, dependencies are the ones the
// production code imports, and two ratchets, function length and line width, that may only go down. When you shorten
// long functions or wrap wide lines, lower the ceiling below to the new figure the failure message prints.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import * as prettier from 'prettier';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT, isTestSupport, packageImports, productionFiles, sourceFiles } from './house.js';

/** Functions (declarations, methods, arrows, function expressions) longer than this many lines count as long. */
const LONG_FUNCTION_LINES = 70;
/** Lines wider than this many characters count as wide. */
const WIDE_LINE_CHARS = 160;
/**
 * Ceilings, measured over productionFiles() (this branch merged with main at 8665e36: the larger of the two figures):
 * lower them as the code improves; never raise them.
 */
const CEILING = { longFunctions: 46, longestFunction: 230, wideLines: 646, widestLine: 376 };
/**
 * Direct uses of the system's clock, timers and randomness (`Date.now`, `Math.random`, `setTimeout`, `setInterval`,
 * `setImmediate`) in production code outside runtime/ (and the browser client): each should become the injected
 * Runtime (runtime/runtime.ts), so the part runs under simulated time. A ceiling that may only go down.
 */
const SYSTEM_TIME_CEILING = 2;
const SYSTEM_TIME = /\bDate\.now\b|\bMath\.random\b|\bset(?:Timeout|Interval|Immediate)\(/g;

/**
 * TypeScript files (production, tests and scripts) that Prettier (.prettierrc.json, `npm run format`) would change: a
 * ceiling that may only go down. Format what you touch (`npx prettier --write <files>`); new files start formatted.
 */
const UNFORMATTED_CEILING = 334;

/** Packages production code imports that are not runtime dependencies, and why. */
const OPTIONAL_IMPORTS: Record<string, string> = {
  esbuild: 'runtime/client-bundle.ts bundles a browser client in memory when no prebuilt bundle is installed (development, tests)',
};
/** The browser clients (the hub's console, the fleet's central page) are bundled at build time: their packages are
 * build inputs (devDependencies), not runtime ones. */
const CLIENTS = ['hub/dashboard/client/', 'fleet/client/'];
const isClient = (rel: string) => CLIENTS.some((c) => rel.startsWith(c));

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
const read = (rel: string) => readFileSync(join(ROOT, rel), 'utf8');

interface Measures {
  longFunctions: number;
  longestFunction: number;
  longest: string;
  wideLines: number;
  widestLine: number;
  widest: string;
}

function measure(files: readonly { rel: string; source: string }[]): Measures {
  const m: Measures = { longFunctions: 0, longestFunction: 0, longest: '', wideLines: 0, widestLine: 0, widest: '' };
  for (const { rel, source } of files) {
    source.split('\n').forEach((line, i) => {
      if (line.length > WIDE_LINE_CHARS) m.wideLines++;
      if (line.length > m.widestLine) [m.widestLine, m.widest] = [line.length, `${rel}:${i + 1}`];
    });
    const sf = ts.createSourceFile(rel, source, ts.ScriptTarget.Latest, true, rel.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
    const visit = (node: ts.Node): void => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const first = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
        const lines = sf.getLineAndCharacterOfPosition(node.getEnd()).line - first + 1;
        if (lines > LONG_FUNCTION_LINES) m.longFunctions++;
        if (lines > m.longestFunction) [m.longestFunction, m.longest] = [lines, `${rel}:${first + 1}`];
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return m;
}

describe('tidy', () => {
  it('the build (tsconfig.build.json) compiles no test support and nothing from scripts/', () => {
    const config = ts.readConfigFile(join(ROOT, 'tsconfig.build.json'), ts.sys.readFile);
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
    const built = parsed.fileNames.map((f) => relative(ROOT, f));
    expect(built.length).toBeGreaterThan(100);
    expect(built.filter((rel) => isTestSupport(rel) || rel.startsWith('scripts/'))).toEqual([]);
    // the build's roots are all production files; layering.test.ts keeps their imports out of test support
    expect(productionFiles().filter((rel) => !isClient(rel) && !built.includes(rel))).toEqual([]);
  });

  it('runtime dependencies are exactly what production code imports', () => {
    const imported = new Set<string>();
    const clientImports = new Set<string>();
    for (const rel of productionFiles()) for (const p of packageImports(read(rel))) (isClient(rel) ? clientImports : imported).add(p);
    const builtin = (p: string) => p.startsWith('node:') || builtinModules.includes(p);
    expect(
      Object.keys(pkg.dependencies).filter((d) => !imported.has(d)),
      'dependencies no production file imports',
    ).toEqual([]);
    expect(
      [...imported].filter((p) => !builtin(p) && !pkg.dependencies[p] && !OPTIONAL_IMPORTS[p]),
      'imported but not dependencies',
    ).toEqual([]);
    expect(
      [...clientImports].filter((p) => !pkg.devDependencies[p]),
      'console client imports not in devDependencies',
    ).toEqual([]);
  });

  it(`ratchets: functions over ${LONG_FUNCTION_LINES} lines and lines over ${WIDE_LINE_CHARS} characters never grow`, () => {
    const m = measure(productionFiles().map((rel) => ({ rel, source: read(rel) })));
    const now = { longFunctions: m.longFunctions, longestFunction: m.longestFunction, wideLines: m.wideLines, widestLine: m.widestLine };
    const grew = (Object.keys(CEILING) as (keyof typeof CEILING)[]).filter((k) => now[k] > CEILING[k]);
    expect(grew, `now ${JSON.stringify(now)} (longest ${m.longest}, widest ${m.widest}); ceiling ${JSON.stringify(CEILING)}`).toEqual([]);
  });

  it('text files are plain: LF line ends, no tabs, no trailing blanks, a final newline (what a formatter would keep)', () => {
    const text = /\.(tsx?|js|md|json|ya?ml|css|service|conf)$/;
    const top = readdirSync(ROOT).filter((name) => text.test(name) && statSync(join(ROOT, name)).isFile());
    const files = [
      ...top,
      ...['protocols', 'runtime', 'connectors', 'gateway', 'hub', 'fleet', 'scripts', 'docs', 'config', 'systemd'].flatMap((d) => sourceFiles(d, text)),
    ];
    expect(files.length).toBeGreaterThan(500);
    const untidy = files.flatMap((rel) => {
      const source = read(rel);
      const found: string[] = [];
      if (source.length > 0 && !source.endsWith('\n')) found.push(`${rel}: no final newline`);
      source.split('\n').forEach((line, i) => {
        if (/\r$/.test(line)) found.push(`${rel}:${i + 1}: CR line end`);
        else if (/[ \t]$/.test(line)) found.push(`${rel}:${i + 1}: trailing blank`);
        if (line.includes('\t')) found.push(`${rel}:${i + 1}: tab`);
      });
      return found;
    });
    expect(untidy).toEqual([]);
  });

  it(`ratchet: direct system clock, timer and randomness uses outside runtime/ never grow (ceiling ${SYSTEM_TIME_CEILING})`, () => {
    const uses = productionFiles()
      .filter((rel) => !rel.startsWith('runtime/') && !isClient(rel))
      .map((rel) => ({ rel, n: read(rel).match(SYSTEM_TIME)?.length ?? 0 }))
      .filter((u) => u.n > 0);
    const total = uses.reduce((sum, u) => sum + u.n, 0);
    expect(total, `now ${total}: ${uses.map((u) => `${u.rel} ${u.n}`).join(', ')}`).toBeLessThanOrEqual(SYSTEM_TIME_CEILING);
    expect('x = Date.now(); y = Math.random(); setTimeout(f, 1); setInterval(g, 2); setImmediate(h); clearTimeout(t)'.match(SYSTEM_TIME)).toHaveLength(5);
  });

  it(`ratchet: TypeScript files Prettier would change never grow (ceiling ${UNFORMATTED_CEILING})`, async () => {
    const files = ['protocols', 'runtime', 'connectors', 'gateway', 'hub', 'fleet', 'scripts'].flatMap((d) => sourceFiles(d));
    const options = await prettier.resolveConfig(join(ROOT, 'package.json'));
    expect(options, '.prettierrc.json').toMatchObject({ printWidth: WIDE_LINE_CHARS });
    const unformatted: string[] = [];
    for (const rel of files) if (!(await prettier.check(read(rel), { ...options, filepath: rel }))) unformatted.push(rel);
    expect(unformatted.length, `now ${unformatted.length}, e.g. ${unformatted.slice(0, 5).join(', ')}`).toBeLessThanOrEqual(UNFORMATTED_CEILING);
    expect(await prettier.check('const a = "x"\n', { ...options, filepath: 'x.ts' }), 'the check sees an unformatted file').toBe(false);
  }, 180_000); // Prettier parses ~600 files: ~15 s alone, a minute on a loaded 2-core machine

  it('the ratchet measures what it says: long functions of every kind, the longest, wide lines', () => {
    const lines = (n: number) => Array.from({ length: n }, (_, i) => `  v += ${i};`).join('\n');
    const source = [
      `function atLimit() {\n${lines(LONG_FUNCTION_LINES - 2)}\n}`,
      `class C {\n  method() {\n${lines(LONG_FUNCTION_LINES - 1)}\n  }\n}`,
      `const arrow = () => {\n${lines(LONG_FUNCTION_LINES + 5)}\n};`,
      `const wide = '${'x'.repeat(WIDE_LINE_CHARS)}';`,
    ].join('\n');
    const m = measure([{ rel: 'x.tsx', source }]);
    expect(m).toMatchObject({ longFunctions: 2, longestFunction: LONG_FUNCTION_LINES + 7, wideLines: 1, widestLine: WIDE_LINE_CHARS + 16 });
    expect(m.longest).toBe(`x.tsx:${2 * LONG_FUNCTION_LINES + 4}`); // the arrow, after 70 + 73 lines
  });
});
