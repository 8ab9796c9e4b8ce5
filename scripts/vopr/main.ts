// scripts/vopr — `npm run vopr -- --seed N` (one seed, with its scenario and what happened), `--seeds A..B` (a range,
// one line per seed, a summary at the end). A failing seed prints its failures and the command that replays it.
// Exit code 1 when any seed failed, 2 on bad arguments.
import { describeRun, runSeed } from './run.js';

function usage(problem: string): never {
  process.stderr.write(`vopr: ${problem}\nusage: npm run vopr -- --seed N | --seeds A..B [--keep]\n`);
  process.exit(2);
}

function seedsOf(argv: readonly string[]): number[] {
  const at = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const int = (s: string | undefined, what: string) => {
    if (s === undefined || !/^\d+$/.test(s)) usage(`${what} must be a non-negative integer, got ${JSON.stringify(s)}`);
    return Number(s);
  };
  const one = at('--seed');
  const range = at('--seeds');
  if (one !== undefined && range !== undefined) usage('give --seed or --seeds, not both');
  if (one !== undefined) return [int(one, '--seed')];
  if (range === undefined) usage('give --seed N or --seeds A..B');
  const m = /^(\d+)\.\.(\d+)$/.exec(range);
  if (!m) usage(`--seeds must be A..B, got ${JSON.stringify(range)}`);
  const [a, b] = [int(m[1], 'A'), int(m[2], 'B')];
  if (b < a) usage(`--seeds ${range}: B must be >= A`);
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

const argv = process.argv.slice(2);
const seeds = seedsOf(argv);
const keep = argv.includes('--keep');
let failed = 0;
const started = performance.now();
for (const seed of seeds) {
  const r = await runSeed(seed, { keep });
  if (!r.ok) failed++;
  process.stdout.write(`${describeRun(r)}\n`);
}
if (seeds.length > 1) process.stdout.write(`${seeds.length - failed}/${seeds.length} seeds ok in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
process.exit(failed > 0 ? 1 : 0);
