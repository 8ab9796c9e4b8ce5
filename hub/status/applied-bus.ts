// hub/status — the in-process bus of applied events: the ingest's apply function is wrapped so every event it applies
// is noted, and once the transaction that applied it has committed (checked against the rows that record an applied
// event: its door activity row, or for other kinds its inbox row; a rolled-back batch left neither) listeners hear of
// it: the live dashboard stream, the ingest-latency histogram, events/s.
import type { Event } from '../../protocols/events/index.js';
import { tsMs } from '../../protocols/events/index.js';
import type { Logger } from '../../protocols/logging/index.js';
import type { Db } from '../db/database.js';
import type { ApplyContext, ApplyFn } from '../ingest/store.js';
import { Signal } from '../../runtime/signal.js';

export interface DoorActivity {
  seq: number;
  eventId: string;
  kind: string;
  door: string;
  gateway: string;
  epc: string | null;
  gtin: string | null;
  sku: string | null;
  qty: number;
  direction: string | null;
  outcome: string;
  message: string | null;
  occurredAt: string;
}

export interface AppliedEvent {
  event: Event;
  gateway: string;
  /** Hub clock (ms) when the message carrying it arrived. */
  receivedAt: number;
  /** Hub clock (ms) after the commit. */
  committedAt: number;
  /** What the event did at a door (passes, scans, zone events), read on first call. */
  activity(): DoorActivity | undefined;
}

export type AppliedListener = (applied: readonly AppliedEvent[]) => void;

export class AppliedEventBus {
  private pending: Array<{ event: Event; ctx: ApplyContext }> = [];
  private scheduled = false;
  private readonly applied = new Signal<[applied: readonly AppliedEvent[]]>();
  private readonly committed;
  private readonly activityOf;

  constructor(
    private readonly db: Db,
    private readonly clock: () => number,
    private readonly log: Logger,
  ) {
    // One statement for every event a flush holds (a catch-up's group: thousands), not one per event. Passes, scans
    // and zone events have no inbox row (the door activity row is the ingest's record of them: DoorInterpreter.record).
    this.committed = db
      .prepare(
        `SELECT j.value FROM json_each(?) j
         WHERE EXISTS (SELECT 1 FROM door_activity a WHERE a.event_id = j.value) OR EXISTS (SELECT 1 FROM inbox i WHERE i.event_id = j.value)`,
      )
      .pluck();
    this.activityOf = db.prepare(
      'SELECT seq, event_id AS eventId, kind, door, gateway, epc, gtin, sku, qty, direction, outcome, message, occurred_at AS occurredAt FROM door_activity WHERE event_id = ?',
    );
  }

  /** Wrap the ingest's apply: same effect, and the event is noted for after the commit. */
  wrap(apply: ApplyFn): ApplyFn {
    return (db, event, ctx) => {
      apply(db, event, ctx);
      if (this.applied.size === 0) return;
      this.pending.push({ event, ctx });
      if (!this.scheduled) {
        this.scheduled = true;
        // apply runs inside a synchronous better-sqlite3 transaction: a microtask runs only after it has ended.
        queueMicrotask(() => this.flush());
      }
    };
  }

  on(listener: AppliedListener): () => void {
    return this.applied.listen(listener);
  }

  get listenerCount(): number {
    return this.applied.size;
  }

  private flush(): void {
    this.scheduled = false;
    const noted = this.pending;
    this.pending = [];
    const now = this.clock();
    const committed = new Set(this.committed.all(JSON.stringify(noted.map((n) => n.event.id))) as string[]);
    const seen = new Set<string>();
    const out: AppliedEvent[] = [];
    for (const { event, ctx } of noted) {
      // A group that rolled back is applied again message by message: the same id may be noted twice, or never commit.
      if (seen.has(event.id) || !committed.has(event.id)) continue;
      seen.add(event.id);
      let memo: DoorActivity | null | undefined;
      out.push({
        event,
        gateway: ctx.gateway,
        receivedAt: ctx.receivedAt,
        committedAt: now,
        activity: () => {
          if (memo === undefined) memo = (this.activityOf.get(event.id) as DoorActivity | undefined) ?? null;
          return memo ?? undefined;
        },
      });
    }
    if (out.length === 0) return;
    this.applied.emitEach((err) => this.log.error({ err }, 'applied-event listener failed'), out);
  }
}

/** Seconds from the event's creation on the gateway to its commit on the hub. */
export function ingestLatencyS(a: AppliedEvent): number {
  return Math.max(0, (a.committedAt - tsMs(a.event.ts)) / 1000);
}
