// hub/feed — the change-feed outbox: switching recording on, reading what JetStream has not acknowledged, and
// removing rows once it has. The rows themselves are written by the triggers of schema.ts inside each change's own
// transaction; this file asserts what they promise (seqs gap-free from published_through + 1). Those triggers exist
// only while the database records: off (the default), they are dropped, so a change costs nothing for the feed; the
// transaction that switches recording on creates them, and nothing can switch it on without them.
import { FEED_VERSION, type FeedKind, type FeedRecord } from '../../protocols/feed/index.js';
import { isoTs } from '../../protocols/events/index.js';
import type { Db } from '../db/database.js';
import { invariant } from '../ledger/errors.js';
import { FEED_TRIGGERS, RECORDING_TRIGGERS, moveData, reservationData } from './schema.js';

interface StateRow {
  enabled: number;
  next_seq: number;
  published_through: number;
}

interface OutboxRow {
  seq: number;
  id: string;
  kind: FeedKind;
  committed_ms: number;
  data: string;
}

export interface FeedState {
  enabled: boolean;
  /** The seq the next change takes. */
  nextSeq: number;
  /** Every seq up to here is in JetStream. */
  publishedThrough: number;
  /** Rows waiting for JetStream's acknowledgement. */
  depth: number;
  /** When the oldest waiting change committed (ms), or null when none waits. */
  oldestMs: number | null;
}

export class FeedOutbox {
  constructor(
    private readonly db: Db,
    private readonly site: string,
  ) {
    const missing = this.missingTriggers();
    if (this.row().enabled === 1 && missing.length)
      throw new Error(
        `hub database: the change-feed triggers ${missing.join(', ')} are missing (a later migration dropped their table?): the feed would miss changes`,
      );
  }

  /**
   * Not recording (fleet off): drop the recording triggers, so a move's insert runs none (not even a WHEN that is
   * false: SQLite gives an insert that has a trigger a statement journal). In one write transaction that reads the
   * switch first: a hub that switched recording on meanwhile keeps them. Returns the number dropped.
   */
  dormant(): number {
    return this.db
      .transaction(() => {
        if (this.row().enabled === 1) return 0;
        const present = new Set(this.presentTriggers());
        const drop = Object.keys(RECORDING_TRIGGERS).filter((name) => present.has(name));
        for (const name of drop) this.db.exec(`DROP TRIGGER ${name}`);
        return drop.length;
      })
      .immediate();
  }

  state(): FeedState {
    const s = this.row();
    const q = this.db.prepare('SELECT COUNT(*) AS n, MIN(committed_ms) AS oldest FROM feed_outbox').get() as { n: number; oldest: number | null };
    return { enabled: s.enabled === 1, nextSeq: s.next_seq, publishedThrough: s.published_through, depth: q.n, oldestMs: q.oldest };
  }

  /**
   * Start recording changes. The first time, every move already in the ledger is queued first (in move order), in
   * the same transaction, so the fleet sees the site's whole stock history, then every hold still pending. Once on it
   * stays on: a change made while the feed was off would be missing from the fleet with no gap to show it. Returns the
   * number of records backfilled.
   */
  enable(): number {
    return this.db.transaction(() => {
      const s = this.row();
      if (s.enabled === 1) return 0;
      invariant(s.next_seq === 1, `feed_state: disabled with next_seq ${s.next_seq}: the feed was switched off after recording`);
      const present = new Set(this.presentTriggers());
      for (const [name, sql] of Object.entries(RECORDING_TRIGGERS)) if (!present.has(name)) this.db.exec(sql);
      const missing = this.missingTriggers();
      invariant(missing.length === 0, `feed: switching recording on without the triggers ${missing.join(', ')}`);
      this.db.prepare('UPDATE feed_state SET enabled = 1').run();
      const insert = this.db.prepare(`INSERT INTO feed_outbox (seq, id, kind, committed_ms, data)
        SELECT (SELECT next_seq FROM feed_state), m.id, 'move', m.posted_ms, json(${moveData('m')}) FROM moves m WHERE m.seq = ?`);
      const bump = this.db.prepare('UPDATE feed_state SET next_seq = next_seq + 1');
      let n = 0;
      for (const seq of this.db.prepare('SELECT seq FROM moves ORDER BY seq').pluck().all() as number[]) {
        insert.run(seq);
        bump.run();
        n++;
      }
      // Holds still pending lower the site's available stock: the fleet must see them too.
      const hold = this.db.prepare(`INSERT INTO feed_outbox (seq, id, kind, committed_ms, data)
        SELECT (SELECT next_seq FROM feed_state), 'reservation:' || r.id || ':pending:' || (SELECT next_seq FROM feed_state), 'reservation', r.created_ms, json(${reservationData('r')})
        FROM reservations r WHERE r.id = ?`);
      for (const id of this.db.prepare("SELECT id FROM reservations WHERE state = 'pending' ORDER BY created_ms, id").pluck().all() as string[]) {
        hold.run(id);
        bump.run();
        n++;
      }
      return n;
    })();
  }

  /** Up to `limit` records JetStream has not acknowledged, oldest first; asserts they follow published_through gap-free. */
  pending(limit: number): FeedRecord[] {
    const s = this.row();
    const rows = this.db.prepare('SELECT seq, id, kind, committed_ms, data FROM feed_outbox ORDER BY seq LIMIT ?').all(limit) as OutboxRow[];
    let expect = s.published_through + 1;
    for (const r of rows) {
      invariant(r.seq === expect, `feed_outbox: seq ${r.seq} follows ${expect - 1}: a change is missing from the site's feed`);
      expect++;
    }
    invariant(rows.length === limit || expect === s.next_seq, `feed_outbox: rows end at ${expect - 1} but next_seq is ${s.next_seq}`);
    return rows.map(
      (r) => ({ v: FEED_VERSION, site: this.site, seq: r.seq, id: r.id, ts: isoTs(r.committed_ms), kind: r.kind, data: JSON.parse(r.data) }) as FeedRecord,
    );
  }

  /** JetStream acknowledged every record up to `seq`: they leave the outbox. */
  acknowledged(seq: number): void {
    this.db.transaction(() => {
      const s = this.row();
      invariant(seq < s.next_seq, `feed: acknowledgement of seq ${seq}, never handed out (next ${s.next_seq})`);
      if (seq <= s.published_through) return;
      this.db.prepare('DELETE FROM feed_outbox WHERE seq <= ?').run(seq);
      this.db.prepare('UPDATE feed_state SET published_through = ?').run(seq);
    })();
  }

  private presentTriggers(): string[] {
    return this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'feed_%'").pluck().all() as string[];
  }

  private missingTriggers(): string[] {
    const present = new Set(this.presentTriggers());
    return FEED_TRIGGERS.filter((t) => !present.has(t));
  }

  private row(): StateRow {
    return this.db.prepare('SELECT enabled, next_seq, published_through FROM feed_state').get() as StateRow;
  }
}
