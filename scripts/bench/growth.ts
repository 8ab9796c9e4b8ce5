// scripts/bench — growth: does the hub cost the same on day 365 as on day 1? For ledgers of several sizes (default
// 100 k and 1 M moves; `npm run bench -- growth --large`: 1 M, 10 M and 50 M; `--sizes 1e6,1e7` picks others), each
// built once by growth-ledger.ts and cached, it measures on a copy of the ledger: the backup (SQLite's online backup
// API, as `dockgate-hub backup` runs it) that makes the copy, database bytes per move, `dockgate-hub check --full`
// (checkFull, the code the CLI runs, in a process of its own: growth-check.ts) with its peak RSS, REST p99 over real
// HTTP on a real hub per size, every size's hub in one process of their own and asked in turn request by request
// (growth-rest.ts: stock of a SKU, a page of stock, open variances, a unit's history by EPC, a day's moves), receipts
// applied end to end through the broker (the apply bench's path), and `dockgate-hub check` incremental over the moves
// that apply added. REST and apply are measured in rounds that visit every size (a shared machine's load then weighs
// on every size alike). It prints the sizes side by side with the ratio of each larger size to the 1 M figures, and
// returns the rows for the bench table.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { migrate, openDatabase } from '../../hub/db/database.js';
import { HUB_MIGRATIONS } from '../../hub/app.js';
import { checkIncremental } from '../../hub/ledger/index.js';
import { ROOT } from '../house.js';
import { pct } from './api.js';
import { GTINS, receivingDoor, throughBroker } from './apply.js';
import { DAY_MS, DAYS, ROUND, T0, growthLedger } from './growth-ledger.js';
import type { RestKey } from './growth-rest.js';
import type { GrowthCheck } from './growth-check.js';
import { evictFromPageCache, residentShare, warmPageCache } from './page-cache.js';
import type { Bench, BenchRow } from './report.js';

const DEFAULT_SIZES = [100_000, 1_000_000];
const LARGE_SIZES = [1_000_000, 10_000_000, 50_000_000];
const BASE = 1_000_000;
const CACHE = join(ROOT, '.bench', 'growth');
const REQUESTS = 3_000;
/**
 * Unmeasured requests per path before its timed ones: a round starts a new hub, whose first thousand-odd requests run
 * cold code and meet its start-up garbage (scavenges of 3–5 ms at 10 M moves against ~1 ms after): not the steady
 * state a hub serves in.
 */
const WARMUP = 1_000;
/** apply and REST at the largest size within this factor of the 1 M figures (issue #24). */
const TARGET_RATIO = 1.5;
/** Rounds of REST and apply over every size (apply: the median round; REST: the rounds' requests pooled). */
const ROUNDS = 3;

interface Figure {
  name: string;
  unit: string;
  /** Whether more is better (events/s) or less (ms, s, bytes): the ratio is always "how many times worse". */
  higherIsBetter?: boolean;
  /** Apply and REST carry issue #24's target. */
  targeted?: boolean;
}

const FIGURES = {
  build: { name: 'build the ledger (bulk SQL; cached after)', unit: 's' },
  bytes: { name: 'database bytes per move', unit: 'B' },
  backup: { name: 'backup (SQLite online backup API)', unit: 's' },
  checkFull: { name: 'dockgate-hub check --full', unit: 's' },
  checkRss: { name: 'dockgate-hub check --full: peak RSS of its process', unit: 'MiB' },
  checkIncremental: { name: 'dockgate-hub check (incremental, after apply)', unit: 's' },
  cached: { name: 'the working copy in the page cache after a round (the least of the rounds)', unit: '%' },
  apply: { name: 'receipts applied end to end', unit: 'events/s', higherIsBetter: true, targeted: true },
  stock: { name: 'REST p99 GET /api/v1/stock?sku=', unit: 'ms', targeted: true },
  page: { name: 'REST p99 GET /api/v1/stock?limit=100&after=', unit: 'ms', targeted: true },
  variances: { name: 'REST p99 GET /api/v1/variances?status=open&limit=100 (first page)', unit: 'ms', targeted: true },
  unit: { name: 'REST p99 GET /api/v1/moves?epc= (a unit)', unit: 'ms', targeted: true },
  day: { name: 'REST p99 GET /api/v1/moves?since=&until= (a day, first 100)', unit: 'ms', targeted: true },
  // The medians beside the p99s: on a machine shared with other work the p99 is the scheduler's as much as the query's.
  stock50: { name: 'REST p50 stock of a SKU', unit: 'ms' },
  page50: { name: 'REST p50 a page of stock', unit: 'ms' },
  variances50: { name: 'REST p50 open variances, first page', unit: 'ms' },
  unit50: { name: 'REST p50 a unit by EPC', unit: 'ms' },
  day50: { name: 'REST p50 a day, first 100', unit: 'ms' },
} satisfies Record<string, Figure>;
type Key = keyof typeof FIGURES;
type Measured = Partial<Record<Key, number>>;

function sizesFromArgs(argv: readonly string[]): number[] {
  const i = argv.indexOf('--sizes');
  if (i >= 0) {
    const sizes = (argv[i + 1] ?? '').split(',').map(Number);
    if (!sizes.length || sizes.some((n) => !Number.isSafeInteger(n) || n < ROUND))
      throw new Error(`growth: --sizes wants sizes like 1e6,1e7, got ${argv[i + 1]}`);
    return sizes;
  }
  return argv.includes('--large') ? LARGE_SIZES : DEFAULT_SIZES;
}

const label = (n: number) => (n >= 1e6 ? `${n / 1e6} M` : `${n / 1e3} k`);
/** Each line carries the load average: the machine may be shared, and the phases' figures are compared across sizes. */
const log = (msg: string) => process.stderr.write(`growth [load ${loadavg()[0]!.toFixed(2)}]: ${msg}\n`);

/** Runs `script` (under scripts/bench) in a process of its own and parses the JSON of its last line of output. */
function runApart<T>(script: string, args: readonly string[], what: string): T {
  const child = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/bench', script), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const line = child.stdout.trim().split('\n').at(-1);
  if (child.status !== 0 || !line) throw new Error(`growth: the ${what} process failed (${child.status ?? child.signal}): ${child.stderr.slice(-2000)}`);
  return JSON.parse(line) as T;
}

/**
 * One round of REST requests on every size's hub, the sizes in turn request by request, in a process of their own
 * (growth-rest.ts): each size's latencies per path, in the order of `sites`.
 */
function restSamples(sites: readonly Site[], round: number): Array<Record<RestKey, number[]>> {
  return runApart('growth-rest.ts', [String(round), String(REQUESTS), String(WARMUP), ...sites.map((s) => `${s.path}:${s.n}`)], 'REST');
}

/** `dockgate-hub check --full` on the database at `path`, in a child process (growth-check.ts): its figures. */
export function checkFullApart(path: string): GrowthCheck {
  return runApart('growth-check.ts', [path, String(T0 + DAYS * DAY_MS)], 'check');
}

/** A size's working copy of the cached ledger, and what has been measured on it. */
interface Site {
  n: number;
  path: string;
  dir: string;
  out: Measured;
  rest: Record<RestKey, number[]>;
  apply: number[];
}

/**
 * The figures of a size that are not compared at the same moment: bytes per move, the online backup that makes its
 * working copy, and `check --full` on that copy (which sets its check point: the incremental check covers what apply
 * adds).
 */
async function prepareSize(n: number): Promise<Site> {
  const fixture = growthLedger(CACHE, n, GTINS, log);
  const out: Measured = { bytes: statSync(fixture.path).size / n };
  if (fixture.buildS !== null) out.build = fixture.buildS;
  const dir = join(CACHE, `work-${process.pid}-${n}`);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'hub.db');
  const source = openDatabase(fixture.path);
  const t0 = performance.now();
  await source.backup(path);
  out.backup = (performance.now() - t0) / 1000;
  source.close();
  // Nothing reads the cached ledger again: out of memory it leaves the page cache to the working copies measured.
  evictFromPageCache(fixture.path);
  log(`${label(n)}: backup ${out.backup.toFixed(1)} s`);
  const db = openDatabase(path);
  migrate(db, HUB_MIGRATIONS);
  db.close();
  const full = checkFullApart(path);
  if (!full.ok || full.moves !== n) throw new Error(`growth: the ${label(n)} ledger fails its check: ${full.firstDifference ?? `${full.moves} moves`}`);
  out.checkFull = full.s;
  out.checkRss = full.rssPeakMiB;
  log(`${label(n)}: check --full ${full.s.toFixed(1)} s, peak RSS ${full.rssPeakMiB.toFixed(0)} MiB (${full.rssBeforeMiB.toFixed(0)} MiB before it began)`);
  return { n, path, dir, out, rest: { stock: [], page: [], variances: [], unit: [], day: [] }, apply: [] };
}

/**
 * One round: the REST requests of every size at once (each size's database read whole first, page-cache.ts, so each
 * is measured in memory), then receipts applied end to end on each size in turn (under the round's own streams).
 */
async function measureRound(sites: readonly Site[], round: number): Promise<void> {
  for (const site of sites) warmPageCache(site.path);
  const rest = restSamples(sites, round);
  for (const [i, site] of sites.entries()) {
    for (const key of Object.keys(rest[i]!) as RestKey[]) site.rest[key].push(...rest[i]![key]);
    const db = openDatabase(site.path);
    const applySite = { t: { db, path: site.path, dir: site.dir, cleanup: () => db.close() }, doors: receivingDoor(db), tag: `r${round}-` };
    site.apply.push((await throughBroker(1, false, applySite)).eventsPerS);
    // A request that reads a page not in memory waits for the disk: how much of the copy was there is part of the figure.
    const cached = 100 * residentShare(site.path);
    site.out.cached = Math.min(site.out.cached ?? 100, cached);
    log(`${label(site.n)} round ${round + 1}: apply ${Math.round(site.apply.at(-1)!)} events/s, stock p50 ${pct(rest[i]!.stock, 0.5).toFixed(2)} ms, ${cached.toFixed(0)} % of the copy in the page cache`);
  }
}

/** The compared figures (pooled REST latencies, the median apply rate) and the incremental check of what apply added. */
function settleSize(site: Site): Measured {
  const out = site.out;
  for (const key of Object.keys(site.rest) as RestKey[]) {
    out[key] = pct(site.rest[key], 0.99);
    out[`${key}50`] = pct(site.rest[key], 0.5);
  }
  out.apply = pct(site.apply, 0.5);
  const db = openDatabase(site.path);
  const t0 = performance.now();
  const inc = checkIncremental(db, T0 + DAYS * DAY_MS + 1);
  out.checkIncremental = (performance.now() - t0) / 1000;
  db.close();
  if (!inc.report.ok || inc.toSeq <= inc.fromSeq)
    throw new Error(`growth: the incremental check after apply failed: ${inc.report.differences[0]?.message ?? 'nothing new'}`);
  return out;
}

const fmt = (v: number | undefined) => (v === undefined ? '—' : v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(3));

/** How many times worse `v` is than `base` (> 1: worse). */
function worse(f: Figure, v: number, base: number): number {
  return f.higherIsBetter ? base / v : v / base;
}

/** The sizes side by side, and each size above 1 M against the 1 M figures. */
export function sideBySide(sizes: readonly number[], results: ReadonlyMap<number, Measured>): string {
  const above = results.has(BASE) ? sizes.filter((n) => n > BASE) : [];
  const header = ['figure', ...sizes.map(label), ...above.map((n) => `${label(n)} vs 1 M (×, >1 worse)`)];
  const lines = (Object.keys(FIGURES) as Key[]).map((key) => {
    const f: Figure = FIGURES[key];
    const cells = [`${f.name} (${f.unit})`, ...sizes.map((n) => fmt(results.get(n)?.[key]))];
    const b = results.get(BASE)?.[key];
    for (const n of above) {
      const v = results.get(n)?.[key];
      cells.push(v !== undefined && b !== undefined ? worse(f, v, b).toFixed(2) : '—');
    }
    return cells;
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  return [row(header), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...lines.map(row)].join('\n');
}

export const bench: Bench = {
  name: 'growth',
  async run(): Promise<BenchRow[]> {
    const sizes = sizesFromArgs(process.argv);
    const results = new Map<number, Measured>();
    const sites: Site[] = [];
    try {
      for (const n of sizes) {
        log(`${label(n)} moves …`);
        sites.push(await prepareSize(n));
      }
      // Apply and REST are compared across sizes: measured in rounds that visit every size in turn, so a change in
      // the machine's load (it may be shared) falls on every size alike rather than on whichever size ran then.
      for (let round = 0; round < ROUNDS; round++) await measureRound(sites, round);
      for (const site of sites) {
        results.set(site.n, settleSize(site));
        log(`${label(site.n)} figures: ${JSON.stringify(results.get(site.n))}`);
      }
    } finally {
      for (const site of sites) rmSync(site.dir, { recursive: true, force: true });
    }
    process.stdout.write(`growth (load average ${loadavg()[0]!.toFixed(1)}):\n${sideBySide(sizes, results)}\n\n`);
    const rows: BenchRow[] = [];
    const base = results.get(BASE);
    for (const n of sizes) {
      for (const key of Object.keys(FIGURES) as Key[]) {
        const f: Figure = FIGURES[key];
        const v = results.get(n)![key];
        if (v === undefined) continue;
        const b = n !== BASE ? base?.[key] : undefined;
        const targeted = f.targeted && b !== undefined && n > BASE;
        rows.push({
          name: `growth ${label(n)}: ${f.name}`,
          value: v,
          unit: f.unit,
          ...(b !== undefined ? { baseline: { name: '1 M, same run', value: b } } : {}),
          ...(targeted ? { target: f.higherIsBetter ? `>= 1/${TARGET_RATIO} of 1 M` : `<= ${TARGET_RATIO}× 1 M`, met: worse(f, v, b) <= TARGET_RATIO } : {}),
        });
      }
    }
    return rows;
  },
};
