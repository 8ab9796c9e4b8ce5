// gateway/publisher/core — the publisher's logic as a pure state machine: `step(input)` takes one thing that happened
// (connected, closed, a PUBACK, the hub's acknowledgement, the outbox grew, a timer fired, stop) and returns the
// commands that follow (publish, subscribe, delete or confirm outbox rows, schedule or cancel a timer, log, …). It never
// reads a clock (time comes in with every input), sets no timer and touches no socket; randomness (the back-off's
// jitter) comes from an injected function. It reads the outbox (peekRows, lastSeq, depth) but never writes it: deletions
// are commands the driver (publisher.ts) carries out, in order, before the next input.
//
// The protocol (two lanes, a window of `maxInFlight` messages, confirm 'hub' or 'broker', reconnect back-off, republish
// after a hub stall) is described at the top of publisher.ts. After every step the cursors are checked
// (`backlogCursor <= backlogEnd <= lastSeq`, `freshCursor <= lastSeq`, `hubConfirmedSeq <= lastSeq`, the window, the
// counters); a broken one throws PublisherInvariantError naming the values.
import type { HubAck } from '../../protocols/events/index.js';
import { Backoff } from '../../runtime/backoff.js';
import type { Outbox, OutboxRow } from '../outbox/index.js';
import { takeBatch, type BatchLimits } from './batch.js';
import { DrainRate } from './drain-rate.js';
import { TokenBucket } from './token-bucket.js';
import { Unconfirmed } from './unconfirmed.js';

/** What deletes an outbox row: the hub's end-to-end acknowledgement (default) or the broker's PUBACK. */
export type ConfirmMode = 'hub' | 'broker';

/** What the core reads of the outbox (it never writes it: deletions are commands). */
export type CoreOutbox = Pick<Outbox, 'stream' | 'peekRows' | 'lastSeq' | 'depth'>;

/** The publisher's tuning (see publisher.ts for what each does); every field has a default. */
export interface PublisherTuning {
  batch?: {
    /** Events per message. Default 200 (the contract allows up to 5000). */
    maxEvents?: number;
    /** Bytes per message. Default 256 KiB. */
    maxBytes?: number;
    /** How long a part-full batch of fresh events waits for more. Default 5 ms. */
    lingerMs?: number;
  };
  /**
   * Backlog drain rate after an outage, events/s: the ceiling and the starting rate of the adaptive rate
   * (drain-rate.ts), which backs off when the hub's confirmations fall behind and climbs back when they keep pace.
   * Default 500.
   */
  drainRatePerSecond?: number;
  /** Unacknowledged messages at a time. Default 8. */
  maxInFlight?: number;
  /** What deletes an outbox row. Default 'hub'. */
  confirm?: ConfirmMode;
  /** 'hub': publish unconfirmed rows again when the hub has confirmed nothing new this long. Default 30000 ms. */
  confirmTimeoutMs?: number;
  reconnect?: { initialMs?: number; maxMs?: number };
  /** Safety net: look for fresh rows this often even without kick(). Default 1000 ms. */
  pollMs?: number;
}

export type TimerName = 'pump' | 'reconnect' | 'poll' | 'confirm';
export type Lane = 'fresh' | 'backlog';

/** One thing that happened; `now` is the time it happened (ms since the epoch). */
export type CoreInput =
  | { type: 'start'; now: number }
  | { type: 'connected'; now: number; sessionPresent: boolean }
  | { type: 'closed'; now: number }
  | { type: 'error'; now: number; reason: string }
  /** The broker's PUBACK of message `key` (`error`: it refused it, e.g. an MQTT 5 reason code). Unknown keys are ignored. */
  | { type: 'puback'; now: number; key: number; error?: string }
  /** A valid HubAck from the `ack` topic (the driver parses and validates the payload). */
  | { type: 'hub-ack'; now: number; ack: HubAck }
  /** The outbox may have grown. */
  | { type: 'appended'; now: number }
  | { type: 'timer'; now: number; timer: TimerName }
  /** stop() began: no more backlog, fresh goes out without lingering. */
  | { type: 'stopping'; now: number }
  /** stop() is done publishing: cancel every timer, never reconnect. */
  | { type: 'stopped'; now: number };

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** What the driver must do, in order. */
export type CoreCommand =
  /** Publish these rows as one events message at QoS 1 and report its PUBACK as `puback` with this key. */
  | { type: 'publish'; key: number; rows: OutboxRow[]; lane: Lane }
  | { type: 'subscribe'; topic: 'cmd' | 'ack' }
  /** The connection is up (after the subscriptions, before any events): send the retained status, tell listeners. */
  | { type: 'online'; sessionPresent: boolean }
  /** A live connection was lost: tell listeners. */
  | { type: 'offline'; reason?: string }
  /** Make the next connection attempt now. */
  | { type: 'reconnect' }
  /** confirm 'broker': delete these rows (their message was PUBACKed). */
  | { type: 'delete'; seqs: number[] }
  /** confirm 'hub': delete every row with seq <= through (the hub applied them). */
  | { type: 'confirm-through'; through: number }
  /** Fire `timer` at `at` (replacing any pending one of that name). */
  | { type: 'schedule'; timer: TimerName; at: number }
  | { type: 'cancel'; timer: TimerName }
  | { type: 'log'; level: LogLevel; msg: string; fields: Record<string, unknown> };

/** The core's view of itself, for state() and tests. */
export interface CoreState {
  connected: boolean;
  stopping: boolean;
  stopped: boolean;
  lastError?: string;
  /** Failed connection attempts since the last success. */
  attempts: number;
  /** When the next connection attempt is due (ms since epoch), while disconnected. */
  nextAttemptAt?: number;
  connects: number;
  /** Messages and events published and not yet acknowledged. */
  inFlight: number;
  inFlightEvents: number;
  /** Backlog left from the last (re)connect that has not been published yet (an upper bound). */
  backlogSeqsLeft: number;
  publishedMessages: number;
  publishedEvents: number;
  /** Events whose message the broker acknowledged (PUBACK). */
  ackedEvents: number;
  /** 'hub': events PUBACKed on this connection and not yet confirmed by the hub (an estimate; 0 with 'broker'). */
  unconfirmedEvents: number;
  /** 'hub': the highest seq of this outbox's stream the hub has confirmed (0: none yet). */
  hubConfirmedSeq: number;
  /** 'hub': times unconfirmed rows were published again after confirmTimeoutMs without progress. */
  confirmTimeouts: number;
  /** The backlog's drain rate now, events/s (at most drainRatePerSecond). */
  drainRate: number;
  /** The cursors, for tests and invariant messages. */
  cursors: { backlogCursor: number; backlogEnd: number; freshCursor: number; lastSeq: number };
}

/** A broken invariant of the publisher's cursors or window: a bug, never bad input. */
export class PublisherInvariantError extends Error {
  constructor(message: string) {
    super(`publisher invariant broken: ${message}`);
    this.name = 'PublisherInvariantError';
  }
}

interface InFlight {
  seqs: number[];
  lane: Lane;
  sentAt: number;
}

export interface CoreOptions extends PublisherTuning {
  outbox: CoreOutbox;
  /** Uniform in [0, 1): the back-off's jitter (Runtime.random). */
  random: () => number;
}

export class PublisherCore {
  readonly confirm: ConfirmMode;
  readonly limits: BatchLimits;
  readonly lingerMs: number;
  readonly maxInFlight: number;
  readonly drainRate: number;
  readonly confirmTimeoutMs: number;
  readonly pollMs: number;
  private readonly outbox: CoreOutbox;
  private readonly backoff: Backoff;
  /** Back-off for re-sending messages the broker refused (MQTT 5 PUBACK with an error reason). */
  private readonly refusalBackoff: Backoff;
  private readonly unconfirmed = new Unconfirmed();

  private connected = false;
  private started = false;
  private stopping = false;
  private stopped = false;
  private lastError: string | undefined;
  private nextAttemptAt: number | undefined;
  private connects = 0;
  private counters = { publishedMessages: 0, publishedEvents: 0, ackedEvents: 0, confirmTimeouts: 0 };
  private hubConfirmedSeq = 0;

  private readonly inFlight = new Map<number, InFlight>();
  private readonly inFlightSeqs = new Set<number>();
  private nextKey = 1;
  private backlogCursor = 0;
  private backlogEnd = 0;
  private backlogNotBefore = 0;
  private freshCursor = 0;
  private freshDueAt: number | undefined;
  private bucket: TokenBucket;
  /** The rate the bucket fills at, adapted to the confirmations. */
  private readonly drain: DrainRate;
  /** When the pending pump timer fires (Infinity: none pending). */
  private pumpAt = Infinity;

  /** The step under way: its time, its commands, and rows it deleted (the driver deletes them after the step). */
  private now = 0;
  private out: CoreCommand[] | undefined;
  private readonly deletedInStep = new Set<number>();

  constructor(opts: CoreOptions) {
    this.outbox = opts.outbox;
    this.confirm = opts.confirm ?? 'hub';
    this.confirmTimeoutMs = opts.confirmTimeoutMs ?? 30_000;
    this.limits = { maxEvents: opts.batch?.maxEvents ?? 200, maxBytes: opts.batch?.maxBytes ?? 256 * 1024 };
    this.lingerMs = opts.batch?.lingerMs ?? 5;
    this.maxInFlight = opts.maxInFlight ?? 8;
    this.drainRate = opts.drainRatePerSecond ?? 500;
    this.pollMs = opts.pollMs ?? 1000;
    this.validate();
    const reconnect = { initialMs: opts.reconnect?.initialMs ?? 500, maxMs: opts.reconnect?.maxMs ?? 30_000 };
    this.backoff = new Backoff(reconnect, opts.random);
    this.refusalBackoff = new Backoff(reconnect, opts.random);
    this.drain = new DrainRate({ ceiling: this.drainRate, floor: Math.max(1, this.drainRate / 20), slack: 2 * this.limits.maxEvents }, 0);
    this.bucket = this.newBucket(0);
  }

  private validate(): void {
    const { maxEvents, maxBytes } = this.limits;
    const bad: string[] = [];
    if (!Number.isInteger(maxEvents) || maxEvents < 1 || maxEvents > 5000) bad.push(`batch.maxEvents must be 1..5000, got ${maxEvents}`);
    if (!(maxBytes >= 1024)) bad.push(`batch.maxBytes must be >= 1024, got ${maxBytes}`);
    if (!(this.lingerMs >= 0)) bad.push(`batch.lingerMs must be >= 0, got ${this.lingerMs}`);
    if (!Number.isInteger(this.maxInFlight) || this.maxInFlight < 1) bad.push(`maxInFlight must be an integer >= 1, got ${this.maxInFlight}`);
    if (!(this.drainRate > 0)) bad.push(`drainRatePerSecond must be > 0, got ${this.drainRate}`);
    if (this.confirm !== 'hub' && this.confirm !== 'broker') bad.push(`confirm must be 'hub' or 'broker', got ${JSON.stringify(this.confirm)}`);
    if (!Number.isFinite(this.confirmTimeoutMs) || this.confirmTimeoutMs < 1) bad.push(`confirmTimeoutMs must be >= 1, got ${this.confirmTimeoutMs}`);
    if (!(this.pollMs > 0)) bad.push(`pollMs must be > 0, got ${this.pollMs}`);
    if (bad.length) throw new RangeError(`publisher: ${bad.join('; ')}`);
  }

  /** Take one input; return what to do, in order. The cursors are checked before it returns. */
  step(input: CoreInput): CoreCommand[] {
    if (this.out) throw new PublisherInvariantError(`step(${input.type}) called while step is running (re-entrant driver)`);
    this.now = input.now;
    this.out = [];
    try {
      this.dispatch(input);
      this.check(input.type);
      return this.out;
    } finally {
      this.out = undefined;
      this.deletedInStep.clear();
    }
  }

  private dispatch(input: CoreInput): void {
    switch (input.type) {
      case 'start':
        return this.onStart();
      case 'connected':
        return this.onConnected(input.sessionPresent);
      case 'closed':
        return this.onClosed();
      case 'error':
        this.lastError = input.reason;
        return;
      case 'puback':
        return this.onPuback(input.key, input.error);
      case 'hub-ack':
        return this.onHubAck(input.ack);
      case 'appended':
        return this.pump();
      case 'timer':
        return this.onTimer(input.timer);
      case 'stopping':
        this.stopping = true;
        return this.pump();
      case 'stopped':
        return this.onStopped();
    }
  }

  state(): CoreState {
    let inFlightEvents = 0;
    for (const m of this.inFlight.values()) inFlightEvents += m.seqs.length;
    return {
      connected: this.connected,
      stopping: this.stopping,
      stopped: this.stopped,
      lastError: this.lastError,
      attempts: this.backoff.attempts,
      nextAttemptAt: this.connected ? undefined : this.nextAttemptAt,
      connects: this.connects,
      inFlight: this.inFlight.size,
      inFlightEvents,
      backlogSeqsLeft: Math.max(0, this.backlogEnd - this.backlogCursor),
      ...this.counters,
      unconfirmedEvents: this.unconfirmed.events(this.hubConfirmedSeq),
      hubConfirmedSeq: this.hubConfirmedSeq,
      drainRate: this.drain.rate,
      cursors: { backlogCursor: this.backlogCursor, backlogEnd: this.backlogEnd, freshCursor: this.freshCursor, lastSeq: this.outbox.lastSeq() },
    };
  }

  /** While stopping: is anything left to wait for (in flight, fresh up to `stopSeq` unsent, or, 'hub', unconfirmed)? */
  flushPending(stopSeq: number): boolean {
    return this.inFlight.size > 0 || this.freshCursor < stopSeq || (this.confirm === 'hub' && this.unconfirmed.events(this.hubConfirmedSeq) > 0);
  }

  // --- commands ---------------------------------------------------------------------------------------------------

  private emit(command: CoreCommand): void {
    this.out!.push(command);
  }

  private log(level: LogLevel, msg: string, fields: Record<string, unknown>): void {
    this.emit({ type: 'log', level, msg, fields });
  }

  private schedule(timer: TimerName, at: number): void {
    this.emit({ type: 'schedule', timer, at });
  }

  // --- connection -------------------------------------------------------------------------------------------------

  private onStart(): void {
    if (this.started) throw new Error('publisher already started');
    this.started = true;
    this.schedule('poll', this.now + this.pollMs);
    if (this.confirm === 'hub') this.schedule('confirm', this.now + this.confirmCheckMs());
  }

  /** How often to look for a hub stall: a quarter of the timeout, within 20 ms .. 1 s. */
  private confirmCheckMs(): number {
    return Math.max(20, Math.min(1000, Math.floor(this.confirmTimeoutMs / 4)));
  }

  private onConnected(sessionPresent: boolean): void {
    if (this.stopped) return;
    this.connected = true;
    this.connects++;
    this.backoff.reset();
    this.lastError = undefined;
    this.nextAttemptAt = undefined;
    // Everything stored now is backlog; what is appended from here on is fresh.
    this.backlogCursor = 0;
    this.backlogNotBefore = 0;
    this.backlogEnd = this.outbox.lastSeq();
    this.freshCursor = this.backlogEnd;
    this.freshDueAt = undefined;
    this.drain.reset(this.now);
    this.bucket = this.newBucket(this.now);
    // What was published and not confirmed is in the backlog now, and gets a new publish time when it goes again.
    this.unconfirmed.clear();
    this.log('info', 'mqtt connected', { sessionPresent, backlog: this.outbox.depth(), backlogEndSeq: this.backlogEnd, connects: this.connects });
    this.emit({ type: 'subscribe', topic: 'cmd' });
    if (this.confirm === 'hub') this.emit({ type: 'subscribe', topic: 'ack' });
    this.emit({ type: 'online', sessionPresent });
    this.pump();
  }

  private onClosed(): void {
    const wasConnected = this.connected;
    this.connected = false;
    // Forget what was in flight: it was not acknowledged, so it is still in the outbox and goes again after the
    // reconnect. (The driver drops mqtt.js's copies; their PUBACKs, should any come, carry keys no longer known.)
    this.inFlight.clear();
    this.inFlightSeqs.clear();
    this.cancelPump();
    if (this.stopped) return;
    const delay = this.backoff.next();
    this.nextAttemptAt = this.now + delay;
    if (wasConnected) {
      this.log('warn', 'mqtt connection lost; reconnecting', { reason: this.lastError, retryInMs: delay, outboxDepth: this.outbox.depth() });
      this.emit({ type: 'offline', reason: this.lastError });
    } else {
      this.log('warn', 'mqtt connection attempt failed; retrying with back-off', { reason: this.lastError, attempt: this.backoff.attempts, retryInMs: delay });
    }
    this.schedule('reconnect', this.nextAttemptAt);
  }

  private onStopped(): void {
    this.stopping = true;
    this.stopped = true;
    this.cancelPump();
    for (const timer of ['reconnect', 'poll', 'confirm'] as const) this.emit({ type: 'cancel', timer });
  }

  private onTimer(timer: TimerName): void {
    if (this.stopped) return;
    switch (timer) {
      case 'pump':
        this.pumpAt = Infinity;
        return this.pump();
      case 'reconnect':
        if (!this.connected) this.emit({ type: 'reconnect' });
        return;
      case 'poll':
        this.schedule('poll', this.now + this.pollMs);
        return this.pump();
      case 'confirm':
        this.schedule('confirm', this.now + this.confirmCheckMs());
        return this.checkConfirmTimeout();
    }
  }

  // --- publishing -------------------------------------------------------------------------------------------------

  /** Fill free message slots: fresh first, then backlog within the drain rate. */
  private pump(): void {
    if (!this.connected || this.stopped) return;
    while (this.inFlight.size < this.maxInFlight) {
      // While backlog waits, fresh events leave it one slot, so a busy door cannot starve the drain.
      const backlogWaiting = !this.stopping && this.backlogCursor < this.backlogEnd && this.maxInFlight > 1;
      if (this.inFlight.size < this.maxInFlight - (backlogWaiting ? 1 : 0) && this.pumpFresh()) continue;
      if (!this.stopping && this.pumpBacklog()) continue;
      break;
    }
  }

  /** Rows after `afterSeq`, without those deleted earlier in this step (the driver deletes them after it). */
  private peek(limit: number, afterSeq: number): OutboxRow[] {
    const rows = this.outbox.peekRows(limit, afterSeq);
    return this.deletedInStep.size === 0 ? rows : rows.filter((r) => !this.deletedInStep.has(r.seq));
  }

  /** Publish one fresh batch if one is due. */
  private pumpFresh(): boolean {
    const rows = this.peek(this.limits.maxEvents, this.freshCursor);
    if (rows.length === 0) {
      // Nothing stored after the cursor: every seq up to lastSeq is sent, acked or dropped.
      this.freshCursor = Math.max(this.freshCursor, this.outbox.lastSeq());
      this.freshDueAt = undefined;
      return false;
    }
    this.freshDueAt ??= this.now + this.lingerMs;
    if (rows.length < this.limits.maxEvents && this.now < this.freshDueAt && !this.stopping) {
      this.schedulePump(this.freshDueAt);
      return false;
    }
    const batch = takeBatch(rows, this.limits);
    this.freshCursor = batch.at(-1)!.seq;
    this.freshDueAt = undefined;
    this.send(batch, 'fresh');
    return true;
  }

  /** Publish one backlog batch if the drain rate allows (whole batches, so a slow rate does not mean tiny messages). */
  private pumpBacklog(): boolean {
    if (this.backlogCursor >= this.backlogEnd) return false;
    const now = this.now;
    this.adaptRate();
    if (now < this.backlogNotBefore) {
      this.schedulePump(this.backlogNotBefore);
      return false;
    }
    const need = Math.min(this.bucket.burst, this.backlogEnd - this.backlogCursor);
    const tokens = this.bucket.available(now);
    if (tokens < need) {
      this.drain.held();
      this.schedulePump(now + Math.max(1, this.bucket.msUntil(need, now)));
      return false;
    }
    const peeked = this.peek(Math.min(tokens, this.limits.maxEvents), this.backlogCursor).filter((r) => r.seq <= this.backlogEnd);
    if (peeked.length === 0) {
      this.backlogCursor = this.backlogEnd;
      return true;
    }
    // Rows still in flight (after a refused message made us go over the backlog again) are skipped, not sent twice.
    const rows = this.inFlightSeqs.size === 0 ? peeked : peeked.filter((r) => !this.inFlightSeqs.has(r.seq));
    if (rows.length === 0) {
      this.backlogCursor = peeked.at(-1)!.seq;
      return true;
    }
    const batch = takeBatch(rows, this.limits);
    this.backlogCursor = batch.at(-1)!.seq;
    this.bucket.take(batch.length, now);
    this.send(batch, 'backlog');
    return true;
  }

  private send(rows: OutboxRow[], lane: Lane): void {
    const key = this.nextKey++;
    const msg: InFlight = { seqs: rows.map((r) => r.seq), lane, sentAt: this.now };
    this.inFlight.set(key, msg);
    for (const s of msg.seqs) this.inFlightSeqs.add(s);
    this.counters.publishedMessages++;
    this.counters.publishedEvents += rows.length;
    this.drain.sent(rows.length, lane === 'backlog');
    this.emit({ type: 'publish', key, rows, lane });
  }

  private onPuback(key: number, error: string | undefined): void {
    const msg = this.inFlight.get(key);
    if (!msg) return; // a duplicate, or from a connection that is gone (its rows go again from the outbox)
    this.inFlight.delete(key);
    for (const s of msg.seqs) this.inFlightSeqs.delete(s);
    const firstSeq = msg.seqs[0]!;
    const lastSeq = msg.seqs.at(-1)!;
    if (error !== undefined) {
      // Refused by the broker (e.g. MQTT 5 "not authorized" on the topic): the rows stay; go over them again later.
      this.lastError = error;
      const retryInMs = this.refusalBackoff.next();
      this.log('error', 'mqtt: events message refused by the broker; it stays in the outbox and is retried with back-off', {
        err: error,
        firstSeq,
        lastSeq,
        retryInMs,
      });
      // Go over the backlog again from the refused rows on (as backlog, at the drain rate, after the back-off).
      this.backlogEnd = Math.max(this.backlogEnd, lastSeq);
      this.backlogCursor = Math.min(this.backlogCursor, firstSeq - 1);
      this.backlogNotBefore = this.now + retryInMs;
    } else if (this.confirm === 'broker') {
      // Guarantee 2: a row is deleted only now, after the PUBACK of the message that carried it.
      this.emit({ type: 'delete', seqs: msg.seqs });
      for (const s of msg.seqs) this.deletedInStep.add(s);
      this.drain.delivered(msg.seqs.length, this.now);
      this.counters.ackedEvents += msg.seqs.length;
      this.refusalBackoff.reset();
    } else {
      // 'hub': the slot is free, the rows stay until the hub confirms them (onHubAck) — unless it already has (its
      // acknowledgement can overtake our PUBACK), when there is nothing to wait for.
      if (lastSeq > this.hubConfirmedSeq) this.unconfirmed.add(firstSeq, lastSeq, msg.seqs.length, msg.sentAt);
      this.drain.delivered(msg.seqs.filter((s) => s <= this.hubConfirmedSeq).length, this.now);
      this.counters.ackedEvents += msg.seqs.length;
      this.refusalBackoff.reset();
    }
    this.pump();
  }

  /**
   * Backlog bucket: bursts of one full batch whatever the rate, so a slow drain sends full messages less often rather
   * than small ones more often (each message costs the hub and the gateway the same again, whatever it holds).
   */
  private newBucket(now: number): TokenBucket {
    return new TokenBucket(this.drain.rate, this.limits.maxEvents, now);
  }

  /** Events published and not confirmed: in flight, and ('hub') PUBACKed but not yet confirmed by the hub. */
  private outstanding(): number {
    return this.inFlightSeqs.size + (this.confirm === 'hub' ? this.unconfirmed.events(this.hubConfirmedSeq) : 0);
  }

  /** Let the drain rate follow the confirmations (drain-rate.ts); the bucket fills at the new rate from now on. */
  private adaptRate(): void {
    const before = this.drain.rate;
    const outstanding = this.outstanding();
    const change = this.drain.update(this.now, outstanding);
    if (!change) return;
    const rate = this.drain.rate;
    this.bucket.setRate(rate, this.limits.maxEvents, this.now);
    this.log('debug', 'backlog drain rate adapted', { change, from: Math.round(before), to: Math.round(rate), outstanding, ceiling: this.drainRate });
  }

  private schedulePump(at: number): void {
    if (this.pumpAt <= at) return;
    this.pumpAt = at;
    this.schedule('pump', at);
  }

  private cancelPump(): void {
    if (this.pumpAt === Infinity) return;
    this.pumpAt = Infinity;
    this.emit({ type: 'cancel', timer: 'pump' });
  }

  // --- the hub's acknowledgements ---------------------------------------------------------------------------------

  private onHubAck(ack: HubAck): void {
    if (this.confirm !== 'hub') return;
    if (ack.stream !== this.outbox.stream) {
      // An old stream's retained ack (the outbox was recreated since): nothing of ours.
      this.log('info', 'hub acknowledgement for another stream ignored', { ackStream: ack.stream, stream: this.outbox.stream, through: ack.through });
      return;
    }
    if (ack.through <= this.hubConfirmedSeq) return;
    if (ack.through > this.outbox.lastSeq()) {
      this.log('error', 'hub acknowledges seqs this outbox never handed out: ignored, nothing deleted', {
        through: ack.through,
        lastSeq: this.outbox.lastSeq(),
        stream: ack.stream,
      });
      return;
    }
    this.emit({ type: 'confirm-through', through: ack.through });
    const waiting = this.unconfirmed.events(this.hubConfirmedSeq);
    this.hubConfirmedSeq = ack.through;
    this.unconfirmed.confirm(ack.through, this.now);
    this.drain.delivered(waiting - this.unconfirmed.events(ack.through), this.now);
  }

  /** While connected: the hub has confirmed nothing new for confirmTimeoutMs since the oldest unconfirmed publish. */
  private checkConfirmTimeout(): void {
    if (!this.connected || this.stopping) return;
    const stalled = this.unconfirmed.stalled(this.now, this.confirmTimeoutMs);
    if (!stalled) return;
    const from = Math.max(this.hubConfirmedSeq + 1, stalled.firstSeq);
    this.counters.confirmTimeouts++;
    this.log('warn', `hub has not confirmed seq ${from}..${stalled.lastSeq} for ${(stalled.waitedMs / 1000).toFixed(1)} s: publishing again`, {
      fromSeq: from,
      toSeq: stalled.lastSeq,
      waitedMs: stalled.waitedMs,
      hubConfirmedSeq: this.hubConfirmedSeq,
    });
    // The same path as a reconnect: the unconfirmed rows are backlog again, drained at the drain rate.
    this.unconfirmed.clear();
    this.backlogEnd = Math.max(this.backlogEnd, stalled.lastSeq);
    this.backlogCursor = Math.min(this.backlogCursor, from - 1);
    this.pump();
  }

  // --- invariants -------------------------------------------------------------------------------------------------

  /** The cursors and the window after a step; throws PublisherInvariantError naming the values. */
  private check(after: CoreInput['type']): void {
    const lastSeq = this.outbox.lastSeq();
    const { backlogCursor, backlogEnd, freshCursor, hubConfirmedSeq } = this;
    const { publishedEvents, ackedEvents, publishedMessages } = this.counters;
    let inFlightEvents = 0;
    for (const m of this.inFlight.values()) inFlightEvents += m.seqs.length;
    const broken: string[] = [];
    if (!(0 <= backlogCursor && backlogCursor <= backlogEnd && backlogEnd <= lastSeq)) broken.push('0 <= backlogCursor <= backlogEnd <= lastSeq');
    if (!(freshCursor <= lastSeq)) broken.push('freshCursor <= lastSeq');
    if (!(hubConfirmedSeq <= lastSeq)) broken.push('hubConfirmedSeq <= lastSeq');
    if (this.inFlight.size > this.maxInFlight) broken.push(`inFlight <= maxInFlight (${this.maxInFlight})`);
    if (!this.connected && this.inFlight.size > 0) broken.push('nothing in flight while disconnected');
    if (inFlightEvents !== this.inFlightSeqs.size) broken.push('no seq in two messages in flight');
    if (!(ackedEvents + inFlightEvents <= publishedEvents && publishedMessages <= publishedEvents)) broken.push('acked + in flight <= published');
    if (broken.length === 0) return;
    const values = {
      backlogCursor,
      backlogEnd,
      freshCursor,
      lastSeq,
      hubConfirmedSeq,
      inFlight: this.inFlight.size,
      inFlightEvents,
      publishedEvents,
      ackedEvents,
    };
    throw new PublisherInvariantError(`after ${after}: ${broken.join('; ')} (${JSON.stringify(values)})`);
  }
}
