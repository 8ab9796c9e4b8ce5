// hub/periods — closing a period of the ledger: plan (plan.ts, pure), snapshot (close.ts), archive (archive.ts).
// `closePeriod` runs both steps; a rerun after a kill completes what the last run left (the plan says 'resume').
// `closePeriodSteps` is the same close as steps (steps.ts), for the running hub (job.ts).
import type { Logger } from '../../protocols/logging/index.js';
import type { Db } from '../db/database.js';
import { archiveSteps, type ArchiveOptions, type ArchiveResult } from './archive.js';
import { closePeriodSnapshotSteps } from './close.js';
import type { ClosePlan } from './plan.js';
import { runSteps, type CloseStep } from './steps.js';

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
  return runSteps(closePeriodSteps(db, req));
}

/** closePeriod as steps: it yields between its transactions and its slices. */
export function* closePeriodSteps(db: Db, req: CloseRequest): Generator<CloseStep, CloseResult> {
  const { plan } = yield* closePeriodSnapshotSteps(db, req.throughMs, req.nowMs);
  req.log?.info({ component: 'periods', plan }, plan.action === 'close' ? 'period closed: snapshot written' : `period close: ${plan.action}`);
  const archive = yield* archiveSteps(db.name, { ...req.archive, ...(req.log ? { log: req.log } : {}) });
  return { plan, archive };
}
