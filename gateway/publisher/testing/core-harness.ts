// gateway/publisher/testing — drives a PublisherCore by hand, with no broker and no driver: it carries out the core's
// commands against a MemoryOutbox (deletes, confirmations), keeps its timers on a simulated clock (`advance` fires them
// in due order), and records what was published and logged, so tests and simulations can step the protocol exactly.
import type { HubAck } from '../../../protocols/events/index.js';
import type { OutboxRow } from '../../outbox/index.js';
import { PublisherCore, type CoreCommand, type CoreInput, type Lane, type PublisherTuning, type TimerName } from '../core.js';
import { MemoryOutbox } from './memory-outbox.js';

/** A published message: its key (for `puback`) and rows. */
export interface Sent {
  key: number;
  seqs: number[];
  lane: Lane;
  rows: OutboxRow[];
}

type Log = Extract<CoreCommand, { type: 'log' }>;
type InputOf<T extends CoreInput['type']> = Omit<Extract<CoreInput, { type: T }>, 'type' | 'now'>;

export class CoreHarness {
  readonly outbox: MemoryOutbox;
  readonly core: PublisherCore;
  now: number;
  /** Messages published and not yet PUBACKed through this harness, in order (tests may take some out). */
  readonly sent: Sent[] = [];
  readonly logs: Log[] = [];
  readonly timers = new Map<TimerName, number>();
  /** Every command, in order. */
  readonly commands: CoreCommand[] = [];

  constructor(tuning: PublisherTuning = {}, opts: { outbox?: MemoryOutbox; startMs?: number; random?: () => number } = {}) {
    this.outbox = opts.outbox ?? new MemoryOutbox();
    this.now = opts.startMs ?? 1_000_000;
    this.core = new PublisherCore({ ...tuning, outbox: this.outbox, random: opts.random ?? (() => 0.5) });
  }

  input<T extends CoreInput['type']>(type: T, rest?: InputOf<T>): CoreCommand[] {
    const commands = this.core.step({ type, now: this.now, ...rest } as CoreInput);
    for (const c of commands) this.apply(c);
    this.commands.push(...commands);
    return commands;
  }

  /** Append `n` rows and tell the core. */
  append(n: number, bodyBytes = 0): OutboxRow[] {
    const rows = this.outbox.append(n, bodyBytes);
    this.input('appended');
    return rows;
  }

  puback(key: number, error?: string): CoreCommand[] {
    return this.input('puback', error === undefined ? { key } : { key, error });
  }

  /** PUBACK every message sent and not yet acknowledged by this harness, oldest first. */
  pubackAll(): void {
    for (const s of this.sent.splice(0)) this.puback(s.key);
  }

  hubAck(through: number, stream = this.outbox.stream): CoreCommand[] {
    const ack: HubAck = { v: 1, stream, through, ts: new Date(this.now).toISOString() };
    return this.input('hub-ack', { ack });
  }

  /** Move the clock by `ms`, firing each timer that falls due at its own time (including timers those set). */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let next: [TimerName, number] | undefined;
      for (const t of this.timers) if (t[1] <= end && (!next || t[1] < next[1])) next = t;
      if (!next) break;
      this.timers.delete(next[0]);
      this.now = Math.max(this.now, next[1]);
      this.input('timer', { timer: next[0] });
    }
    this.now = end;
  }

  /** Seqs of every message published so far (including those already PUBACKed), in order. */
  publishedSeqs(): number[] {
    return this.commands.flatMap((c) => (c.type === 'publish' ? c.rows.map((r) => r.seq) : []));
  }

  private apply(c: CoreCommand): void {
    switch (c.type) {
      case 'publish':
        this.sent.push({ key: c.key, seqs: c.rows.map((r) => r.seq), lane: c.lane, rows: c.rows });
        return;
      case 'delete':
        this.outbox.ack(c.seqs);
        return;
      case 'confirm-through':
        this.outbox.confirmThrough(c.through);
        return;
      case 'schedule':
        this.timers.set(c.timer, c.at);
        return;
      case 'cancel':
        this.timers.delete(c.timer);
        return;
      case 'log':
        this.logs.push(c);
        return;
      default:
        return;
    }
  }
}
