// scripts/bench — `npm run bench`: every benchmark of the project in one run, one table.
// Usage: npm run bench [-- name-filter [options]]; options belong to a bench (growth: --large, --sizes 1e6,1e7)
import { formatTable, type Bench, type BenchRow } from './report.js';

/** Each module exports `bench: Bench`. Add new benchmarks here. */
const BENCHES: Array<() => Promise<{ bench: Bench }>> = [
  () => import('./epc-decode.js'),
  () => import('./llrp-decode.js'),
  () => import('./portal.js'),
  () => import('./outbox.js'),
  () => import('./journal.js'),
  () => import('./ledger.js'),
  () => import('./ingest.js'),
  () => import('./apply.js'),
  () => import('./channels.js'),
  () => import('./gateway-cpu.js'),
  () => import('./reader-drivers.js'),
  () => import('./api.js'),
  () => import('./shipping-signal.js'),
  () => import('./console.js'),
  () => import('./fleet.js'),
  () => import('./growth.js'),
  () => import('./period.js'),
];

const filter = process.argv[2]?.startsWith('--') ? undefined : process.argv[2];
const rows: BenchRow[] = [];
const started = Date.now();
for (const load of BENCHES) {
  const { bench } = await load();
  if (filter && !bench.name.includes(filter)) continue;
  process.stderr.write(`bench: ${bench.name} …\n`);
  const t0 = Date.now();
  rows.push(...(await bench.run()));
  process.stderr.write(`bench: ${bench.name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}
process.stdout.write(formatTable(rows) + '\n');
process.stdout.write(`total ${((Date.now() - started) / 1000).toFixed(1)} s on ${process.version}\n`);
