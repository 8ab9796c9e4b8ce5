// hub/receiving — units received against a purchase order line: the net of the PO's receipt moves of the SKU, read
// incrementally. A receipt open at a door asks at every unit that passes, so summing the PO's moves at each ask made a
// catch-up into one open PO quadratic (the n-th unit read the n−1 before it). Each connection remembers, per PO and
// SKU, the sum up to the last move it counted and, next time, reads only the PO's moves posted after it.
import type { Db } from '../db/database.js';
import { VIRTUAL } from '../ledger/index.js';
import { stmt } from '../ledger/statements.js';

/** The sum of a PO line's receipt moves up to and including move `seq`, whose id was `id` when it was counted. */
interface Counted {
  seq: number;
  id: string;
  n: number;
}

const counted = new WeakMap<Db, Map<string, Counted>>();
/** PO lines remembered per connection: the most recently asked (a PO closes and is never asked again; a miss reads whole). */
const REMEMBERED = 1024;

/**
 * Net units of a SKU received against a PO: receipts from the supplier minus those driven back out. Moves are never
 * updated and take increasing seqs, and a rolled-back savepoint takes away a suffix of them: while the last move
 * counted is still there under its id, every move before it is as it was, and only later seqs need reading (one seek
 * on moves_reference). Otherwise (rolled back, its seq reused by another move, or archived by a period close) the sum
 * is read again from the PO's first live move, as before.
 */
export function receivedQty(db: Db, po: string, sku: string): number {
  let memo = counted.get(db);
  if (!memo) counted.set(db, (memo = new Map()));
  const key = `${po}\n${sku}`;
  let from = memo.get(key);
  memo.delete(key); // set again below: the Map's order is then the order the lines were last asked
  if (from && stmt(db, 'SELECT id FROM moves WHERE seq = ?').pluck().get(from.seq) !== from.id) from = undefined;
  // With one max() in the query, SQLite takes the bare column (id) from the row holding it.
  const r = stmt(
    db,
    `SELECT COALESCE(SUM(CASE WHEN from_location = @supplier THEN qty WHEN to_location = @supplier THEN -qty ELSE 0 END), 0) AS n,
            MAX(seq) AS seq, id
       FROM moves WHERE reference = @po AND seq > @after AND sku = @sku AND reason = 'receipt'`,
  ).get({ po, sku, after: from?.seq ?? 0, supplier: VIRTUAL.supplier }) as { n: number; seq: number | null; id: string | null };
  const n = (from?.n ?? 0) + r.n;
  if (r.seq !== null && r.id !== null) memo.set(key, { seq: r.seq, id: r.id, n });
  else if (from) memo.set(key, from);
  if (memo.size > REMEMBERED) memo.delete(memo.keys().next().value!);
  return n;
}
