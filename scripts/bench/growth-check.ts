// scripts/bench — the growth bench's `dockgate-hub check --full` in a process of its own, so that its peak resident
// memory is the check's (and Node's) alone: `node --import tsx scripts/bench/growth-check.ts <hub.db> <nowMs>` runs
// checkFull (the code the CLI runs) on the database and prints one JSON line: seconds, moves, whether it passed, the
// first difference, and the process's peak RSS (process.resourceUsage().maxRSS) before the check and after it.
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

const [path, now] = process.argv.slice(2);
if (!path || !Number.isSafeInteger(Number(now))) throw new Error(`usage: growth-check.ts <hub.db> <nowMs>, got ${process.argv.slice(2).join(' ')}`);
const db = openDatabase(path);
const rssBeforeMiB = process.resourceUsage().maxRSS / 1024;
const t0 = performance.now();
const { report } = checkFull(db, Number(now));
const out: GrowthCheck = {
  s: (performance.now() - t0) / 1000,
  moves: report.moves,
  ok: report.ok,
  firstDifference: report.differences[0]?.message ?? null,
  rssBeforeMiB,
  rssPeakMiB: process.resourceUsage().maxRSS / 1024,
};
db.close();
process.stdout.write(`${JSON.stringify(out)}\n`);
