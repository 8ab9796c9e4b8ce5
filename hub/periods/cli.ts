// hub/periods — `dockgate-hub close-period --through <date> --config hub.yaml [--batch <n>] [--no-vacuum]`: close the
// ledger's period through a date on the database file (beside a running hub or not), print what it did as JSON, exit 0;
// a refusal prints its reasons and exits 1; bad arguments exit 64. A rerun after a kill completes the close.
import type { Logger } from '../../protocols/logging/index.js';
import { migrate, openDatabase, type MigrationSet } from '../db/database.js';
import { closeArchiveReader } from '../ledger/archive.js';
import { closePeriod, PeriodCloseRefused, readPeriodState } from './index.js';

export const CLOSE_PERIOD_USAGE = 'dockgate-hub close-period --through <date> [--batch <moves>] [--no-vacuum] --config <hub.yaml>';

export interface CloseCommandIo {
  dbPath: string;
  migrations: readonly MigrationSet[];
  nowMs: number;
  /** Progress per archive batch (the CLI prints only its result on stdout, so leaves it out). */
  log?: Logger;
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Parse, close, report; returns the exit code. */
export function closePeriodCommand(argv: readonly string[], io: CloseCommandIo): number {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const known = new Set(['--through', '--batch', '--no-vacuum', '--config', '-c']);
  const unknown = argv.filter((a) => a.startsWith('-') && !known.has(a) && !a.startsWith('--config='));
  const through = value('--through');
  const throughMs = through === undefined ? NaN : Date.parse(through.length === 10 ? `${through}T00:00:00Z` : through);
  const batch = value('--batch') === undefined ? undefined : Number(value('--batch'));
  const problem = unknown.length
    ? `unknown argument ${unknown.join(' ')}`
    : !Number.isFinite(throughMs)
      ? `--through needs a date (YYYY-MM-DD, UTC midnight) or an ISO-8601 time, got ${JSON.stringify(through)}`
      : batch !== undefined && !(Number.isSafeInteger(batch) && batch >= 1)
        ? `--batch needs a whole number of moves, got ${JSON.stringify(value('--batch'))}`
        : null;
  if (problem) {
    io.err(`dockgate-hub close-period: ${problem}\nusage: ${CLOSE_PERIOD_USAGE}\n`);
    return 64;
  }
  const db = openDatabase(io.dbPath);
  try {
    migrate(db, io.migrations);
    const r = closePeriod(db, {
      throughMs,
      nowMs: io.nowMs,
      ...(io.log ? { log: io.log } : {}),
      archive: { ...(batch ? { batch } : {}), vacuum: argv.includes('--no-vacuum') ? 'none' : 'incremental' },
    });
    io.out(JSON.stringify({ ...r.plan, archive: r.archive, state: readPeriodState(db) }, null, 2) + '\n');
    return 0;
  } catch (err) {
    if (!(err instanceof PeriodCloseRefused)) throw err;
    io.err(`dockgate-hub close-period: refused\n${err.reasons.map((r) => `  - ${r}`).join('\n')}\n`);
    return 1;
  } finally {
    closeArchiveReader(db);
    db.close();
  }
}
