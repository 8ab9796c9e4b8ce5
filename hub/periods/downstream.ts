// hub/periods — where the downstream readers of the ledger are (SQL): the ERP hand-off's moves cursor and the partner
// outbox (hub/partners), the fleet change feed's outbox (hub/feed) and channel sync (hub/channels). A close must not
// archive what one of them has still to read; a room that is not installed in this database has nothing to read.
import type { Db } from '../db/database.js';
import { isoTs } from '../../protocols/events/index.js';
import type { DownstreamCursor } from './plan.js';

const hasTable = (db: Db, name: string) => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;

/** Each installed reader's position against a cut-off at move `cutSeq` / time `throughMs`. */
export function downstreamCursors(db: Db, cutSeq: number, throughMs: number): DownstreamCursor[] {
  const out: DownstreamCursor[] = [];
  if (hasTable(db, 'erp_cursor')) {
    for (const c of db.prepare('SELECT name, seq FROM erp_cursor ORDER BY name').all() as Array<{ name: string; seq: number }>) {
      out.push({ name: `ERP cursor ${c.name}`, behind: c.seq < cutSeq, detail: `it has queued moves through seq ${c.seq}, the period ends at seq ${cutSeq}` });
    }
  }
  if (hasTable(db, 'partner_outbox')) {
    const p = db.prepare("SELECT COUNT(*) AS n, MIN(key) AS first FROM partner_outbox WHERE status = 'pending' AND created_ms < ?").get(throughMs) as {
      n: number;
      first: string | null;
    };
    out.push({
      name: 'partner outbox',
      behind: p.n > 0,
      detail: p.n > 0 ? `${p.n} document(s) queued before ${isoTs(throughMs)} not yet delivered (first: ${p.first})` : 'delivered',
    });
  }
  if (hasTable(db, 'feed_outbox')) {
    const s = db.prepare('SELECT enabled, published_through FROM feed_state').get() as { enabled: number; published_through: number } | undefined;
    const f = db
      .prepare('SELECT COUNT(*) AS n FROM feed_outbox WHERE committed_ms < ? OR id IN (SELECT id FROM moves WHERE seq <= ?)')
      .get(throughMs, cutSeq) as { n: number };
    const where = `published through feed seq ${s?.published_through ?? 0}`;
    out.push({
      name: 'hub feed cursor',
      behind: f.n > 0,
      detail: f.n > 0 ? `${f.n} change(s) of the period not yet acknowledged by JetStream (${where})` : s?.enabled ? where : 'off',
    });
  }
  if (hasTable(db, 'channel_sync')) {
    type Row = { channel: string; n: number; since: number };
    for (const r of db
      .prepare(
        'SELECT channel, COUNT(*) AS n, MIN(unsynced_since) AS since FROM channel_sync WHERE unsynced_since IS NOT NULL AND unsynced_since < ? GROUP BY channel ORDER BY channel',
      )
      .all(throughMs) as Row[]) {
      out.push({ name: `channel sync ${r.channel}`, behind: true, detail: `${r.n} SKU(s) unsynced since ${isoTs(r.since)}, before the cut-off` });
    }
  }
  return out;
}
