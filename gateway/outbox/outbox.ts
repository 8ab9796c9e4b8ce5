// gateway/outbox — the gateway's durable outbox: every event is stamped (id, stream, seq, ts) and committed to SQLite
// here before anything else happens to it; a row leaves only when the publisher reports that it is delivered: the
// hub's end-to-end acknowledgement (confirmThrough, the default) or, with `confirm: broker`, the broker's PUBACK (ack).
//
// Durability choice: WAL with synchronous=FULL (the default; NORMAL is selectable for the benchmark only).
//   In WAL mode, NORMAL fsyncs only at checkpoints: a commit survives a process crash (kill -9; the WAL is in the OS
//   page cache) but the last transactions since the previous checkpoint can vanish on power loss. A gateway is a Pi with
//   an SD card at a dock door: power loss (a breaker, a pulled plug, a forklift) is the failure we expect, not the rare
//   one. Losing the tail on power loss would (a) lose events silently — no gap event could record them — and (b) roll
//   back the seq counter, so the next events would reuse seqs the hub may already hold under other ids. Both break the
//   contract (gap-free seq, never silent). FULL fsyncs the WAL on every commit; the cost is one fsync per transaction,
//   which batching (OutboxWriter: a few ms of linger, hundreds of events per transaction) makes affordable. The figures
//   of both settings are in `npm run bench -- outbox`.
//
// Invariants (asserted where they are made):
// - The stream id is created with the database, in the same transaction as the tables, and never changes.
// - seq is assigned from the `next_seq` meta counter in the transaction that writes the row: gap-free, from 1, never
//   reused even after rows are acked or dropped (the counter only grows).
// - Dropping for the size cap is loud: one `gap` event (error log) per overflow, covering every seq it removed; a gap
//   row that is itself dropped is merged into the new gap's range, so a gap is never lost silently.
// - One process owns an outbox file (locking_mode=EXCLUSIVE): a second opener gets a clear error, never shared seqs.
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { eventErrors, describeErrors, isoTs, newEventId, type Event, type EventDraft, type GapEvent } from '../../protocols/events/index.js';
import type { Logger } from '../../protocols/logging/index.js';
import { JOURNAL_DDL, ReadJournal, type JournalOptions } from './journal.js';

export type Synchronous = 'FULL' | 'NORMAL';

export interface OutboxOptions {
  /** SQLite file (created with its directory's permissions if absent). */
  path: string;
  logger: Logger;
  /** Size cap in rows; when exceeded the oldest events are dropped and a gap event records them. Default 1,000,000. */
  maxRows?: number;
  /** Size cap in bytes of stored event JSON. Default 512 MiB. */
  maxBytes?: number;
  /** See the top of this file. Default FULL; NORMAL exists so the benchmark can measure the difference. */
  synchronous?: Synchronous;
  /** The read journal's bounds (journal.ts). */
  journal?: JournalOptions;
}

/** A stored event as the publisher sends it: the JSON text is the wire form, never re-serialised. */
export interface OutboxRow {
  seq: number;
  id: string;
  body: string;
}

/** A draft the outbox refused (it would have made the hub dead-letter its whole batch). */
export interface RejectedDraft {
  index: number;
  reason: string;
  /** The seq of the gap event stored in the draft's place. */
  gapSeq: number;
}

export class OutboxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboxError';
  }
}

/** When the cap is hit, drop this share of the cap beyond what is needed, so overflow (and gap rows) stay rare. */
const DROP_HEADROOM = 0.05;
const MIN_MAX_ROWS = 2;
const MIN_MAX_BYTES = 16 * 1024;
const STREAM_ID_RE = /^[A-Za-z0-9_-]{8,64}$/;
const SCHEMA_VERSION = '1';

/** A new stream id: 128 random bits, base64url (22 characters), matching the contract's StreamId pattern. */
export function newStreamId(): string {
  return randomBytes(16).toString('base64url');
}

interface Counters {
  nextSeq: number;
  depth: number;
  bytes: number;
  dropped: number;
}

export class Outbox {
  readonly path: string;
  readonly stream: string;
  readonly synchronous: Synchronous;
  readonly maxRows: number;
  readonly maxBytes: number;
  private readonly db: Database.Database;
  private readonly log: Logger;
  private counters: Counters;
  private rejectedTotal = 0;
  /** Reads of passages not yet decided (journal.ts); a stored tag.pass or tag.depart prunes its tag's rows. */
  readonly journal: ReadJournal;
  private closed = false;
  private readonly stmt: {
    insert: Database.Statement;
    setMeta: Database.Statement;
    peek: Database.Statement;
    ackSeq: Database.Statement;
    ackId: Database.Statement;
    oldest: Database.Statement;
    head: Database.Statement;
    deleteUpTo: Database.Statement;
    countUpTo: Database.Statement;
  };

  private constructor(opts: OutboxOptions, db: Database.Database) {
    this.path = opts.path;
    this.db = db;
    this.log = opts.logger;
    this.synchronous = opts.synchronous ?? 'FULL';
    this.maxRows = opts.maxRows ?? 1_000_000;
    this.maxBytes = opts.maxBytes ?? 512 * 1024 * 1024;
    const meta = new Map((db.prepare('SELECT key, value FROM meta').all() as Array<{ key: string; value: string }>).map((r) => [r.key, r.value]));
    const stream = meta.get('stream');
    if (!stream || !STREAM_ID_RE.test(stream)) throw new OutboxError(`outbox ${opts.path}: meta.stream ${JSON.stringify(stream)} is not a valid stream id`);
    this.stream = stream;
    const nextSeq = Number(meta.get('next_seq'));
    const agg = db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b, COALESCE(MAX(seq), 0) AS maxSeq FROM events').get() as { n: number; b: number; maxSeq: number };
    if (!Number.isSafeInteger(nextSeq) || nextSeq < 1 || nextSeq <= agg.maxSeq) {
      throw new OutboxError(`outbox ${opts.path}: meta.next_seq ${JSON.stringify(meta.get('next_seq'))} is not above the highest stored seq ${agg.maxSeq}; the file is damaged`);
    }
    this.counters = { nextSeq, depth: agg.n, bytes: agg.b, dropped: Number(meta.get('dropped') ?? 0) };
    this.journal = new ReadJournal(db, opts.journal);
    this.stmt = {
      insert: db.prepare('INSERT INTO events (seq, id, kind, created_ms, bytes, body) VALUES (?, ?, ?, ?, ?, ?)'),
      setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      peek: db.prepare('SELECT seq, id, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?'),
      ackSeq: db.prepare('DELETE FROM events WHERE seq = ? RETURNING bytes'),
      ackId: db.prepare('DELETE FROM events WHERE id = ? RETURNING bytes'),
      oldest: db.prepare('SELECT created_ms AS createdMs FROM events ORDER BY seq LIMIT 1'),
      head: db.prepare('SELECT seq, kind, bytes, body FROM events ORDER BY seq'),
      deleteUpTo: db.prepare('DELETE FROM events WHERE seq <= ?'),
      countUpTo: db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b FROM events WHERE seq <= ?'),
    };
  }

  /** Open (or create) the outbox. Throws OutboxError naming the file and the problem. */
  static open(opts: OutboxOptions): Outbox {
    const maxRows = opts.maxRows ?? 1_000_000;
    const maxBytes = opts.maxBytes ?? 512 * 1024 * 1024;
    if (!Number.isSafeInteger(maxRows) || maxRows < MIN_MAX_ROWS) throw new OutboxError(`outbox maxRows must be an integer >= ${MIN_MAX_ROWS}, got ${maxRows}`);
    if (!Number.isSafeInteger(maxBytes) || maxBytes < MIN_MAX_BYTES) throw new OutboxError(`outbox maxBytes must be an integer >= ${MIN_MAX_BYTES}, got ${maxBytes}`);
    const sync = opts.synchronous ?? 'FULL';
    if (sync !== 'FULL' && sync !== 'NORMAL') throw new OutboxError(`outbox synchronous must be FULL or NORMAL, got ${JSON.stringify(sync)}`);
    let db: Database.Database;
    try {
      db = new Database(opts.path);
    } catch (err) {
      throw new OutboxError(`outbox ${opts.path}: cannot open: ${(err as Error).message}`);
    }
    try {
      db.pragma('busy_timeout = 200');
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${sync}`);
      // Creating the tables and the stream id is one transaction: a kill -9 during creation leaves nothing or all.
      db.transaction(() => {
        db.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
          CREATE TABLE IF NOT EXISTS events (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            created_ms INTEGER NOT NULL,
            bytes INTEGER NOT NULL,
            body TEXT NOT NULL);
          ${JOURNAL_DDL}`);
        const has = db.prepare("SELECT value FROM meta WHERE key = 'stream'").get() as { value: string } | undefined;
        if (!has) {
          const put = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
          put.run('schema', SCHEMA_VERSION);
          put.run('stream', newStreamId());
          put.run('next_seq', '1');
          put.run('dropped', '0');
          put.run('created_at', new Date().toISOString());
        } else {
          const schema = (db.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as { value: string } | undefined)?.value;
          if (schema !== SCHEMA_VERSION) throw new OutboxError(`outbox ${opts.path}: schema version ${schema} is not ${SCHEMA_VERSION}, which this build writes`);
        }
      }).immediate();
    } catch (err) {
      db.close();
      const e = err as Error & { code?: string };
      if (e.code === 'SQLITE_BUSY') throw new OutboxError(`outbox ${opts.path} is in use by another process (it must have exactly one owner)`);
      if (e instanceof OutboxError) throw e;
      throw new OutboxError(`outbox ${opts.path}: cannot initialise: ${e.message}`);
    }
    const outbox = new Outbox({ ...opts, maxRows, maxBytes, synchronous: sync }, db);
    outbox.log.info({ path: opts.path, stream: outbox.stream, depth: outbox.depth(), nextSeq: outbox.counters.nextSeq, synchronous: sync }, 'outbox open');
    return outbox;
  }

  /**
   * Stamp and store drafts in ONE transaction; returns the events made (in draft order). An event exists from here on.
   * A draft that would not pass the wire contract (it would make the hub dead-letter its whole batch) is refused with
   * an error log naming what is wrong and does not stop the others; its seq carries a `gap` event of one with the
   * reason instead, so the hub hears of it (never only a log line); see `rejected()`.
   * If the append overflows the size cap, the oldest rows (possibly some of these very events) are dropped and a gap
   * event is appended after them in the same transaction; the returned events are still all the ones made.
   */
  append(drafts: readonly EventDraft[], nowMs: number): Event[] {
    this.assertOpen();
    if (drafts.length === 0) return [];
    const s: Counters = { ...this.counters };
    const rejected: RejectedDraft[] = [];
    const made = this.db
      .transaction((): Event[] => {
        const ts = isoTs(nowMs);
        const out: Event[] = [];
        for (let i = 0; i < drafts.length; i++) {
          const d = drafts[i]! as EventDraft & Partial<Pick<Event, 'id' | 'seq' | 'stream' | 'ts'>>;
          let reason: string | undefined;
          if (d.id !== undefined || d.seq !== undefined || d.stream !== undefined || d.ts !== undefined) {
            reason = 'a draft must not carry id, stream, seq or ts: the outbox assigns them';
          } else {
            const event = { id: newEventId(nowMs), stream: this.stream, seq: s.nextSeq, ts, ...d } as Event;
            const errors = eventErrors(event);
            if (errors.length === 0) {
              this.insert(s, event, nowMs);
              out.push(event);
              // The pass is stored: its reads leave the journal in the same transaction (never decided twice).
              if (event.kind === 'tag.pass' || event.kind === 'tag.depart') this.journal.forget(event.epc, Date.parse(event.lastSeen));
              continue;
            }
            reason = describeErrors(errors);
          }
          // Never only a log line: the refused draft's seq carries a gap of one naming what was wrong.
          const gap = this.refusalGap(s.nextSeq, (d as { kind?: unknown }).kind, reason, nowMs);
          rejected.push({ index: i, reason, gapSeq: gap.seq });
          this.insert(s, gap, nowMs);
          out.push(gap);
        }
        if (s.depth > this.maxRows || s.bytes > this.maxBytes) this.dropOldest(s, nowMs);
        this.stmt.setMeta.run('next_seq', String(s.nextSeq));
        return out;
      })
      .immediate();
    this.counters = s;
    if (rejected.length > 0) {
      this.rejectedTotal += rejected.length;
      for (const r of rejected) {
        this.log.error({ draftIndex: r.index, kind: (drafts[r.index] as { kind?: unknown }).kind, reason: r.reason, gapSeq: r.gapSeq }, 'outbox refused an invalid event draft; a gap event in its seq tells the hub why');
      }
    }
    return made;
  }

  /** The gap event that stands in a refused draft's seq: count 1, the reason naming the kind and the field. */
  private refusalGap(seq: number, kind: unknown, reason: string, nowMs: number): GapEvent {
    const what = typeof kind === 'string' ? kind.slice(0, 32) : 'draft';
    const gap = { id: newEventId(nowMs), stream: this.stream, seq, ts: isoTs(nowMs), kind: 'gap', fromSeq: seq, toSeq: seq, count: 1, reason: `refused ${what}: ${reason}`.slice(0, 1024) } as GapEvent;
    const errors = eventErrors(gap);
    if (errors.length) throw new OutboxError(`gap event is invalid: ${describeErrors(errors)}`);
    return gap;
  }

  private insert(s: Counters, event: Event, nowMs: number): void {
    // Invariant: seqs are handed out one by one from the counter, in the transaction that stores them.
    if (event.seq !== s.nextSeq) throw new OutboxError(`seq ${event.seq} is not the next seq ${s.nextSeq}`);
    const body = JSON.stringify(event);
    const bytes = Buffer.byteLength(body);
    this.stmt.insert.run(event.seq, event.id, event.kind, nowMs, bytes, body);
    s.nextSeq++;
    s.depth++;
    s.bytes += bytes;
  }

  /** Inside the append transaction: drop the oldest rows until under the cap (with headroom) and record a gap. */
  private dropOldest(s: Counters, nowMs: number): void {
    const targetRows = this.maxRows - 1 - Math.floor(this.maxRows * DROP_HEADROOM);
    const targetBytes = this.maxBytes - 1024 - Math.floor(this.maxBytes * DROP_HEADROOM);
    let rows = s.depth;
    let bytes = s.bytes;
    let lastDropped = 0;
    let fromSeq = Number.MAX_SAFE_INTEGER;
    let events = 0;
    let gapsMerged = 0;
    for (const r of this.stmt.head.iterate() as IterableIterator<{ seq: number; kind: string; bytes: number; body: string }>) {
      if (rows <= targetRows && bytes <= targetBytes) break;
      rows--;
      bytes -= r.bytes;
      lastDropped = r.seq;
      if (r.kind === 'gap') {
        // A gap row that has to go is folded into the new gap: its range and its own seq are lost together.
        const g = JSON.parse(r.body) as GapEvent;
        fromSeq = Math.min(fromSeq, g.fromSeq, r.seq);
        gapsMerged++;
      } else {
        fromSeq = Math.min(fromSeq, r.seq);
        events++;
      }
    }
    if (lastDropped === 0) return;
    this.stmt.deleteUpTo.run(lastDropped);
    s.depth = rows;
    s.bytes = bytes;
    s.dropped += events;
    const reason =
      `outbox full (cap ${this.maxRows} rows / ${this.maxBytes} bytes): dropped the ${events} oldest events` +
      (gapsMerged ? ` and merged ${gapsMerged} earlier gap record(s)` : '') +
      '; seqs in this range that the hub already holds were delivered before the drop';
    const gap = { id: newEventId(nowMs), stream: this.stream, seq: s.nextSeq, ts: isoTs(nowMs), kind: 'gap', fromSeq, toSeq: lastDropped, count: lastDropped - fromSeq + 1, reason } as GapEvent;
    const errors = eventErrors(gap);
    if (errors.length) throw new OutboxError(`gap event is invalid: ${describeErrors(errors)}`);
    this.insert(s, gap, nowMs);
    this.stmt.setMeta.run('dropped', String(s.dropped));
    this.log.error({ fromSeq, toSeq: lastDropped, droppedEvents: events, gapsMerged, gapSeq: gap.seq, depth: s.depth, bytes: s.bytes, droppedTotal: s.dropped }, 'outbox full: dropped the oldest events and recorded a gap');
  }

  /** Up to `limit` stored events after `afterSeq`, oldest first, as wire JSON (what the publisher sends). */
  peekRows(limit: number, afterSeq = 0): OutboxRow[] {
    this.assertOpen();
    return this.stmt.peek.all(afterSeq, limit) as OutboxRow[];
  }

  /** Up to `limit` stored events after `afterSeq`, oldest first. */
  peek(limit: number, afterSeq = 0): Event[] {
    return this.peekRows(limit, afterSeq).map((r) => JSON.parse(r.body) as Event);
  }

  /**
   * Delete delivered events: numbers are seqs, strings are event ids. Call only after the broker's PUBACK for the
   * message that carried them (`confirm: broker`; with the hub's acknowledgement see confirmThrough). Unknown keys
   * (already acked, or dropped by the cap) are ignored. Returns rows deleted.
   */
  ack(keys: ReadonlyArray<number | string>): number {
    this.assertOpen();
    if (keys.length === 0) return 0;
    let rows = 0;
    let bytes = 0;
    this.db.transaction(() => {
      for (const k of keys) {
        const r = (typeof k === 'number' ? this.stmt.ackSeq.get(k) : this.stmt.ackId.get(k)) as { bytes: number } | undefined;
        if (r) {
          rows++;
          bytes += r.bytes;
        }
      }
    })();
    return this.removed(rows, bytes);
  }

  /**
   * The hub's end-to-end acknowledgement (HubAck.through for this outbox's stream): delete every row with
   * seq <= `through`. Rows above it stay. Throws OutboxError for a `through` that is not an integer >= 0 or that lies
   * beyond the last seq this outbox handed out (the hub cannot have applied what was never written: refusing keeps
   * rows that a confused or foreign ack would otherwise destroy). Returns rows deleted (0 when already confirmed).
   */
  confirmThrough(through: number): number {
    this.assertOpen();
    if (!Number.isSafeInteger(through) || through < 0) throw new OutboxError(`confirmThrough: seq must be an integer >= 0, got ${through}`);
    if (through > this.lastSeq()) throw new OutboxError(`confirmThrough: seq ${through} is beyond the last seq handed out (${this.lastSeq()}) on stream ${this.stream}`);
    let rows = 0;
    let bytes = 0;
    this.db.transaction(() => {
      const r = this.stmt.countUpTo.get(through) as { n: number; b: number };
      rows = r.n;
      bytes = r.b;
      if (rows > 0) this.stmt.deleteUpTo.run(through);
    })();
    return this.removed(rows, bytes);
  }

  /** Rows just deleted as delivered leave the depth and byte counters. Returns `rows`. */
  private removed(rows: number, bytes: number): number {
    this.counters = { ...this.counters, depth: this.counters.depth - rows, bytes: this.counters.bytes - bytes };
    return rows;
  }

  /** Events stored and not yet confirmed delivered (unsent, in flight, or awaiting the hub's acknowledgement). */
  depth(): number {
    return this.counters.depth;
  }

  /** Bytes of event JSON stored. */
  bytes(): number {
    return this.counters.bytes;
  }

  /** Age of the oldest stored event (0 when empty). */
  oldestAgeMs(nowMs: number): number {
    this.assertOpen();
    const r = this.stmt.oldest.get() as { createdMs: number } | undefined;
    return r ? Math.max(0, nowMs - r.createdMs) : 0;
  }

  /** The last seq handed out (0 before the first event). */
  lastSeq(): number {
    return this.counters.nextSeq - 1;
  }

  /** Events dropped for the size cap since the database was created. */
  dropped(): number {
    return this.counters.dropped;
  }

  /** Drafts refused as invalid since this process opened the outbox. */
  rejected(): number {
    return this.rejectedTotal;
  }

  /** The SQLite settings in force, read back from the database (for status and tests). */
  settings(): { journalMode: string; synchronous: Synchronous | 'OTHER' } {
    this.assertOpen();
    const journalMode = String(this.db.pragma('journal_mode', { simple: true }));
    const sync = Number(this.db.pragma('synchronous', { simple: true }));
    return { journalMode, synchronous: sync === 2 ? 'FULL' : sync === 1 ? 'NORMAL' : 'OTHER' };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new OutboxError(`outbox ${this.path} is closed`);
  }
}
