// hub/periods — closing a period of the ledger: plan (plan.ts, pure), snapshot (close.ts), archive (archive.ts).
// `closePeriod` runs both steps; a rerun after a kill completes what the last run left (the plan says 'resume').
import type { Logger } from '../../protocols/logging/index.js';
import type { Db } from '../db/database.js';
import { archiveClosedPeriod, type ArchiveOptions, type ArchiveResult } from './archive.js';
import { closePeriodSnapshot } from './close.js';
import type { ClosePlan } from './plan.js';

export { PeriodCloseRefused, planFor, readPeriodState } from './close.js';
export { periodName, type ClosePlan } from './plan.js';

export interface CloseRequest {
  throughMs: number;
  nowMs: number;
  archive?: Omit<ArchiveOptions, 'log'>;
  log?: Logger;
}

export interface CloseResult {
  plan: ClosePlan;
  archive: ArchiveResult;
}

/** Close the ledger's period through `throughMs` and archive its moves (a second connection to the same file). */
export function closePeriod(db: Db, req: CloseRequest): CloseResult {
  const { plan } = closePeriodSnapshot(db, req.throughMs, req.nowMs);
  req.log?.info({ component: 'periods', plan }, plan.action === 'close' ? 'period closed: snapshot written' : `period close: ${plan.action}`);
  const archive = archiveClosedPeriod(db.name, { ...req.archive, ...(req.log ? { log: req.log } : {}) });
  return { plan, archive };
}
