// hub/ingest — the ingest's SQLite side: one transaction per batch that tracks each stream's seqs and gaps, tells new
// events from ones applied before (by the seq watermark, and the applied record or the inbox for a seq seen before),
// and calls the injected apply for every new event; plus dead letters and gateway health rows.
import { isStorageError } from '../status/write-health.js';
import { createHash } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import {
  WIRE_VERSION,
  isoTs,
  parseEventBatch,
  topics,
  tsMs,
  type Event,
  type EventBatch,
  type GatewayStatus,
  type RejectedEvent,
  type WireError,
} from '../../protocols/events/index.js';
import { withBatchReads } from '../db/batch-reads.js';
import type { Db } from '../db/database.js';
import { BatchAccount, appliedThrough, batchWindow, type Gap, type SeqRange, type StreamPosition } from './core.js';

/** What apply learns besides the event. */
export interface ApplyContext {
  site: string;
  gateway: string;
  stream: string;
  /** Hub clock (ms) when the message carrying the event arrived. */
  receivedAt: number;
}

/**
 * Turns one new event into its effect (the ledger's postings …). Runs inside the batch's transaction and must be
 * synchronous; throwing rolls the whole batch back and the message is not acknowledged.
 */
export type ApplyFn = (db: Db, event: Event, ctx: ApplyContext) => void;

/**
 * Wraps the applies of one batch, inside its transaction (e.g. the ledger's withBatchedInvariants: invariants
 * asserted once per batch before commit). Not used when events are isolated: each then stands alone.
 */
export type BatchScope = <T>(db: Db, fn: () => T) => T;

const noScope: BatchScope = (_db, fn) => fn();

/**
 * Checks an event before anything is written (e.g. a pass at a door another gateway watches): the reason it must not
 * be applied, or undefined. A refused event is dead-lettered (reason `refused`) and the rest of the batch applies.
 */
export type RefuseFn = (event: Event, gateway: string) => string | undefined;

/**
 * Where the apply side keeps, in the transaction that applies it, a row holding each applied event's id under a unique
 * key (the doors room: one door activity row per pass, scan and zone event). For these kinds the ingest writes no inbox
 * row of its own: an event at a seq its stream has never seen (past the highest seen, or inside a gap found missing) is
 * new by the seq watermark, with nothing to look up; one at a seq seen before is new only if `has` says its id is not
 * applied (a gateway that sent a different event under a seq it used before: a seq conflict, applied and counted).
 * Other kinds (gap, reader, scanner, door events: a few per hour) keep their inbox row.
 */
export interface AppliedRecord {
  /** The kinds whose every apply writes that row; a second apply of one id must throw (the unique key). */
  readonly kinds: ReadonlySet<Event['kind']>;
  /** Whether an event with this id was applied (committed, or earlier in this transaction). */
  has(eventId: string): boolean;
}

export interface BatchOutcome {
  gateway: string;
  stream: string;
  events: number;
  applied: number;
  /** Event ids applied before (redelivery). */
  duplicates: number;
  /** New events that filled a gap (arrived after a higher seq). */
  late: number;
  /** New events at a seq already seen outside any gap. Applied (the id is new), but a gateway defect. */
  seqConflicts: number;
  gapsOpened: SeqRange[];
  gapsReported: SeqRange[];
  /** Events that broke the contract, that apply refused in isolation mode, or that the refusal check refused; each went to dead_letters. */
  deadLettered: number;
  /** Of deadLettered: those the refusal check refused (RefuseFn). */
  refused: number;
  /** receivedAt − ts of the oldest (first) applied event, ms: the batch's largest lag; undefined when none applied. */
  maxLagMs: number | undefined;
  /** The stream's highest seq seen, and how far it is applied (see appliedThrough), as this batch leaves them. */
  lastSeq: number;
  through: number;
}

export type DeadLetterReason = 'topic' | 'encoding' | 'json' | 'version' | 'schema' | 'apply' | 'refused';

/** Of a dead letter's payload at most this many bytes are kept (with the size and SHA-256 of all of it). */
export const DEAD_LETTER_PAYLOAD_PREFIX = 256 * 1024;

export interface DeadLetterSummary {
  id: number;
  receivedAt: string;
  topic: string;
  gateway: string | null;
  reason: DeadLetterReason;
  /** JSON paths name the place in the message as received (an event-level one: `/events/{index}/…`). */
  errors: WireError[];
  /** Set for a single event of a batch: its stream, and its seq when it could be read or inferred. */
  stream: string | null;
  seq: number | null;
  eventId: string | null;
  /** Size and SHA-256 (hex) of the payload as received; `truncated` when only a prefix is kept. */
  payloadBytes: number;
  payloadSha256: string | null;
  truncated: boolean;
  retriedAt: string | null;
  retriedBy: string | null;
  retryResult: RedriveResult | null;
}

export interface DeadLetter extends DeadLetterSummary {
  /** The bytes as received (at most DEAD_LETTER_PAYLOAD_PREFIX of them); an event-level one holds a one-event batch. */
  payload: Buffer;
}

export interface RedriveResult {
  applied: number;
  duplicates: number;
  deadLettered: number;
}

/** A dead letter that cannot be re-driven (as it is): the status the API answers and why. */
export class RedriveError extends Error {
  constructor(
    readonly status: 404 | 409 | 422,
    message: string,
    readonly errors: WireError[] = [],
  ) {
    super(message);
    this.name = 'RedriveError';
  }
}

interface DeadLetterRow {
  id: number;
  received_at: string;
  topic: string;
  gateway: string | null;
  reason: DeadLetterReason;
  errors: string;
  stream: string | null;
  seq: number | null;
  event_id: string | null;
  payload_bytes: number | null;
  payload_sha256: string | null;
  retried_at: string | null;
  retried_by: string | null;
  retry_result: string | null;
  payload?: Buffer;
  kept?: number;
}

function summaryOf(r: DeadLetterRow, kept: number): DeadLetterSummary {
  const bytes = r.payload_bytes ?? kept;
  return {
    id: r.id,
    receivedAt: r.received_at,
    topic: r.topic,
    gateway: r.gateway,
    reason: r.reason,
    errors: JSON.parse(r.errors) as WireError[],
    stream: r.stream,
    seq: r.seq,
    eventId: r.event_id,
    payloadBytes: bytes,
    payloadSha256: r.payload_sha256,
    truncated: kept < bytes,
    retriedAt: r.retried_at,
    retriedBy: r.retried_by,
    retryResult: r.retry_result ? (JSON.parse(r.retry_result) as RedriveResult) : null,
  };
}

/** Where a dead letter of a single event belongs. */
interface EventPlace {
  stream: string;
  seq: number | undefined;
  eventId: string | undefined;
}

/** A stream id already known from another gateway: the batch cannot be placed (dead-lettered, not retried). */
export class StreamOwnerError extends Error {
  constructor(
    readonly stream: string,
    readonly owner: string,
    readonly claimant: string,
  ) {
    super(`stream ${stream} belongs to gateway ${owner}, not ${claimant}`);
    this.name = 'StreamOwnerError';
  }
}

interface StreamRow {
  stream: string;
  gateway: string;
  last_seq: number;
  applied: number;
  duplicates: number;
  late: number;
  seq_conflicts: number;
}

interface GapRow {
  id: number;
  gateway: string;
  from_seq: number;
  to_seq: number;
  kind: 'missing' | 'reported';
  reason: string | null;
  event_id: string | null;
  detected_at: string;
}

const DL_COLUMNS =
  'id, received_at, topic, gateway, reason, errors, stream, seq, event_id, payload_bytes, payload_sha256, retried_at, retried_by, retry_result';

export class IngestStore {
  private readonly s: {
    inbox: Statement;
    inInbox: Statement;
    getStream: Statement;
    insertStream: Statement;
    updateStream: Statement;
    gapsOverlapping: Statement;
    deleteGap: Statement;
    insertGap: Statement;
    gatewaySeen: Statement;
    deadLetter: Statement;
    deadLetterAt: Statement;
    deadLetterById: Statement;
    deadLetterOfEvent: Statement;
    markRedriven: Statement;
    countRedriven: Statement;
    statusTs: Statement;
    upsertStatus: Statement;
    appliedThrough: Statement;
    lowestMissing: Statement;
  };
  /** A batch's work, in the transaction it is called in. */
  private readonly applyBatchWork: (batch: EventBatch, receivedAt: number, isolate: boolean, rejected: readonly RejectedEvent[]) => BatchOutcome;
  /** The same in a transaction of its own. */
  private readonly applyBatchTx: (batch: EventBatch, receivedAt: number, isolate: boolean, rejected: readonly RejectedEvent[]) => BatchOutcome;
  private readonly redriveTx: (id: number, by: string, replacement: unknown, now: number) => DeadLetterSummary;

  constructor(
    private readonly db: Db,
    private readonly site: string,
    private readonly apply: ApplyFn,
    scope: BatchScope = noScope,
    private readonly refuse?: RefuseFn,
    private readonly record?: AppliedRecord,
  ) {
    this.s = {
      inbox: db.prepare('INSERT OR IGNORE INTO inbox (event_id, gateway, stream, seq, kind, event_ts, applied_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      inInbox: db.prepare('SELECT 1 FROM inbox WHERE event_id = ?').pluck(),
      getStream: db.prepare('SELECT stream, gateway, last_seq, applied, duplicates, late, seq_conflicts FROM streams WHERE stream = ?'),
      insertStream: db.prepare(
        'INSERT INTO streams (stream, gateway, last_seq, applied, duplicates, late, seq_conflicts, first_seen_at, last_event_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      updateStream: db.prepare('UPDATE streams SET last_seq = ?, applied = ?, duplicates = ?, late = ?, seq_conflicts = ?, last_event_at = ? WHERE stream = ?'),
      gapsOverlapping: db.prepare(
        'SELECT id, gateway, from_seq, to_seq, kind, reason, event_id, detected_at FROM stream_gaps WHERE stream = ? AND from_seq <= ? AND to_seq >= ? ORDER BY from_seq',
      ),
      deleteGap: db.prepare('DELETE FROM stream_gaps WHERE id = ?'),
      insertGap: db.prepare('INSERT INTO stream_gaps (stream, gateway, from_seq, to_seq, kind, reason, event_id, detected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      gatewaySeen: db.prepare(`INSERT INTO gateways (gateway, online, last_seen_at, last_event_at, updated_at) VALUES (?, 1, ?, ?, ?)
        ON CONFLICT (gateway) DO UPDATE SET last_seen_at = excluded.last_seen_at, last_event_at = excluded.last_event_at, updated_at = excluded.updated_at`),
      deadLetter:
        db.prepare(`INSERT INTO dead_letters (received_at, topic, gateway, reason, errors, payload, payload_bytes, payload_sha256, stream, seq, event_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      deadLetterAt: db.prepare('SELECT id, event_id FROM dead_letters WHERE stream = ? AND seq = ?'),
      deadLetterById: db.prepare(`SELECT ${DL_COLUMNS}, payload FROM dead_letters WHERE id = ?`),
      deadLetterOfEvent: db.prepare('SELECT 1 FROM dead_letters WHERE stream = ? AND event_id = ?'),
      countRedriven: db.prepare('UPDATE streams SET applied = applied + 1 WHERE stream = ?'),
      markRedriven: db.prepare('UPDATE dead_letters SET retried_at = ?, retried_by = ?, retry_result = ? WHERE id = ? AND retried_at IS NULL'),
      statusTs: db.prepare('SELECT status_ts FROM gateways WHERE gateway = ?'),
      lowestMissing: db.prepare("SELECT MIN(from_seq) FROM stream_gaps WHERE stream = ? AND kind = 'missing'").pluck(),
      appliedThrough: db.prepare(`SELECT last_seq AS last, (SELECT MIN(from_seq) FROM stream_gaps g WHERE g.stream = s.stream AND g.kind = 'missing') AS hole
        FROM streams s WHERE s.stream = ?`),
      upsertStatus: db.prepare(`INSERT INTO gateways (gateway, online, last_seen_at, status_ts, clock_skew_ms, version, started_at, stream, readers, scanners,
          outbox_depth, outbox_bytes, outbox_oldest_age_s, outbox_dropped, clock_offset_ms, updated_at)
        VALUES (@gateway, @online, @seen, @statusTs, @skew, @version, @startedAt, @stream, @readers, @scanners, @depth, @bytes, @oldest, @dropped, @offset, @seen)
        ON CONFLICT (gateway) DO UPDATE SET
          online = excluded.online, last_seen_at = excluded.last_seen_at, updated_at = excluded.updated_at,
          status_ts = COALESCE(excluded.status_ts, status_ts), clock_skew_ms = COALESCE(excluded.clock_skew_ms, clock_skew_ms),
          version = COALESCE(excluded.version, version), started_at = COALESCE(excluded.started_at, started_at),
          stream = COALESCE(excluded.stream, stream), readers = COALESCE(excluded.readers, readers), scanners = COALESCE(excluded.scanners, scanners),
          outbox_depth = COALESCE(excluded.outbox_depth, outbox_depth), outbox_bytes = COALESCE(excluded.outbox_bytes, outbox_bytes),
          outbox_oldest_age_s = COALESCE(excluded.outbox_oldest_age_s, outbox_oldest_age_s),
          outbox_dropped = COALESCE(excluded.outbox_dropped, outbox_dropped), clock_offset_ms = COALESCE(excluded.clock_offset_ms, clock_offset_ms)`),
    };
    // The version stamps and other one-row reads of the apply path: once per batch (hub/db/batch-reads.ts).
    this.applyBatchWork = (batch: EventBatch, receivedAt: number, isolate: boolean, rejected: readonly RejectedEvent[]) =>
      withBatchReads(db, () =>
        isolate ? this.applyInTx(batch, receivedAt, true, rejected) : scope(db, () => this.applyInTx(batch, receivedAt, false, rejected)),
      );
    this.applyBatchTx = db.transaction(this.applyBatchWork);
    this.redriveTx = db.transaction((id: number, by: string, replacement: unknown, now: number) =>
      withBatchReads(db, () => scope(db, () => this.redriveInTx(id, by, replacement, now))),
    );
  }

  /**
   * Apply a validated batch in ONE transaction (its own, or the caller's when one is open): new events go through
   * `apply` (and to the inbox, unless the applied record keeps their kind); events applied before are counted as
   * duplicates and change nothing. Throws (after rolling its own transaction back; in the caller's, the caller rolls
   * back) when apply throws, unless `isolate` is set: then each event gets its own savepoint and an event apply refuses
   * goes to dead_letters (the rest of the batch still applies).
   *
   * `rejected` are the events of the same message that broke the contract (parseEventBatch): each becomes its own
   * dead letter (once: the same seq of the stream dead-lettered again is a duplicate) and its seq counts as seen, so
   * the stream's gaps and acknowledgement move past it as if it had been applied; re-driving it later applies it.
   */
  applyBatch(batch: EventBatch, receivedAt: number, isolate = false, rejected: readonly RejectedEvent[] = []): BatchOutcome {
    // Inside the caller's transaction (the ingest's group commit) no savepoint of its own: an open savepoint makes
    // SQLite copy every page the batch changes into the statement journal and walk that journal again at the end of
    // every statement — a quarter of the hub's time in a catch-up. The caller rolls its whole transaction back on any
    // error this throws; the one error it takes instead, StreamOwnerError, is thrown before anything is written.
    return this.db.inTransaction ? this.applyBatchWork(batch, receivedAt, isolate, rejected) : this.applyBatchTx(batch, receivedAt, isolate, rejected);
  }

  private applyInTx(batch: EventBatch, receivedAt: number, isolate: boolean, rejected: readonly RejectedEvent[]): BatchOutcome {
    const { gateway, stream } = batch;
    const at = isoTs(receivedAt);
    const row = this.s.getStream.get(stream) as StreamRow | undefined;
    // Stream ids are made per gateway outbox; the same id from two gateways would merge their seq spaces.
    if (row && row.gateway !== gateway) throw new StreamOwnerError(stream, row.gateway, gateway);
    const position: StreamPosition = row
      ? { lastSeq: row.last_seq, applied: row.applied, duplicates: row.duplicates, late: row.late, seqConflicts: row.seq_conflicts }
      : { lastSeq: 0, applied: 0, duplicates: 0, late: 0, seqConflicts: 0 };
    const seqs = batch.events.map((e) => e.seq);
    for (const r of rejected) if (r.seq !== undefined) seqs.push(r.seq);
    const reports = batch.events.flatMap((e) => (e.kind === 'gap' ? [{ from: e.fromSeq, to: e.toSeq }] : []));
    const window = batchWindow(position.lastSeq, seqs, reports);
    const stored = (this.s.gapsOverlapping.all(stream, window.to, window.from) as GapRow[]).map((g): Gap => ({
      id: g.id,
      from: g.from_seq,
      to: g.to_seq,
      kind: g.kind,
      reason: g.reason,
      eventId: g.event_id,
      detectedAt: g.detected_at,
    }));
    const account = new BatchAccount(position, stored, window, batch.events.length + rejected.length, at);
    const ctx: ApplyContext = { site: this.site, gateway, stream, receivedAt };
    const rejectedAt = new Map(rejected.map((r) => [r.index, r]));
    let next = 0;
    for (let i = 0; i < batch.events.length + rejected.length; i++) {
      const bad = rejectedAt.get(i);
      if (bad) {
        this.takeRejected(batch, bad, account, at);
        continue;
      }
      const e = batch.events[next++]!;
      // A seq already seen may be a dead letter of this very event (the message came again): nothing to do.
      const held = e.seq <= account.highestSeen ? (this.s.deadLetterAt.get(stream, e.seq) as { event_id: string | null } | undefined) : undefined;
      const refusal = this.refuse?.(e, gateway);
      const fate =
        held?.event_id === e.id
          ? 'duplicate'
          : refusal !== undefined
            ? this.refuseOne(batch, next - 1, i, refusal, at)
            : isolate
              ? this.applyIsolated(batch, next - 1, i, ctx, at, account.unseen(e.seq))
              : this.applyOne(e, gateway, ctx, at, account.unseen(e.seq));
      if (fate === 'duplicate') account.duplicate();
      else if (fate === 'applied') account.applied(e.seq, receivedAt - tsMs(e.ts));
      else account.deadLettered(e.seq, fate === 'refused');
      if (fate !== 'duplicate' && e.kind === 'gap') account.reported({ from: e.fromSeq, to: e.toSeq }, e.reason, e.id);
    }
    const plan = account.plan();
    for (const id of plan.gapsRemoved) this.s.deleteGap.run(id);
    for (const g of plan.gapsAdded) this.s.insertGap.run(stream, gateway, g.from, g.to, g.kind, g.reason, g.eventId, g.detectedAt);
    const p = plan.position;
    if (!row) this.s.insertStream.run(stream, gateway, p.lastSeq, p.applied, p.duplicates, p.late, p.seqConflicts, at, at);
    else this.s.updateStream.run(p.lastSeq, p.applied, p.duplicates, p.late, p.seqConflicts, at, stream);
    this.s.gatewaySeen.run(gateway, at, at, at);
    const { gapsRemoved: _r, gapsAdded: _a, position: _p, ...counts } = plan;
    const lowestMissing = this.s.lowestMissing.get(stream) as number | null;
    return { gateway, stream, ...counts, lastSeq: p.lastSeq, through: appliedThrough(p.lastSeq, lowestMissing) };
  }

  /** An event of the message that broke the contract: a dead letter of its own, once (see applyBatch). */
  private takeRejected(batch: EventBatch, bad: RejectedEvent, account: BatchAccount, at: string): void {
    const { stream } = batch;
    const before =
      bad.seq !== undefined
        ? bad.seq <= account.highestSeen && this.s.deadLetterAt.get(stream, bad.seq)
        : bad.id !== undefined && this.s.deadLetterOfEvent.get(stream, bad.id);
    if (before) return account.duplicate(); // dead-lettered when this message came before
    this.deadLetterEvent(batch, bad.value, 'schema', bad.errors, { stream, seq: bad.seq, eventId: bad.id }, at);
    // Without a seq there is nothing to account: it stays missing until the gateway says otherwise.
    account.deadLettered(bad.seq);
  }

  /**
   * Apply one event unless it was applied before. `unseen`: its stream never saw its seq, so it is new with nothing to
   * look up when the applied record keeps its kind (see AppliedRecord); otherwise the record or the inbox decides.
   */
  private applyOne(e: Event, gateway: string, ctx: ApplyContext, at: string, unseen: boolean): 'applied' | 'duplicate' {
    const record = this.recordOf(e);
    if (record) {
      if (!unseen && record.has(e.id)) return 'duplicate';
    } else if (this.s.inbox.run(e.id, gateway, e.stream, e.seq, e.kind, e.ts, at).changes === 0) return 'duplicate';
    this.apply(this.db, e, ctx);
    return 'applied';
  }

  /** The apply side's record, when it keeps events of this kind (then they have no inbox row). */
  private recordOf(e: Event): AppliedRecord | undefined {
    return this.record?.kinds.has(e.kind) ? this.record : undefined;
  }

  /** Whether the event's id was applied before (by the record of its kind, or the inbox). */
  private appliedBefore(e: Event): boolean {
    const record = this.recordOf(e);
    return record ? record.has(e.id) : this.s.inInbox.get(e.id) !== undefined;
  }

  /** Dead-letter one refused event as a one-event batch (unless its id was applied before: a redelivery). `i` and `index` as for applyIsolated. */
  private refuseOne(batch: EventBatch, i: number, index: number, refusal: string, at: string): 'duplicate' | 'refused' {
    const e = batch.events[i]!;
    if (this.appliedBefore(e)) return 'duplicate';
    this.deadLetterEvent(
      batch,
      e,
      'refused',
      [{ path: `/events/${index}`, message: `event ${e.id}: ${refusal}` }],
      { stream: e.stream, seq: e.seq, eventId: e.id },
      at,
    );
    return 'refused';
  }

  /** `i`: the event's place among the batch's good events; `index`: its place in the message as received. */
  private applyIsolated(
    batch: EventBatch,
    i: number,
    index: number,
    ctx: ApplyContext,
    at: string,
    unseen: boolean,
  ): 'applied' | 'duplicate' | 'dead-lettered' {
    const e = batch.events[i]!;
    try {
      return this.db.transaction(() => this.applyOne(e, batch.gateway, ctx, at, unseen))();
    } catch (err) {
      // The disk, not the event: the whole batch rolls back and comes again; nothing good is dead-lettered for it.
      if (isStorageError(err)) throw err;
      // Its id was applied before, under another seq (a gateway defect the seq watermark cannot see): the record's
      // unique key refused the second apply. A duplicate, as the inbox would have called it.
      if (this.recordOf(e)?.has(e.id)) return 'duplicate';
      const errors = [{ path: `/events/${index}`, message: `apply failed for event ${e.id}: ${(err as Error).message}` }];
      this.deadLetterEvent(batch, e, 'apply', errors, { stream: e.stream, seq: e.seq, eventId: e.id }, at);
      return 'dead-lettered';
    }
  }

  /** One event of a batch kept as a dead letter: a one-event batch that can be re-driven as it is. */
  private deadLetterEvent(batch: EventBatch, event: unknown, reason: DeadLetterReason, errors: readonly WireError[], place: EventPlace, at: string): void {
    const single = { v: WIRE_VERSION, gateway: batch.gateway, stream: batch.stream, events: [event] };
    this.insertDeadLetter(at, topics.events(this.site, batch.gateway), batch.gateway, reason, errors, Buffer.from(JSON.stringify(single)), place);
  }

  private insertDeadLetter(
    at: string,
    topic: string,
    gateway: string | null,
    reason: DeadLetterReason,
    errors: readonly WireError[],
    payload: Buffer,
    place?: EventPlace,
  ): number {
    const sha = createHash('sha256').update(payload).digest('hex');
    const kept = payload.length > DEAD_LETTER_PAYLOAD_PREFIX ? payload.subarray(0, DEAD_LETTER_PAYLOAD_PREFIX) : payload;
    const r = this.s.deadLetter.run(
      at,
      topic,
      gateway,
      reason,
      JSON.stringify(errors),
      kept,
      payload.length,
      sha,
      place?.stream ?? null,
      place?.seq ?? null,
      place?.eventId ?? null,
    );
    return Number(r.lastInsertRowid);
  }

  /**
   * How far a stream is applied: the highest seq below which nothing is missing (gaps the gateway reported count as
   * settled: those events are gone, and said so). 0 for a stream never seen.
   */
  appliedThrough(stream: string): number {
    const r = this.s.appliedThrough.get(stream) as { last: number; hole: number | null } | undefined;
    return r ? appliedThrough(r.last, r.hole) : 0;
  }

  /** Every stream the hub knows, with its gateway. */
  streams(): Array<{ stream: string; gateway: string }> {
    return this.db.prepare('SELECT stream, gateway FROM streams ORDER BY stream').all() as Array<{ stream: string; gateway: string }>;
  }

  /** Keep a message that could not be taken, with why: as received, or its first DEAD_LETTER_PAYLOAD_PREFIX bytes. */
  deadLetter(topic: string, gateway: string | undefined, reason: DeadLetterReason, errors: readonly WireError[], payload: Buffer, receivedAt: number): number {
    return this.insertDeadLetter(isoTs(receivedAt), topic, gateway ?? null, reason, errors, payload);
  }

  /**
   * Re-drive a dead letter once its cause is fixed: its payload (or `replacement`, the corrected event for an
   * event-level one, the corrected message for a whole one) goes through the same validation and apply as a received
   * message, in one transaction that also marks it re-driven. So it applies at most once: a second re-drive is refused
   * (409), and an event id applied meanwhile counts as a duplicate. Throws RedriveError when it cannot be taken.
   */
  redrive(id: number, by: string, replacement: unknown, now: number): DeadLetterSummary {
    return this.redriveTx(id, by, replacement, now);
  }

  private redriveInTx(id: number, by: string, replacement: unknown, now: number): DeadLetterSummary {
    const row = this.s.deadLetterById.get(id) as (DeadLetterRow & { payload: Buffer }) | undefined;
    if (!row) throw new RedriveError(404, `dead letter ${id} does not exist`);
    if (row.retried_at)
      throw new RedriveError(409, `dead letter ${id} was re-driven at ${row.retried_at} by ${row.retried_by ?? '?'}: ${row.retry_result ?? ''}`);
    if (!row.topic.endsWith('/events') || row.gateway === null)
      throw new RedriveError(409, `dead letter ${id} is not an events message (topic ${row.topic}): there is nothing to re-drive`);
    const summary = summaryOf(row, row.payload.length);
    let message: string;
    if (replacement !== undefined) {
      message =
        row.stream !== null
          ? JSON.stringify({ v: WIRE_VERSION, gateway: row.gateway, stream: row.stream, events: [replacement] })
          : JSON.stringify(replacement);
    } else {
      if (summary.truncated)
        throw new RedriveError(
          409,
          `dead letter ${id} kept only ${row.payload.length} of its ${summary.payloadBytes} bytes: re-drive it with the corrected payload`,
        );
      message = row.payload.toString('utf8');
    }
    const parsed = parseEventBatch(row.topic, message);
    if (!parsed.ok) throw new RedriveError(422, `dead letter ${id} is still not a valid events message (${parsed.reason})`, parsed.errors);
    if (parsed.rejected.length > 0 && row.stream !== null)
      throw new RedriveError(
        422,
        `dead letter ${id}: the event still breaks the contract`,
        parsed.rejected.flatMap((r) => r.errors),
      );
    if (row.stream !== null) {
      const e = parsed.value.events[0]!;
      if (e.stream !== row.stream)
        throw new RedriveError(422, `dead letter ${id} belongs to stream ${row.stream}, not ${e.stream}`, [{ path: '/stream', message: 'must stay the same' }]);
      if (row.seq !== null && e.seq !== row.seq)
        throw new RedriveError(422, `dead letter ${id} holds seq ${row.seq} of its stream, not ${e.seq}`, [{ path: '/seq', message: 'must stay the same' }]);
    }
    for (const e of parsed.value.events) {
      const refusal = this.refuse?.(e, row.gateway);
      if (refusal !== undefined) throw new RedriveError(422, `dead letter ${id}: event ${e.id} is still refused: ${refusal}`);
    }
    let result: RedriveResult;
    try {
      result = row.stream !== null && row.seq !== null ? this.redriveEvent(parsed.value, now) : this.redriveMessage(parsed.value, parsed.rejected, now);
    } catch (err) {
      if (err instanceof RedriveError) throw err;
      throw new RedriveError(422, `dead letter ${id}: apply refused it again: ${(err as Error).message}`);
    }
    this.s.markRedriven.run(isoTs(now), by, JSON.stringify(result), id);
    return { ...summary, retriedAt: isoTs(now), retriedBy: by, retryResult: result };
  }

  /** An event whose seq the stream already counted (when it was dead-lettered): inbox and apply, no seq accounting. */
  private redriveEvent(batch: EventBatch, now: number): RedriveResult {
    const e = batch.events[0]!;
    const ctx: ApplyContext = { site: this.site, gateway: batch.gateway, stream: batch.stream, receivedAt: now };
    const outcome = this.applyOne(e, batch.gateway, ctx, isoTs(now), false);
    if (outcome === 'applied') this.s.countRedriven.run(batch.stream);
    return { applied: outcome === 'applied' ? 1 : 0, duplicates: outcome === 'duplicate' ? 1 : 0, deadLettered: 0 };
  }

  /** A whole message (or an event whose seq was never known): taken exactly as a received one. */
  private redriveMessage(batch: EventBatch, rejected: readonly RejectedEvent[], now: number): RedriveResult {
    if (batch.events.length === 0 && rejected.length === 0) return { applied: 0, duplicates: 0, deadLettered: 0 };
    const out = this.applyInTx(batch, now, false, rejected);
    return { applied: out.applied, duplicates: out.duplicates, deadLettered: out.deadLettered };
  }

  /** Update the gateways row; a status older (by its own ts) than the one stored is ignored: returns 'stale'. */
  recordStatus(status: GatewayStatus, receivedAt: number): 'updated' | 'stale' {
    const stored = (this.s.statusTs.get(status.gateway) as { status_ts: string | null } | undefined)?.status_ts;
    if (status.ts && stored && tsMs(status.ts) < tsMs(stored)) return 'stale';
    this.s.upsertStatus.run({
      gateway: status.gateway,
      online: status.online ? 1 : 0,
      seen: isoTs(receivedAt),
      statusTs: status.ts ?? null,
      skew: status.ts ? tsMs(status.ts) - receivedAt : null,
      version: status.version ?? null,
      startedAt: status.startedAt ?? null,
      stream: status.stream ?? null,
      readers: status.readers ? JSON.stringify(status.readers) : null,
      scanners: status.scanners ? JSON.stringify(status.scanners) : null,
      depth: status.outbox?.depth ?? null,
      bytes: status.outbox?.bytes ?? null,
      oldest: status.outbox?.oldestAgeS ?? null,
      dropped: status.outbox?.dropped ?? null,
      offset: status.clockOffsetMs ?? null,
    });
    return 'updated';
  }

  /** Dead letters with their payloads, newest first (tests, the CLI's `show`). */
  deadLetters(limit = 100): DeadLetter[] {
    const rows = this.db.prepare(`SELECT ${DL_COLUMNS}, payload FROM dead_letters ORDER BY id DESC LIMIT ?`).all(limit) as Array<
      DeadLetterRow & { payload: Buffer }
    >;
    return rows.map((r) => ({ ...summaryOf(r, r.payload.length), payload: r.payload }));
  }

  /** One page of dead letters without payloads, newest first: those with an id below `before` (keyset paging). */
  deadLetterPage(opts: { limit: number; before?: number; open?: boolean }): DeadLetterSummary[] {
    const rows = this.db
      .prepare(
        `SELECT ${DL_COLUMNS}, length(payload) AS kept FROM dead_letters WHERE id < ? ${opts.open ? 'AND retried_at IS NULL' : ''} ORDER BY id DESC LIMIT ?`,
      )
      .all(opts.before ?? Number.MAX_SAFE_INTEGER, opts.limit) as Array<DeadLetterRow & { kept: number }>;
    return rows.map((r) => summaryOf(r, r.kept));
  }

  /** One dead letter with its (kept) payload. */
  deadLetterById(id: number): DeadLetter | undefined {
    const r = this.s.deadLetterById.get(id) as (DeadLetterRow & { payload: Buffer }) | undefined;
    return r && { ...summaryOf(r, r.payload.length), payload: r.payload };
  }
}
