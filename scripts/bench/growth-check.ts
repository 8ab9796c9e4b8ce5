// scripts/bench — the growth bench's `dockgate-hub check --full` in a process of its own, so that its peak resident
// memory is the check's (and Node's) alone: `node --import tsx scripts/bench/growth-check.ts <hub.db> <nowMs>` runs
// checkFull (the code the CLI runs) on the database and prints one JSON line: seconds, moves, whether it passed, the
// first difference, and the process's peak RSS before the check and after it: VmHWM of /proc/self/status, the high-water
// mark of this process's own memory. (process.resourceUsage().maxRSS is no use here: Linux keeps ru_maxrss across exec,
// so a child reports at least the RSS its parent — the bench, ~450 MiB by then — had when it forked.)
import { readFileSync } from 'node:fs';
import { openDatabase } from '../../hub/db/database.js';
import { checkFull } from '../../hub/ledger/index.js';

export interface GrowthCheck {
  s: number;
  moves: number;
  ok: boolean;
  firstDifference: string | null;
  /** Peak resident set size of this process, MiB: before the check began, and at its end. */
  rssBeforeMiB: number;
  rssPeakMiB: number;
}

/** Peak resident set size of this process's memory since its exec, MiB (Linux's VmHWM; elsewhere the rusage figure). */
function peakRssMiB(): number {
  const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(process.platform === 'linux' ? readFileSync('/proc/self/status', 'utf8') : '');
  return Number(hwm?.[1] ?? process.resourceUsage().maxRSS) / 1024;
}

const [path, now] = process.argv.slice(2);
if (!path || !Number.isSafeInteger(Number(now))) throw new Error(`usage: growth-check.ts <hub.db> <nowMs>, got ${process.argv.slice(2).join(' ')}`);
const db = openDatabase(path);
const rssBeforeMiB = peakRssMiB();
const t0 = performance.now();
const { report } = checkFull(db, Number(now));
const out: GrowthCheck = {
  s: (performance.now() - t0) / 1000,
  moves: report.moves,
  ok: report.ok,
  firstDifference: report.differences[0]?.message ?? null,
  rssBeforeMiB,
  rssPeakMiB: peakRssMiB(),
};
db.close();
process.stdout.write(`${JSON.stringify(out)}\n`);
