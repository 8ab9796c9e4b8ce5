// gateway/outbox — OutboxWriter: collects event drafts for a few milliseconds (or up to N drafts) and writes them to the
// outbox in one transaction, so a pallet's hundreds of events per second cost a few fsyncs, not hundreds.
//
// An event is only *made* once the outbox has written it (it then has id, stream and seq). Until then a draft lives
// only in this writer's memory, for at most `lingerMs` (or until `maxDrafts` are waiting): a crash in that window
// loses the draft, exactly as a crash a few ms earlier would have lost the reads it came from. Callers that need the
// event made now call `flush()`.
import type { Event, EventDraft } from '../../protocols/events/index.js';
import type { Logger } from '../../protocols/logging/index.js';
import { systemRuntime, type Runtime, type Timer } from '../../runtime/runtime.js';
import type { Outbox } from './outbox.js';

/** What the writer needs of an outbox. */
export type AppendTarget = Pick<Outbox, 'append'>;

export interface OutboxWriterOptions {
  /** How long the first waiting draft may wait. Default 5 ms. */
  lingerMs?: number;
  /** Write at once when this many drafts wait. Default 500. */
  maxDrafts?: number;
  /** If the outbox cannot write (disk full, I/O error), keep at most this many drafts and retry; beyond it the
   *  oldest drafts are discarded with an error log. Default 100,000. */
  maxPending?: number;
  /** Retry delay after a failed write. Default 1000 ms. */
  retryMs?: number;
  /** Gateway time (ms since epoch, stamped into every event's `ts`) and the linger and retry timers. Default: the system's. */
  runtime?: Runtime;
  logger: Logger;
  /** Called after each successful write with the events made (the daemon kicks the publisher here). */
  onWritten?: (events: Event[]) => void;
}

export class OutboxWriter {
  private readonly outbox: AppendTarget;
  private readonly lingerMs: number;
  private readonly maxDrafts: number;
  private readonly maxPending: number;
  private readonly retryMs: number;
  private readonly runtime: Runtime;
  private readonly log: Logger;
  private readonly onWritten?: (events: Event[]) => void;
  private pending: EventDraft[] = [];
  private timer: Timer | undefined;
  private failing = false;
  private discarded = 0;
  private closed = false;

  constructor(outbox: AppendTarget, opts: OutboxWriterOptions) {
    this.outbox = outbox;
    this.lingerMs = opts.lingerMs ?? 5;
    this.maxDrafts = opts.maxDrafts ?? 500;
    this.maxPending = opts.maxPending ?? 100_000;
    this.retryMs = opts.retryMs ?? 1000;
    this.runtime = opts.runtime ?? systemRuntime;
    this.log = opts.logger;
    this.onWritten = opts.onWritten;
    if (!(this.lingerMs >= 0) || !(this.maxDrafts >= 1) || !(this.maxPending >= this.maxDrafts)) {
      throw new RangeError(`OutboxWriter: need lingerMs >= 0, maxDrafts >= 1, maxPending >= maxDrafts (got ${this.lingerMs}, ${this.maxDrafts}, ${this.maxPending})`);
    }
  }

  /** Queue one draft; it is written within `lingerMs` (sooner when `maxDrafts` are waiting). */
  add(draft: EventDraft): void {
    if (this.closed) throw new Error('OutboxWriter is closed');
    this.pending.push(draft);
    if (this.pending.length > this.maxPending) {
      const n = this.pending.length - this.maxPending;
      this.pending.splice(0, n);
      this.discarded += n;
      this.log.error({ discarded: n, discardedTotal: this.discarded }, 'outbox writer: the outbox has not accepted writes for a while; discarded the oldest unwritten drafts');
    }
    if (this.failing) return; // the retry timer is running
    if (this.pending.length >= this.maxDrafts) this.flush();
    else if (!this.timer) this.timer = this.runtime.setTimer(this.lingerMs, () => this.flush());
  }

  /** Write every waiting draft now. Returns the events made ([] if the write failed; the drafts are kept and retried). */
  flush(): Event[] {
    if (this.timer) {
      this.timer.cancel();
      this.timer = undefined;
    }
    if (this.pending.length === 0) return [];
    const drafts = this.pending;
    this.pending = [];
    let made: Event[];
    try {
      made = this.outbox.append(drafts, this.runtime.now());
    } catch (err) {
      this.pending = drafts.concat(this.pending);
      this.log.error({ err, waiting: this.pending.length }, 'outbox writer: write failed; keeping the drafts and retrying');
      this.failing = true;
      if (!this.closed) {
        this.timer = this.runtime.setTimer(this.retryMs, () => {
          this.failing = false;
          this.flush();
        });
      }
      return [];
    }
    this.failing = false;
    if (this.onWritten && made.length > 0) {
      try {
        this.onWritten(made);
      } catch (err) {
        this.log.error({ err }, 'outbox writer: onWritten callback threw');
      }
    }
    return made;
  }

  /** Drafts waiting to be written. */
  waiting(): number {
    return this.pending.length;
  }

  /** Drafts discarded because the outbox refused writes for too long. */
  discardedCount(): number {
    return this.discarded;
  }

  /** Write what waits and stop the timers. Returns the events made by the final write. */
  close(): Event[] {
    const made = this.flush();
    this.closed = true;
    this.timer?.cancel();
    this.timer = undefined;
    return made;
  }
}
