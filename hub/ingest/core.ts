// hub/ingest/core — the ingest's decisions, pure (no I/O, no clock, no timers): what a message is (dead letter,
// status, batch), what a batch does to its stream's seq
// accounting (new, duplicate, late, conflict, gaps opened, filled and reported), which messages share one group
// commit, when a message that keeps failing is taken event by event, what each gateway is acknowledged, and the
// counters. The driver (ingest.ts, with store.ts on SQLite) reads state, runs the statements these decisions name,
// and tells the core what committed. Invariants are asserted where they are made: a batch's events are each applied,
// a duplicate or dead-lettered; an acknowledgement never names more than what committed, and never goes backwards.

import {
  parse,
  parseEventBatch,
  parseTopic,
  type BatchParseResult,
  type EventBatch,
  type GatewayStatus,
  type ParseFailure,
  type ParseResult,
  type RejectedEvent,
  type WireError,
} from '../../protocols/events/index.js';

/** What one MQTT message is to the ingest (parsing is pure: the wire contract's parsers). */
export type MessageDecision =
  /** Kept whole as a dead letter and acknowledged: `malformed` breaks the contract, `topic` is not an ingest topic of the site. */
  | {
      kind: 'dead-letter';
      cause: 'malformed' | 'topic';
      gateway: string | undefined;
      reason: ParseFailure['reason'];
      errors: WireError[];
      onEventsTopic: boolean;
    }
  /** A gateway's status: its row is updated. */
  | { kind: 'status'; status: GatewayStatus }
  /** A batch to apply; `rejected`: its events that broke the contract, each to be dead-lettered alone. */
  | { kind: 'batch'; batch: EventBatch; rejected: RejectedEvent[] };

export function decideMessage(site: string, topic: string, payload: Uint8Array | string): MessageDecision {
  const r: ParseResult | BatchParseResult = parseTopic(topic)?.kind === 'events' ? parseEventBatch(topic, payload) : parse(topic, payload);
  if (!r.ok) {
    const gateway = r.topic && r.topic.kind !== 'hub-status' ? r.topic.gateway : undefined;
    return { kind: 'dead-letter', cause: 'malformed', gateway, reason: r.reason, errors: r.errors, onEventsTopic: r.topic?.kind === 'events' };
  }
  if (r.topic.site !== site || (r.kind !== 'events' && r.kind !== 'status')) {
    const gateway = r.kind === 'hub-status' ? undefined : r.topic.gateway;
    const errors = [{ path: '', message: `topic ${topic} is not an ingest topic of site ${site}` }];
    return { kind: 'dead-letter', cause: 'topic', gateway, reason: 'topic', errors, onEventsTopic: false };
  }
  if (r.kind === 'status') return { kind: 'status', status: r.value };
  return { kind: 'batch', batch: r.value, rejected: 'rejected' in r ? (r as BatchParseResult & { ok: true }).rejected : [] };
}

/** An inclusive range of seqs, from <= to. */
export interface SeqRange {
  from: number;
  to: number;
}

/** The core found its own state impossible: a bug, never bad input (bad input is dead-lettered, not thrown). */
export class IngestInvariantError extends Error {
  constructor(message: string) {
    super(`ingest invariant broken: ${message}`);
    this.name = 'IngestInvariantError';
  }
}

function invariant(ok: boolean, message: () => string): asserts ok {
  if (!ok) throw new IngestInvariantError(message());
}

function assertRange(r: SeqRange): void {
  if (!(Number.isSafeInteger(r.from) && Number.isSafeInteger(r.to) && r.from >= 1 && r.to >= r.from)) {
    throw new Error(`invalid seq range ${r.from}..${r.to}`);
  }
}

/** `range` minus every range in `holes`, in order, non-empty pieces only. */
export function subtract(range: SeqRange, holes: readonly SeqRange[]): SeqRange[] {
  assertRange(range);
  let pieces: SeqRange[] = [range];
  for (const h of holes) {
    assertRange(h);
    const next: SeqRange[] = [];
    for (const p of pieces) {
      if (h.to < p.from || h.from > p.to) {
        next.push(p);
        continue;
      }
      if (h.from > p.from) next.push({ from: p.from, to: h.from - 1 });
      if (h.to < p.to) next.push({ from: h.to + 1, to: p.to });
    }
    pieces = next;
  }
  return pieces;
}

/** What a new (never applied) event's seq means for its stream, given the highest seq seen so far. */
export type SeqVerdict =
  /** The next one (a stream starts at seq 1). */
  | { kind: 'next' }
  /** Seqs were skipped: `missing` is the range not seen. */
  | { kind: 'jump'; missing: SeqRange }
  /** At or below the highest seq seen: it fills a gap, or (outside any gap) conflicts with an event seen. */
  | { kind: 'behind' };

export function judgeSeq(lastSeq: number, seq: number): SeqVerdict {
  if (seq === lastSeq + 1) return { kind: 'next' };
  if (seq > lastSeq + 1) return { kind: 'jump', missing: { from: lastSeq + 1, to: seq - 1 } };
  return { kind: 'behind' };
}

/**
 * How far a stream is applied: the highest seq below which nothing is missing (gaps the gateway reported count as
 * settled: those events are gone, and said so). `lowestMissing`: the first seq of the stream's lowest missing gap.
 */
export function appliedThrough(lastSeq: number, lowestMissing: number | null): number {
  invariant(lowestMissing === null || (lowestMissing >= 1 && lowestMissing <= lastSeq), () => `missing seq ${lowestMissing} outside 1..${lastSeq}`);
  return lowestMissing === null ? lastSeq : lowestMissing - 1;
}

/** A range of a stream's seqs not seen: `missing` (found from a jump, shrinks as late events come) or `reported`. */
export interface Gap extends SeqRange {
  /** The stored row's id; absent for a gap this batch made. */
  id?: number;
  kind: 'missing' | 'reported';
  reason: string | null;
  /** The gap event that reported it. */
  eventId: string | null;
  detectedAt: string;
}

/** A stream's position as stored before the batch. */
export interface StreamPosition {
  lastSeq: number;
  applied: number;
  duplicates: number;
  late: number;
  seqConflicts: number;
}

/** The seqs a batch can touch: gaps overlapping this window must be handed to BatchAccount. */
export function batchWindow(lastSeq: number, seqs: readonly number[], reported: readonly SeqRange[]): SeqRange {
  let from = lastSeq + 1;
  let to = lastSeq + 1;
  for (const s of seqs) {
    from = Math.min(from, s);
    to = Math.max(to, s);
  }
  for (const r of reported) {
    from = Math.min(from, r.from);
    to = Math.max(to, r.to);
  }
  return { from: Math.max(1, from), to };
}

/** What one batch does: its counts, and the writes that bring the stream's position and gaps up to date. */
export interface BatchPlan {
  events: number;
  applied: number;
  duplicates: number;
  deadLettered: number;
  refused: number;
  late: number;
  seqConflicts: number;
  gapsOpened: SeqRange[];
  gapsReported: SeqRange[];
  maxLagMs: number | undefined;
  /** The stream's row after the batch (counters include this batch). */
  position: StreamPosition;
  /** Stored gaps to delete (by id), and gaps to insert. */
  gapsRemoved: number[];
  gapsAdded: Gap[];
}

/**
 * The seq accounting of one batch of one stream. The driver tells it, in the batch's order, what became of each
 * event (`duplicate`, `applied`, `deadLettered`, `reported`); `plan()` returns the counts and the gap and stream writes.
 * `gaps`: every stored gap of the stream overlapping `window` (see batchWindow); a seq outside it is a driver bug.
 */
export class BatchAccount {
  private readonly gaps: Gap[];
  private readonly original: Gap[];
  private lastSeq: number;
  private readonly out = { applied: 0, duplicates: 0, deadLettered: 0, refused: 0, late: 0, seqConflicts: 0 };
  private readonly gapsOpened: SeqRange[] = [];
  private readonly gapsReported: SeqRange[] = [];
  private maxLagMs: number | undefined;
  /** Seqs seen (applied or dead-lettered in their place), and of them those past the highest seen before. */
  private seenSeqs = 0;
  private ahead = 0;

  constructor(
    private readonly position: StreamPosition,
    gaps: readonly Gap[],
    private readonly window: SeqRange,
    private readonly events: number,
    private readonly at: string,
  ) {
    invariant(Number.isSafeInteger(position.lastSeq) && position.lastSeq >= 0, () => `last seq ${position.lastSeq}`);
    invariant(
      gaps.every((g) => g.id !== undefined && g.from <= window.to && g.to >= window.from),
      () => 'a gap handed in is not a stored one overlapping the window',
    );
    this.original = [...gaps];
    this.gaps = [...gaps];
    this.lastSeq = position.lastSeq;
  }

  /** The highest seq seen so far (this batch's included). */
  get highestSeen(): number {
    return this.lastSeq;
  }

  /**
   * Whether the stream never saw `seq` (this batch's events so far included): past the highest seen, or inside a gap
   * found missing. Not inside a reported gap: the gateway may have sent some of those seqs before it dropped them.
   */
  unseen(seq: number): boolean {
    return seq > this.lastSeq || this.gapHolding(seq)?.kind === 'missing';
  }

  /** An event (or a contract-breaking event) seen before: it changes nothing. */
  duplicate(): void {
    this.out.duplicates++;
  }

  /** A new event applied. `lagMs`: receive time − its ts (the batch's first applied is its oldest). */
  applied(seq: number, lagMs: number): void {
    this.seen(seq);
    if (this.out.applied++ === 0) this.maxLagMs = lagMs;
  }

  /** A new event kept as a dead letter in its place; its seq (when known) counts as seen. */
  deadLettered(seq: number | undefined, refused = false): void {
    this.out.deadLettered++;
    if (refused) this.out.refused++;
    if (seq !== undefined) this.seen(seq);
  }

  /** A gap event reported `r` dropped: it replaces what was missing there. Call after its own applied(). */
  reported(r: SeqRange, reason: string, eventId: string): void {
    this.inWindow(r);
    for (const g of this.overlapping(r)) if (g.kind === 'missing') this.cut(g, r);
    this.gaps.push({ ...r, kind: 'reported', reason, eventId, detectedAt: this.at });
    this.gapsReported.push(r);
  }

  private seen(seq: number): void {
    this.inWindow({ from: seq, to: seq });
    this.seenSeqs++;
    const verdict = judgeSeq(this.lastSeq, seq);
    if (verdict.kind === 'behind') {
      const g = this.gapHolding(seq);
      if (g) {
        this.out.late++;
        this.cut(g, { from: seq, to: seq });
      } else this.out.seqConflicts++;
      return;
    }
    if (verdict.kind === 'jump') {
      const reported = this.overlapping(verdict.missing).filter((g) => g.kind === 'reported');
      for (const piece of subtract(verdict.missing, reported)) {
        this.gaps.push({ ...piece, kind: 'missing', reason: null, eventId: null, detectedAt: this.at });
        this.gapsOpened.push(piece);
      }
    }
    this.ahead++;
    this.lastSeq = seq;
  }

  private inWindow(r: SeqRange): void {
    invariant(
      r.from >= this.window.from && r.to <= this.window.to,
      () => `seqs ${r.from}..${r.to} outside the window ${this.window.from}..${this.window.to} the gaps were read for`,
    );
  }

  private overlapping(r: SeqRange): Gap[] {
    return this.gaps.filter((g) => g.from <= r.to && g.to >= r.from).sort((a, b) => a.from - b.from);
  }

  /**
   * The gap holding `seq` (of several, the one starting lowest), without building the sorted list overlapping() does: in a
   * catch-up whose fresh events went ahead of the backlog, every backlog event is late and comes here.
   */
  private gapHolding(seq: number): Gap | undefined {
    let found: Gap | undefined;
    for (const g of this.gaps) if (g.from <= seq && g.to >= seq && (found === undefined || g.from < found.from)) found = g;
    return found;
  }

  /** Replace `g` by what is left of it without `hole` (a late event takes the gap's lowest seq: one piece, from above it). */
  private cut(g: Gap, hole: SeqRange): void {
    this.gaps.splice(this.gaps.indexOf(g), 1);
    const rest = (from: number, to: number): Gap => ({ from, to, kind: g.kind, reason: g.reason, eventId: g.eventId, detectedAt: g.detectedAt });
    if (hole.from <= g.from && hole.to >= g.from) {
      if (hole.to < g.to) this.gaps.push(rest(hole.to + 1, g.to));
      return;
    }
    for (const piece of subtract(g, [hole])) this.gaps.push(rest(piece.from, piece.to));
  }

  plan(): BatchPlan {
    const o = this.out;
    invariant(
      o.applied + o.duplicates + o.deadLettered === this.events,
      () => `${this.events} events but ${o.applied} applied + ${o.duplicates} duplicates + ${o.deadLettered} dead-lettered`,
    );
    const p = this.position;
    const position: StreamPosition = {
      lastSeq: this.lastSeq,
      applied: p.applied + o.applied,
      duplicates: p.duplicates + o.duplicates,
      late: p.late + o.late,
      seqConflicts: p.seqConflicts + o.seqConflicts,
    };
    invariant(position.lastSeq >= p.lastSeq, () => `last seq went back from ${p.lastSeq} to ${position.lastSeq}`);
    invariant(
      o.late + o.seqConflicts + this.ahead === this.seenSeqs,
      () => `${this.seenSeqs} seqs seen but ${o.late} late + ${o.seqConflicts} conflicts + ${this.ahead} ahead`,
    );
    const missing = this.gaps.filter((g) => g.kind === 'missing').sort((a, b) => a.from - b.from);
    missing.forEach((g, i) => {
      invariant(
        g.to < position.lastSeq && (i === 0 || g.from > missing[i - 1]!.to),
        () => `missing seqs ${g.from}..${g.to} overlap another gap or pass the last seq ${position.lastSeq}`,
      );
    });
    const kept = new Set(this.gaps);
    return {
      events: this.events,
      ...o,
      gapsOpened: this.gapsOpened,
      gapsReported: this.gapsReported,
      maxLagMs: this.maxLagMs,
      position,
      gapsRemoved: this.original.filter((g) => !kept.has(g)).map((g) => g.id!),
      gapsAdded: this.gaps.filter((g) => g.id === undefined),
    };
  }
}

/** Counters of one gateway since the hub started. */
export interface GatewayIngestStats {
  /** Messages received on the events topic (valid or not). */
  messages: number;
  /** Events in valid batches. */
  received: number;
  applied: number;
  duplicates: number;
  late: number;
  seqConflicts: number;
  /** Seqs found missing (sum of the lengths of gaps opened). */
  missingSeqs: number;
  /** Seqs the gateway reported dropped (gap events). */
  reportedSeqs: number;
  /** Messages (or, after isolation, single events) put into dead_letters. */
  deadLettered: number;
  statusUpdates: number;
  /** Attempts whose transaction rolled back (message not acknowledged). */
  applyFailures: number;
  /** now − event ts of the newest applied batch's oldest event, ms. */
  lastLagMs: number | undefined;
  maxLagMs: number | undefined;
}

export interface IngestStats {
  gateways: Record<string, GatewayIngestStats>;
  totals: Omit<GatewayIngestStats, 'lastLagMs' | 'maxLagMs'>;
  /** Group commits: transactions that held several messages, how many messages they held, groups rolled back. */
  groups: { committed: number; messages: number; rolledBack: number };
}

function emptyStats(): GatewayIngestStats {
  return {
    messages: 0,
    received: 0,
    applied: 0,
    duplicates: 0,
    late: 0,
    seqConflicts: 0,
    missingSeqs: 0,
    reportedSeqs: 0,
    deadLettered: 0,
    statusUpdates: 0,
    applyFailures: 0,
    lastLagMs: undefined,
    maxLagMs: undefined,
  };
}

/** Publish a retained HubAck: every event of `stream` with seq <= `through` is applied (or settled) at the hub. */
export interface AckCommand {
  gateway: string;
  stream: string;
  through: number;
}

/** The counts of a committed batch the counters take. */
export type BatchCounts = Pick<BatchPlan, 'applied' | 'duplicates' | 'late' | 'seqConflicts' | 'deadLettered' | 'gapsOpened' | 'gapsReported' | 'maxLagMs'>;

/** Failures remembered per message; past this many distinct ones the memory starts again (a flood of bad batches). */
const MAX_TRACKED_FAILURES = 10_000;

/**
 * The ingest's decisions across messages, for messages of type M:
 * - turns: the messages that arrive in one turn of the event loop are taken together, in one group transaction when
 *   there are several (at most maxGroupWeight of them; the rest on the next turns); a group that fails is taken again
 *   message by message (the driver runs the transactions);
 * - failures: a message whose transaction rolled back `maxApplyAttempts − 1` times is next taken event by event;
 * - acknowledgements: each batch's stream position (`through`) is pending until the driver says its transaction
 *   committed, and only then goes into an AckCommand; a rollback forgets it. A stream's acknowledged position never
 *   goes backwards, and never passes the highest seq seen;
 * - the counters per gateway.
 */
export class IngestCore<M> {
  private queue: M[] = [];
  /** The weight (payload bytes) of each queued message, in queue order. */
  private weights: number[] = [];
  private readonly failures = new Map<string, number>();
  private readonly perGateway = new Map<string, GatewayIngestStats>();
  private readonly groups = { committed: 0, messages: 0, rolledBack: 0 };
  /** Positions written in the open transaction: stream → gateway and through. */
  private readonly pending = new Map<string, { gateway: string; through: number }>();
  /** Committed positions: stream → through. */
  private readonly committedThrough = new Map<string, number>();
  /** Streams whose committed position is to be acknowledged: stream → gateway. */
  private readonly touched = new Map<string, string>();
  private acking = false;
  private acksDue = false;

  /**
   * `maxGroupWeight`: the most a group may weigh (the driver weighs a message by its payload bytes); a group always
   * takes at least one message. What is left waits for the next group, after the event loop has had a turn (PUBACKs
   * and acknowledgements of the group before go out, the sockets are read) — so a flood (a catch-up: every gateway's
   * window of messages arriving in one turn) is applied in transactions of bounded size, each acknowledged as soon
   * as it commits, instead of one transaction that holds every acknowledgement for seconds.
   */
  constructor(
    readonly maxApplyAttempts: number,
    readonly maxGroupWeight = Number.POSITIVE_INFINITY,
  ) {
    if (!(Number.isInteger(maxApplyAttempts) && maxApplyAttempts >= 1)) throw new Error(`maxApplyAttempts must be an integer >= 1, got ${maxApplyAttempts}`);
    if (!(maxGroupWeight > 0)) throw new Error(`maxGroupWeight must be > 0, got ${maxGroupWeight}`);
  }

  /**
   * A message arrived, weighing `weight`. True when nothing was queued before it: the driver calls endTurn() once
   * the turn is over.
   */
  arrive(message: M, weight = 1): boolean {
    invariant(weight >= 0, () => `message weight ${weight}`);
    this.queue.push(message);
    this.weights.push(weight);
    return this.queue.length === 1;
  }

  /**
   * The turn is over: the next group of messages (the queue's head, at most maxGroupWeight, at least one message),
   * whether they are tried in one group transaction first, and whether messages are left (`more`: the driver calls
   * endTurn() again on a later turn).
   */
  endTurn(): { messages: M[]; group: boolean; more: boolean } {
    let n = 0;
    let weight = 0;
    while (n < this.queue.length && (n === 0 || weight + this.weights[n]! <= this.maxGroupWeight)) weight += this.weights[n++]!;
    const messages = this.queue.slice(0, n);
    this.queue = this.queue.slice(n);
    this.weights = this.weights.slice(n);
    return { messages, group: messages.length > 1, more: this.queue.length > 0 };
  }

  /** A batch's stream position, written in the open transaction (not yet committed). */
  positioned(gateway: string, stream: string, through: number, highestSeen: number): void {
    invariant(through >= 0 && through <= highestSeen, () => `stream ${stream}: through ${through} past the highest seq seen ${highestSeen}`);
    const before = this.committedThrough.get(stream) ?? 0;
    invariant(through >= before, () => `stream ${stream}: through would go back from ${before} to ${through}`);
    this.pending.set(stream, { gateway, through });
  }

  /**
   * The open transaction committed (`groupOf`: it held that many messages as a group). Its positions become what the
   * acknowledgements say. True when acknowledgements became due: the driver calls takeAcks() at the end of the turn.
   */
  committed(groupOf?: number): boolean {
    if (groupOf !== undefined) {
      this.groups.committed++;
      this.groups.messages += groupOf;
    }
    for (const [stream, { gateway, through }] of this.pending) {
      this.committedThrough.set(stream, through);
      if (this.acking) this.touched.set(stream, gateway);
    }
    this.pending.clear();
    if (this.touched.size === 0 || this.acksDue) return false;
    this.acksDue = true;
    return true;
  }

  /** The open transaction rolled back: what it wrote never happened. */
  rolledBack(group = false): void {
    if (group) this.groups.rolledBack++;
    this.pending.clear();
  }

  /**
   * Start acknowledging: every known stream's committed position is announced at once (an embedded broker's retained
   * acks did not survive the hub's restart, and a gateway waiting on one would publish its backlog again).
   */
  startAcks(streams: ReadonlyArray<{ gateway: string; stream: string; through: number }>): AckCommand[] {
    invariant(this.pending.size === 0, () => 'acknowledgements started inside a transaction');
    this.acking = true;
    for (const s of streams) {
      this.committedThrough.set(s.stream, Math.max(s.through, this.committedThrough.get(s.stream) ?? 0));
      this.touched.set(s.stream, s.gateway);
    }
    return this.takeAcks();
  }

  stopAcks(): void {
    this.acking = false;
    this.touched.clear();
  }

  /** The acknowledgements due: each touched stream's committed position, once. */
  takeAcks(): AckCommand[] {
    this.acksDue = false;
    if (!this.acking) return [];
    const acks: AckCommand[] = [];
    for (const [stream, gateway] of this.touched) acks.push({ gateway, stream, through: this.committedThrough.get(stream)! });
    this.touched.clear();
    return acks;
  }

  /** Whether the message is taken event by event (it failed maxApplyAttempts − 1 times before). */
  isolate(key: string): boolean {
    return (this.failures.get(key) ?? 0) + 1 >= this.maxApplyAttempts;
  }

  /** The message's transaction rolled back: returns the attempt it was. */
  failed(key: string, gateway: string): number {
    const attempt = (this.failures.get(key) ?? 0) + 1;
    this.gw(gateway).applyFailures++;
    if (this.failures.size >= MAX_TRACKED_FAILURES) this.failures.clear();
    this.failures.set(key, attempt);
    return attempt;
  }

  /** A committed batch of `gateway` holding `received` events (`message`: it came as an MQTT message). */
  countBatch(gateway: string, key: string, c: BatchCounts, received: number, message: boolean): void {
    this.failures.delete(key);
    const s = this.gw(gateway);
    if (message) s.messages++;
    s.received += received;
    s.applied += c.applied;
    s.duplicates += c.duplicates;
    s.late += c.late;
    s.seqConflicts += c.seqConflicts;
    s.deadLettered += c.deadLettered;
    for (const g of c.gapsOpened) s.missingSeqs += g.to - g.from + 1;
    for (const g of c.gapsReported) s.reportedSeqs += g.to - g.from + 1;
    if (c.maxLagMs !== undefined) {
      s.lastLagMs = c.maxLagMs;
      s.maxLagMs = s.maxLagMs === undefined ? c.maxLagMs : Math.max(s.maxLagMs, c.maxLagMs);
    }
  }

  /** A message kept whole as a dead letter (`events`: it was on the events topic; `received`: events it held). */
  countDeadLetter(gateway: string, events: boolean, received = 0): void {
    const s = this.gw(gateway);
    if (events) s.messages++;
    s.received += received;
    s.deadLettered++;
  }

  countStatus(gateway: string): void {
    this.gw(gateway).statusUpdates++;
  }

  private gw(id: string): GatewayIngestStats {
    let s = this.perGateway.get(id);
    if (!s) {
      s = emptyStats();
      this.perGateway.set(id, s);
    }
    return s;
  }

  stats(): IngestStats {
    const gateways: Record<string, GatewayIngestStats> = {};
    const totals = emptyStats();
    for (const [id, s] of this.perGateway) {
      gateways[id] = { ...s };
      for (const k of Object.keys(totals) as Array<keyof GatewayIngestStats>) {
        if (k === 'lastLagMs' || k === 'maxLagMs') continue;
        totals[k] += s[k];
      }
    }
    const { lastLagMs: _l, maxLagMs: _m, ...rest } = totals;
    return { gateways, totals: rest, groups: { ...this.groups } };
  }
}
