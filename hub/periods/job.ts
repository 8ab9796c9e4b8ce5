// hub/periods — the running hub's period close: one close at a time, run as steps (steps.ts) with a turn of the event
// loop between them, so REST and ingest go on while it checks, snapshots and archives; its status (GET
// /api/v1/periods/close) says where it is and, once it ended, how. The hub's stop ends it between two steps, where a
// kill would leave it: the next close of the same date completes it.
import { isoTs } from '../../protocols/events/index.js';
import type { Logger } from '../../protocols/logging/index.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { Db } from '../db/database.js';
import { recordAudit } from '../ledger/index.js';
import type { Actor } from '../ledger/types.js';
import { bytesOf } from './archive.js';
import { closePeriodSteps, PeriodCloseRefused, planFor, type CloseResult } from './index.js';
import type { ClosePlan } from './plan.js';
import { runStepsAsync, type CloseStep } from './steps.js';

/** Moves per archive batch in the running hub (each batch is two transactions; the hub serves between them). */
export const HUB_ARCHIVE_BATCH = 5_000;

export interface CloseOutcome {
  action: ClosePlan['action'];
  period: string | null;
  archivedMoves: number;
  bytesBefore: number;
  bytesAfter: number;
}

export interface CloseStatus {
  /** idle: none since the hub started; running; then done, refused (reasons in `error`), failed or stopped (the hub stopped). */
  state: 'idle' | 'running' | 'done' | 'refused' | 'failed' | 'stopped';
  through: string | null;
  startedAt: string | null;
  endedAt: string | null;
  /** The phase it is in or ended in, and the move seq it reached there (vacuum: the free pages left). */
  phase: CloseStep['phase'] | null;
  seq: number | null;
  steps: number;
  outcome: CloseOutcome | null;
  error: string | null;
}

export interface CloseOrder {
  throughMs: number;
  actor: Actor;
  reason: string | null;
}

/** What `start` did: a plan with nothing to run (done), or the close started. A refusal throws PeriodCloseRefused. */
export type StartAnswer = { started: false; outcome: CloseOutcome } | { started: true; status: CloseStatus };

export class PeriodCloser {
  private current: CloseStatus = { state: 'idle', through: null, startedAt: null, endedAt: null, phase: null, seq: null, steps: 0, outcome: null, error: null };
  private run: Promise<void> | null = null;
  private stopping = false;

  constructor(
    private readonly db: Db,
    private readonly runtime: Runtime,
    private readonly log: Logger,
  ) {}

  status(): CloseStatus {
    return { ...this.current };
  }

  /** Plan the close now (a refusal throws, naming what holds it back) and, unless it is done already, start it. */
  start(order: CloseOrder): StartAnswer {
    if (this.run) {
      const c = this.current;
      throw new PeriodCloseRefused([`a close through ${c.through} is running (${c.phase ?? 'starting'}): follow it at GET /api/v1/periods/close`]);
    }
    if (this.stopping) throw new PeriodCloseRefused(['the hub is stopping']);
    const now = this.runtime.now();
    const plan = planFor(this.db, order.throughMs, now);
    if (plan.action === 'refuse') throw new PeriodCloseRefused(plan.reasons);
    if (plan.action === 'done') {
      const bytes = bytesOf(this.db.name);
      return { started: false, outcome: { action: 'done', period: plan.period, archivedMoves: 0, bytesBefore: bytes, bytesAfter: bytes } };
    }
    const through = isoTs(order.throughMs);
    this.current = { state: 'running', through, startedAt: isoTs(now), endedAt: null, phase: null, seq: null, steps: 0, outcome: null, error: null };
    const steps = closePeriodSteps(this.db, {
      throughMs: order.throughMs,
      nowMs: now,
      log: this.log,
      archive: { batch: HUB_ARCHIVE_BATCH, vacuum: 'incremental-if-on' },
    });
    const turn = () => new Promise<void>((resolve) => this.runtime.setTimer(0, resolve));
    const onStep = (s: CloseStep) => Object.assign(this.current, { phase: s.phase, seq: s.seq, steps: this.current.steps + 1 });
    this.run = runStepsAsync(steps, turn, onStep, () => this.stopping)
      .then((r) => this.ended(r, order, now))
      .catch((err: unknown) => this.failed(err))
      .finally(() => (this.run = null));
    return { started: true, status: this.status() };
  }

  /** End a running close between two steps (the hub's stop). */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.run;
  }

  private ended(r: CloseResult | 'stopped', order: CloseOrder, startedMs: number): void {
    const endedAt = isoTs(this.runtime.now());
    if (r === 'stopped') {
      this.log.warn(
        { component: 'periods', through: this.current.through, phase: this.current.phase },
        'period close stopped with the hub: close the same date again to complete it',
      );
      Object.assign(this.current, { state: 'stopped', endedAt });
      return;
    }
    const period = r.plan.action === 'refuse' ? null : r.plan.period;
    const outcome: CloseOutcome = {
      action: r.plan.action,
      period,
      archivedMoves: r.archive.moves,
      bytesBefore: r.archive.bytesBefore,
      bytesAfter: r.archive.bytesAfter,
    };
    if (r.plan.action === 'close' || r.plan.action === 'resume') {
      recordAudit(this.db, {
        actor: order.actor,
        action: 'period.close',
        target: period,
        reason: order.reason,
        payload: { through: isoTs(order.throughMs), archivedMoves: r.archive.moves },
        atMs: startedMs,
      });
    }
    Object.assign(this.current, { state: 'done', endedAt, outcome });
  }

  private failed(err: unknown): void {
    const refused = err instanceof PeriodCloseRefused;
    if (!refused) this.log.error({ component: 'periods', err, through: this.current.through }, 'period close failed');
    Object.assign(this.current, { state: refused ? 'refused' : 'failed', endedAt: isoTs(this.runtime.now()), error: (err as Error).message });
  }
}
