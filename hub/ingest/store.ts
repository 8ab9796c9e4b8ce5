// hub/ingest — the ingest's SQLite side: one transaction per batch that dedupes ids (inbox), tracks each stream's
// seqs and gaps, and calls the injected apply for every new event; plus dead letters and gateway health rows.
import type { Statement } from 'better-sqlite3';
import { WIRE_VERSION, isoTs, topics, tsMs, type Event, type EventBatch, type GatewayStatus, type WireError } from '../../protocols/events/index.js';
import type { Db } from '../db/database.js';
import { judgeSeq, subtract, type SeqRange } from './seq.js';

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
  /** Events that apply refused in isolation mode, or that the refusal check refused; each went to dead_letters. */
  deadLettered: number;
  /** Of deadLettered: those the refusal check refused (RefuseFn). */
  refused: number;
  /** receivedAt − ts of the oldest (first) applied event, ms: the batch's largest lag; undefined when none applied. */
  maxLagMs: number | undefined;
}

export type DeadLetterReason = 'topic' | 'encoding' | 'json' | 'version' | 'schema' | 'apply' | 'refused';

export interface DeadLetter {
  id: number;
  receivedAt: string;
  topic: string;
  gateway: string | null;
  reason: DeadLetterReason;
  errors: WireError[];
  payload: Buffer;
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
    statusTs: Statement;
    upsertStatus: Statement;
    appliedThrough: Statement;
  };
  private readonly applyBatchTx: (batch: EventBatch, receivedAt: number, isolate: boolean) => BatchOutcome;

  constructor(
    private readonly db: Db,
    private readonly site: string,
    private readonly apply: ApplyFn,
    scope: BatchScope = noScope,
    private readonly refuse?: RefuseFn,
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
      insertGap: db.prepare(
        'INSERT INTO stream_gaps (stream, gateway, from_seq, to_seq, kind, reason, event_id, detected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      gatewaySeen: db.prepare(`INSERT INTO gateways (gateway, online, last_seen_at, last_event_at, updated_at) VALUES (?, 1, ?, ?, ?)
        ON CONFLICT (gateway) DO UPDATE SET last_seen_at = excluded.last_seen_at, last_event_at = excluded.last_event_at, updated_at = excluded.updated_at`),
      deadLetter: db.prepare('INSERT INTO dead_letters (received_at, topic, gateway, reason, errors, payload) VALUES (?, ?, ?, ?, ?, ?)'),
      statusTs: db.prepare('SELECT status_ts FROM gateways WHERE gateway = ?'),
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
    this.applyBatchTx = db.transaction((batch: EventBatch, receivedAt: number, isolate: boolean) =>
      isolate ? this.applyInTx(batch, receivedAt, true) : scope(db, () => this.applyInTx(batch, receivedAt, false)));
  }

  /**
   * Apply a validated batch in ONE transaction: new event ids go to the inbox and through `apply`; ids seen before
   * are counted as duplicates and change nothing. Throws (after rolling everything back) when apply throws, unless
   * `isolate` is set: then each event gets its own savepoint and an event apply refuses goes to dead_letters
   * (the rest of the batch still applies).
   */
  applyBatch(batch: EventBatch, receivedAt: number, isolate = false): BatchOutcome {
    return this.applyBatchTx(batch, receivedAt, isolate);
  }

  private applyInTx(batch: EventBatch, receivedAt: number, isolate: boolean): BatchOutcome {
    const { gateway, stream } = batch;
    const at = isoTs(receivedAt);
    const out: BatchOutcome = {
      gateway,
      stream,
      events: batch.events.length,
      applied: 0,
      duplicates: 0,
      late: 0,
      seqConflicts: 0,
      gapsOpened: [],
      gapsReported: [],
      deadLettered: 0,
      refused: 0,
      maxLagMs: undefined,
    };
    let row = this.s.getStream.get(stream) as StreamRow | undefined;
    const isNewStream = !row;
    if (!row) row = { stream, gateway, last_seq: 0, applied: 0, duplicates: 0, late: 0, seq_conflicts: 0 };
    else if (row.gateway !== gateway) {
      // Stream ids are made per gateway outbox; the same id from two gateways would merge their seq spaces.
      throw new StreamOwnerError(stream, row.gateway, gateway);
    }
    const ctx: ApplyContext = { site: this.site, gateway, stream, receivedAt };
    let run: SeqRange | undefined; // consecutive new events behind last_seq, settled against the gaps together
    const settleRun = () => {
      if (!run) return;
      const covered = this.fillGaps(stream, run);
      out.late += covered;
      out.seqConflicts += run.to - run.from + 1 - covered;
      run = undefined;
    };

    for (let i = 0; i < batch.events.length; i++) {
      const e = batch.events[i]!;
      const refusal = this.refuse?.(e, gateway);
      const isNew = refusal !== undefined ? this.refuseOne(batch, i, refusal, at, out) : isolate ? this.applyIsolated(batch, i, ctx, at, out) : this.applyOne(e, gateway, ctx, at);
      if (isNew === 'duplicate') {
        out.duplicates++;
        continue;
      }
      const verdict = judgeSeq(row.last_seq, e.seq);
      if (verdict.kind === 'behind') {
        if (run && e.seq === run.to + 1) run.to = e.seq;
        else {
          settleRun();
          run = { from: e.seq, to: e.seq };
        }
      } else {
        settleRun();
        if (verdict.kind === 'jump') {
          const reported = this.overlapping(stream, verdict.missing).filter((g) => g.kind === 'reported');
          for (const piece of subtract(verdict.missing, reported.map((g) => ({ from: g.from_seq, to: g.to_seq })))) {
            this.s.insertGap.run(stream, gateway, piece.from, piece.to, 'missing', null, null, at);
            out.gapsOpened.push(piece);
          }
        }
        row.last_seq = e.seq;
      }
      if (e.kind === 'gap') this.recordReportedGap(stream, gateway, e, at, out);
      if (isNew === 'applied') {
        // Events of a batch are in seq order, so the first applied is the oldest: one Date.parse per batch.
        if (out.applied++ === 0) out.maxLagMs = receivedAt - tsMs(e.ts);
      }
    }
    settleRun();
    if (out.applied + out.duplicates + out.deadLettered !== out.events) {
      throw new Error(`ingest invariant broken: ${out.events} events but ${out.applied} applied + ${out.duplicates} duplicates + ${out.deadLettered} dead-lettered`);
    }

    row.applied += out.applied;
    row.duplicates += out.duplicates;
    row.late += out.late;
    row.seq_conflicts += out.seqConflicts;
    if (isNewStream) this.s.insertStream.run(stream, gateway, row.last_seq, row.applied, row.duplicates, row.late, row.seq_conflicts, at, at);
    else this.s.updateStream.run(row.last_seq, row.applied, row.duplicates, row.late, row.seq_conflicts, at, stream);
    this.s.gatewaySeen.run(gateway, at, at, at);
    return out;
  }

  /** Inbox + apply for one event. */
  private applyOne(e: Event, gateway: string, ctx: ApplyContext, at: string): 'applied' | 'duplicate' {
    if (this.s.inbox.run(e.id, gateway, e.stream, e.seq, e.kind, e.ts, at).changes === 0) return 'duplicate';
    this.apply(this.db, e, ctx);
    return 'applied';
  }

  /** Dead-letter one refused event as a one-event batch (unless its id was applied before: a redelivery). */
  private refuseOne(batch: EventBatch, i: number, refusal: string, at: string, out: BatchOutcome): 'duplicate' | 'refused' {
    const e = batch.events[i]!;
    if (this.s.inInbox.get(e.id) !== undefined) return 'duplicate';
    const single: EventBatch = { v: WIRE_VERSION, gateway: batch.gateway, stream: batch.stream, events: [e] };
    this.s.deadLetter.run(at, topics.events(this.site, batch.gateway), batch.gateway, 'refused', JSON.stringify([{ path: `/events/${i}`, message: `event ${e.id}: ${refusal}` }]), Buffer.from(JSON.stringify(single)));
    out.deadLettered++;
    out.refused++;
    return 'refused';
  }

  private applyIsolated(batch: EventBatch, i: number, ctx: ApplyContext, at: string, out: BatchOutcome): 'applied' | 'duplicate' | 'refused' {
    const e = batch.events[i]!;
    try {
      return this.db.transaction(() => this.applyOne(e, batch.gateway, ctx, at))();
    } catch (err) {
      const single: EventBatch = { v: WIRE_VERSION, gateway: batch.gateway, stream: batch.stream, events: [e] };
      this.s.deadLetter.run(
        at,
        topics.events(this.site, batch.gateway),
        batch.gateway,
        'apply',
        JSON.stringify([{ path: `/events/${i}`, message: `apply failed for event ${e.id}: ${(err as Error).message}` }]),
        Buffer.from(JSON.stringify(single)),
      );
      out.deadLettered++;
      return 'refused';
    }
  }

  private overlapping(stream: string, r: SeqRange): GapRow[] {
    return this.s.gapsOverlapping.all(stream, r.to, r.from) as GapRow[];
  }

  /** Remove `r` from the stream's gaps; returns how many seqs of `r` were inside a gap. */
  private fillGaps(stream: string, r: SeqRange): number {
    let covered = 0;
    for (const g of this.overlapping(stream, r)) {
      covered += Math.min(g.to_seq, r.to) - Math.max(g.from_seq, r.from) + 1;
      this.replaceGap(stream, g, r);
    }
    return covered;
  }

  private replaceGap(stream: string, g: GapRow, hole: SeqRange): void {
    this.s.deleteGap.run(g.id);
    for (const piece of subtract({ from: g.from_seq, to: g.to_seq }, [hole])) {
      this.s.insertGap.run(stream, g.gateway, piece.from, piece.to, g.kind, g.reason, g.event_id, g.detected_at);
    }
  }

  private recordReportedGap(stream: string, gateway: string, e: Event & { kind: 'gap' }, at: string, out: BatchOutcome): void {
    const r = { from: e.fromSeq, to: e.toSeq };
    for (const g of this.overlapping(stream, r)) if (g.kind === 'missing') this.replaceGap(stream, g, r);
    this.s.insertGap.run(stream, gateway, r.from, r.to, 'reported', e.reason, e.id, at);
    out.gapsReported.push(r);
  }

  /**
   * How far a stream is applied: the highest seq below which nothing is missing (gaps the gateway reported count as
   * settled: those events are gone, and said so). 0 for a stream never seen.
   */
  appliedThrough(stream: string): number {
    const r = this.s.appliedThrough.get(stream) as { last: number; hole: number | null } | undefined;
    if (!r) return 0;
    return r.hole === null ? r.last : r.hole - 1;
  }

  /** Every stream the hub knows, with its gateway. */
  streams(): Array<{ stream: string; gateway: string }> {
    return this.db.prepare('SELECT stream, gateway FROM streams ORDER BY stream').all() as Array<{ stream: string; gateway: string }>;
  }

  /** Keep a message that could not be taken, with why, exactly as received. */
  deadLetter(topic: string, gateway: string | undefined, reason: DeadLetterReason, errors: readonly WireError[], payload: Buffer, receivedAt: number): number {
    return Number(this.s.deadLetter.run(isoTs(receivedAt), topic, gateway ?? null, reason, JSON.stringify(errors), payload).lastInsertRowid);
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

  /** Dead letters, newest first (for the API and tests). */
  deadLetters(limit = 100): DeadLetter[] {
    const rows = this.db
      .prepare('SELECT id, received_at, topic, gateway, reason, errors, payload FROM dead_letters ORDER BY id DESC LIMIT ?')
      .all(limit) as Array<{ id: number; received_at: string; topic: string; gateway: string | null; reason: DeadLetterReason; errors: string; payload: Buffer }>;
    return rows.map((r) => ({ id: r.id, receivedAt: r.received_at, topic: r.topic, gateway: r.gateway, reason: r.reason, errors: JSON.parse(r.errors) as WireError[], payload: r.payload }));
  }
}
