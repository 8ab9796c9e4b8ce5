// scripts/e2e/site — after a run: the hub's database (opened read-only) against the simulator's expected ledgers, and
// the ledger's own invariants through `dockgate-hub check`. Each finding is one line saying what differs.
import Database from 'better-sqlite3';
import type { ExpectedLedger } from './expected.js';

export type HubDb = Database.Database;

export function openHubDb(path: string): HubDb {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  return db;
}

/** Where the hub has each of `epcs` (absent = never moved). */
export function hubLocations(db: HubDb, epcs: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const q = db.prepare('SELECT epc, location FROM serials WHERE epc = ?');
  for (const e of epcs) {
    const r = q.get(e) as { epc: string; location: string } | undefined;
    if (r) out.set(e, r.location);
  }
  return out;
}

export interface Finding {
  check: string;
  detail: string;
}

const SHOW = 8;

/** The hub's serials, balances and move count against an expected ledger. */
export function compareLedger(db: HubDb, expected: ExpectedLedger, label: string, epcs: readonly string[], apiMoves: number): Finding[] {
  const out: Finding[] = [];
  const at = hubLocations(db, epcs);
  const wrong: string[] = [];
  for (const e of epcs) {
    const want = expected.locationOf(e);
    const got = at.get(e) ?? 'supplier';
    if (want !== got) wrong.push(`${e}: expected ${want}, hub has ${got}`);
  }
  if (wrong.length) out.push({ check: `${label}: serial locations`, detail: `${wrong.length} unit(s) differ: ${wrong.slice(0, SHOW).join('; ')}${wrong.length > SHOW ? ' …' : ''}` });

  const hubBal = new Map<string, number>();
  for (const r of db.prepare("SELECT b.sku, b.location, b.qty FROM balances b JOIN locations l ON l.id = b.location WHERE l.virtual = 0 AND b.qty <> 0").all() as Array<{ sku: string; location: string; qty: number }>) {
    hubBal.set(`${r.sku}@${r.location}`, r.qty);
  }
  const want = expected.balances();
  const diffs: string[] = [];
  for (const k of new Set([...want.keys(), ...hubBal.keys()])) if ((want.get(k) ?? 0) !== (hubBal.get(k) ?? 0)) diffs.push(`${k}: expected ${want.get(k) ?? 0}, hub ${hubBal.get(k) ?? 0}`);
  if (diffs.length) out.push({ check: `${label}: on-hand per SKU and location`, detail: diffs.slice(0, SHOW).join('; ') });

  const eventMoves = (db.prepare('SELECT count(*) AS n FROM moves WHERE event_id IS NOT NULL').get() as { n: number }).n;
  const all = (db.prepare('SELECT count(*) AS n FROM moves').get() as { n: number }).n;
  if (all !== expected.moves) out.push({ check: `${label}: number of moves`, detail: `expected ${expected.moves} (${expected.moves - apiMoves} from passes, ${apiMoves} by REST), hub has ${all} (${eventMoves} from events)` });
  return out;
}

/** No event applied twice, no move posted twice for one event or one idempotency key. */
export function duplicateMoves(db: HubDb): Finding[] {
  const out: Finding[] = [];
  const dupEvents = db.prepare('SELECT event_id, count(*) AS n FROM moves WHERE event_id IS NOT NULL GROUP BY event_id HAVING n > 1').all() as Array<{ event_id: string; n: number }>;
  if (dupEvents.length) out.push({ check: 'no duplicate moves', detail: `${dupEvents.length} event id(s) moved stock more than once, e.g. ${dupEvents.slice(0, SHOW).map((d) => `${d.event_id}×${d.n}`).join(', ')}` });
  // A unit moved twice by two different events of one physical pass would show as two moves of one EPC with the same
  // from/to back to back; the serial state machine forbids it, and this looks for it directly.
  const doubled = db.prepare(
    `SELECT a.epc, a.id AS first, b.id AS second FROM moves a JOIN moves b ON b.epc = a.epc AND b.seq > a.seq
       AND b.from_location = a.from_location AND b.to_location = a.to_location
       AND NOT EXISTS (SELECT 1 FROM moves c WHERE c.epc = a.epc AND c.seq > a.seq AND c.seq < b.seq)
     WHERE a.epc IS NOT NULL LIMIT 10`,
  ).all() as Array<{ epc: string; first: string; second: string }>;
  if (doubled.length) out.push({ check: 'no duplicate moves', detail: `unit moved the same way twice in a row: ${doubled.map((d) => `${d.epc} (${d.first}, ${d.second})`).join('; ')}` });
  return out;
}

/** Inventory value per SKU must be its on-hand units at the standard cost (every receipt in the day is at standard cost). */
export function valuationAtStandardCost(db: HubDb, unitCost: number): Finding[] {
  const rows = db.prepare('SELECT sku, qty, value FROM valuations').all() as Array<{ sku: string; qty: number; value: number }>;
  const bad = rows.filter((r) => r.value !== r.qty * unitCost);
  return bad.length ? [{ check: 'valuation', detail: bad.map((r) => `${r.sku}: ${r.qty} units valued ${r.value}, expected ${r.qty * unitCost}`).join('; ') }] : [];
}

export function deadLetters(db: HubDb): Array<{ gateway: string | null; reason: string }> {
  return db.prepare('SELECT gateway, reason FROM dead_letters ORDER BY id').all() as Array<{ gateway: string | null; reason: string }>;
}

export function reportedGaps(db: HubDb): Array<{ gateway: string; fromSeq: number; toSeq: number; reason: string | null }> {
  return db.prepare("SELECT gateway, from_seq AS fromSeq, to_seq AS toSeq, reason FROM stream_gaps WHERE kind = 'reported'").all() as Array<{ gateway: string; fromSeq: number; toSeq: number; reason: string | null }>;
}

export function missingGaps(db: HubDb): Array<{ gateway: string; fromSeq: number; toSeq: number }> {
  return db.prepare("SELECT gateway, from_seq AS fromSeq, to_seq AS toSeq FROM stream_gaps WHERE kind = 'missing'").all() as Array<{ gateway: string; fromSeq: number; toSeq: number }>;
}

/** Passes a door refused (claims by a receipt — units held on a variance — are counted apart, by `claimedPasses`). */
export function doorExceptions(db: HubDb): Array<{ door: string; outcome: string; message: string | null }> {
  return db.prepare("SELECT door, outcome, message FROM door_activity WHERE outcome NOT IN ('moved', 'repeat') AND outcome NOT LIKE 'claimed:%'").all() as Array<{ door: string; outcome: string; message: string | null }>;
}

/** Passes a receipt claimed without a move (units held on its variance). */
export function claimedPasses(db: HubDb): Array<{ door: string; epc: string | null; outcome: string; message: string | null }> {
  return db.prepare("SELECT door, epc, outcome, message FROM door_activity WHERE outcome LIKE 'claimed:%' AND move_id IS NULL").all() as Array<{ door: string; epc: string | null; outcome: string; message: string | null }>;
}

/** Passes the hub applied (from its inbox and door activity): to fill the observer's holes, reported as such. */
export function hubPass(db: HubDb, eventId: string): { epc: string; door: string; direction: string; occurred_at: string } | undefined {
  return db.prepare("SELECT epc, door, direction, occurred_at FROM door_activity WHERE event_id = ? AND kind = 'pass'").get(eventId) as { epc: string; door: string; direction: string; occurred_at: string } | undefined;
}

/** An event the hub applied: its id, its seq in its stream, its kind as on the wire. */
export interface AppliedRow {
  event_id: string;
  seq: number;
  kind: string;
}

/**
 * Every event of `stream` the hub applied, in seq order: passes, scans and zone events by their door activity row (the
 * ingest's record of them: no inbox row), other kinds by their inbox row.
 */
export function appliedEvents(db: HubDb, stream: string): AppliedRow[] {
  return db
    .prepare(
      `SELECT event_id, seq, kind FROM inbox WHERE stream = ?
       UNION ALL SELECT event_id, stream_seq, CASE kind WHEN 'scan' THEN 'scan' ELSE 'tag.' || kind END FROM door_activity WHERE stream = ?
       ORDER BY seq`,
    )
    .all(stream, stream) as AppliedRow[];
}

/** The events of `stream` at `seqs` the hub applied. */
export function appliedAt(db: HubDb, stream: string, seqs: number[]): AppliedRow[] {
  const bySeq = new Map(appliedEvents(db, stream).map((r) => [r.seq, r]));
  return seqs.flatMap((s) => bySeq.get(s) ?? []);
}

/** Whether the hub applied the event with this id (by its door activity row, or its inbox row). */
export function hubApplied(db: HubDb): (eventId: string) => boolean {
  const q = db.prepare('SELECT 1 FROM door_activity WHERE event_id = ? UNION ALL SELECT 1 FROM inbox WHERE event_id = ?').pluck();
  return (id) => q.get(id, id) !== undefined;
}

/** Each cycle count's result as the hub settled it (book, counted, difference) against what the day counted. */
export function compareCounts(db: HubDb, counts: ReadonlyArray<{ id: number; sku: string; book: number; counted: number }>): Finding[] {
  const q = db.prepare('SELECT book, counted, difference FROM count_results WHERE count = ? AND sku = ?');
  const bad: string[] = [];
  for (const c of counts) {
    const r = q.get(c.id, c.sku) as { book: number; counted: number; difference: number } | undefined;
    const want = `book ${c.book}, counted ${c.counted}, difference ${c.counted - c.book}`;
    const got = r ? `book ${r.book}, counted ${r.counted}, difference ${r.difference}` : 'no result';
    if (want !== got) bad.push(`count ${c.id} of ${c.sku}: expected ${want}; hub: ${got}`);
  }
  return bad.length ? [{ check: 'cycle counts', detail: bad.slice(0, SHOW).join('; ') }] : [];
}

/** A scan the hub applied (from its door activity): to fill the observer's holes. */
export function hubScan(db: HubDb, eventId: string): { door: string; gtin: string | null; qty: number; occurred_at: string } | undefined {
  return db.prepare("SELECT door, gtin, qty, occurred_at FROM door_activity WHERE event_id = ? AND kind = 'scan'").get(eventId) as { door: string; gtin: string | null; qty: number; occurred_at: string } | undefined;
}
