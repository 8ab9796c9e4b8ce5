// gateway/outbox — the read journal: reads the portal engine took as evidence of a passage not yet decided, kept in the
// outbox database so a gateway killed or unplugged mid-pallet decides those passages after its restart (replayed into
// the engine at start). Group-committed: the daemon appends what arrived since its last commit in one transaction every 250 ms. Pruned
// where the pass is stored: the outbox's append deletes a tag's journal rows up to the pass's lastSeen in the very
// transaction that stores the pass, so a restart can never decide the same passage twice. Bounded: rows older than
// `maxAgeMs` (evidence of tags never accepted) and beyond `maxRows` (oldest first) are dropped by prune().
//
// A row is ~60 bytes of SQLite payload (epc, reader, antenna, rssi, ts, arrival, count): the write volume per
// 1,000 reads/s is measured by `npm run bench -- journal`.
import type Database from 'better-sqlite3';
import type { TagRead } from '../../protocols/reads/index.js';

export const JOURNAL_DDL = `CREATE TABLE IF NOT EXISTS journal (
  id INTEGER PRIMARY KEY,
  epc TEXT NOT NULL,
  reader TEXT NOT NULL,
  antenna INTEGER NOT NULL,
  rssi REAL,
  ts REAL NOT NULL,
  arrival REAL NOT NULL,
  count INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS journal_epc ON journal (epc, ts)`;

export interface JournalOptions {
  /** Rows whose arrival is older than this are dropped by prune(). Default 15 min. */
  maxAgeMs?: number;
  /** At most this many rows; beyond, the oldest go. Default 200,000. */
  maxRows?: number;
}

export class ReadJournal {
  readonly maxAgeMs: number;
  readonly maxRows: number;
  private readonly stmt: {
    insert: Database.Statement;
    all: Database.Statement;
    forget: Database.Statement;
    old: Database.Statement;
    count: Database.Statement;
    size: Database.Statement;
    trim: Database.Statement;
  };
  /**
   * Since this process opened the journal: group commits, reads appended, reads replayed at start, rows forgotten with
   * their stored pass, rows pruned (too old or beyond the cap).
   */
  readonly counts = { commits: 0, appended: 0, replayed: 0, forgotten: 0, pruned: 0 };

  constructor(
    private readonly db: Database.Database,
    opts: JournalOptions = {},
  ) {
    this.maxAgeMs = opts.maxAgeMs ?? 15 * 60_000;
    this.maxRows = opts.maxRows ?? 200_000;
    this.stmt = {
      insert: db.prepare('INSERT INTO journal (epc, reader, antenna, rssi, ts, arrival, count) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      all: db.prepare('SELECT epc, reader, antenna, rssi, ts, arrival, count FROM journal ORDER BY id'),
      forget: db.prepare('DELETE FROM journal WHERE epc = ? AND ts < ?'),
      old: db.prepare('DELETE FROM journal WHERE arrival < ?'),
      count: db.prepare('SELECT COUNT(*) AS n FROM journal'),
      // Payload bytes: the text columns plus 8 per numeric column (antenna, rssi, ts, arrival, count).
      size: db.prepare('SELECT COALESCE(SUM(length(epc) + length(reader)), 0) + 40 * COUNT(*) AS b FROM journal'),
      trim: db.prepare('DELETE FROM journal WHERE id <= (SELECT id FROM journal ORDER BY id LIMIT 1 OFFSET ?)'),
    };
  }

  /** Append reads in one transaction (the group commit). */
  append(reads: readonly TagRead[]): void {
    if (reads.length === 0) return;
    const ins = this.stmt.insert;
    this.db.transaction(() => {
      for (const r of reads) ins.run(r.epc, r.reader, r.antenna, Number.isNaN(r.rssi) ? null : r.rssi, r.ts, r.arrival ?? r.ts, r.count);
    })();
    this.counts.commits++;
    this.counts.appended += reads.length;
  }

  /** Inside the transaction that stores a pass: its reads are no longer needed (`throughMs`: its lastSeen). */
  forget(epc: string, throughMs: number): void {
    this.counts.forgotten += this.stmt.forget.run(epc, throughMs + 1).changes;
  }

  /** Every journaled read, oldest first, for the replay at start (counted as replayed). */
  replay(): TagRead[] {
    const reads = this.reads();
    this.counts.replayed += reads.length;
    return reads;
  }

  /** Every journaled read, oldest first. */
  reads(): TagRead[] {
    return (this.stmt.all.all() as Array<Omit<TagRead, 'rssi' | 'readerTs'> & { rssi: number | null }>).map((r) => ({
      reader: r.reader,
      antenna: r.antenna,
      epc: r.epc,
      rssi: r.rssi ?? NaN,
      ts: r.ts,
      arrival: r.arrival,
      readerTs: NaN,
      count: r.count,
    }));
  }

  /** Drop what is too old or too much. Returns rows dropped. */
  prune(nowMs: number): number {
    let n = this.stmt.old.run(nowMs - this.maxAgeMs).changes;
    const { n: rows } = this.stmt.count.get() as { n: number };
    if (rows > this.maxRows) n += this.stmt.trim.run(rows - this.maxRows - 1).changes;
    this.counts.pruned += n;
    return n;
  }

  rows(): number {
    return (this.stmt.count.get() as { n: number }).n;
  }

  /** Payload bytes of the rows (text columns + 8 per numeric column; SQLite's page overhead not counted). */
  bytes(): number {
    return (this.stmt.size.get() as { b: number }).b;
  }
}
