// hub/ledger — the ledger check (`dockgate-hub check`): recompute everything derived from the immutable moves —
// balances, cost layers, valuation, each unit's location — and report every difference from what is stored. The full
// check goes SKU by SKU, so its memory is one SKU's state whatever the ledger's size.
import type { Db } from '../db/database.js';
import type { MoveRow } from './moves.js';
import { LedgerReplay, snapshotSeq } from './replay.js';
import { stmt } from './statements.js';

export type CheckName = 'balance' | 'zero_sum' | 'negative_on_hand' | 'move_value' | 'layers' | 'valuation' | 'serial' | 'reservation';

export interface Difference {
  check: CheckName;
  sku?: string;
  location?: string;
  epc?: string;
  moveId?: string;
  expected: unknown;
  actual: unknown;
  message: string;
}

export interface CheckReport {
  ok: boolean;
  moves: number;
  skus: number;
  differences: Difference[];
}

/**
 * What a check covers: every SKU (the full check), or only the named SKUs — their balances, zero-sum, move values,
 * cost layers, valuation, units (a unit's chain stays within its SKU) and posted holds, each recomputed from all of
 * that SKU's moves. Catalog-wide facts (one valuation row per item) belong to the full check only.
 */
export type CheckScope = { full: true } | { full: false; skus: readonly string[] };

/** Reads narrowed to some SKUs: ` AND col = ?` for one (an index seek), ` AND col IN (…)` for several; nothing for all. */
export interface Narrow {
  only: (col: string) => string;
  args: unknown[];
}

export function narrow(scope: CheckScope): Narrow {
  if (scope.full) return { only: () => '', args: [] };
  if (scope.skus.length === 1) return { only: (col) => ` AND ${col} = ?`, args: [scope.skus[0]] };
  return { only: (col) => ` AND ${col} IN (SELECT value FROM json_each(?))`, args: [JSON.stringify(scope.skus)] };
}

/**
 * The full check runs SKU by SKU — every SKU a ledger table names, in order, each replayed from its own moves (by the
 * moves_sku index, in posting order) and compared with its stored rows — so what it holds is one SKU's balances, layers
 * and units, not the ledger's: its memory does not grow with the moves (a unit's chain stays within its SKU: posting
 * refuses an EPC under another SKU). Catalog-wide facts (one valuation row per item) and posted holds are read once.
 */
export function checkLedger(db: Db, scope: CheckScope = { full: true }): CheckReport {
  const differences: Difference[] = [];
  const diff = (d: Difference) => differences.push(d);
  const { locs, methods } = LedgerReplay.catalog(db);
  const fromSeq = snapshotSeq(db);
  let moves = 0;
  if (scope.full) {
    for (const sku of everySku(db)) moves += checkSkus(db, new LedgerReplay(locs, methods, diff), narrow({ full: false, skus: [sku] }), fromSeq);
    checkValuationRows(db, methods.size, diff);
  } else {
    moves = checkSkus(db, new LedgerReplay(locs, methods, diff), narrow(scope), fromSeq);
  }
  checkHolds(db, narrow(scope), diff);
  return { ok: differences.length === 0, moves, skus: scope.full ? methods.size : scope.skus.length, differences };
}

/** Tables whose rows name a SKU, each with an index led by sku: a SKU any of them names is one the full check covers. */
const SKU_TABLES = [
  'items',
  'moves',
  'balances',
  'valuations',
  'serials',
  'ledger_snapshot_balances',
  'ledger_snapshot_valuations',
  'ledger_snapshot_layers',
  'ledger_snapshot_units',
];

/** Every SKU the ledger's tables name, in order, one index seek per table per SKU (nothing held but the last). */
function* everySku(db: Db): Generator<string> {
  const min = (where: string) =>
    db.prepare(`SELECT MIN(s) FROM (${SKU_TABLES.map((t) => `SELECT MIN(sku) AS s FROM ${t}${where}`).join(' UNION ALL ')})`).pluck();
  const after = min(' WHERE sku > @after');
  for (let sku = min('').get() as string | null; sku !== null; sku = after.get({ after: sku }) as string | null) yield sku;
}

/**
 * Replay the SKUs' moves (after the closed period's snapshot, from it when one is closed; every move when none is),
 * in posting order, and compare balances, valuation, cost layers and units with what is stored. Returns the moves
 * replayed.
 */
function checkSkus(db: Db, replay: LedgerReplay, { only, args }: Narrow, fromSeq: number): number {
  if (fromSeq > 0) replay.loadSnapshot(db, only('sku'), args);
  for (const m of stmt(db, `SELECT * FROM moves WHERE seq > ?${only('sku')} ORDER BY seq`).iterate(fromSeq, ...args) as IterableIterator<MoveRow>)
    replay.apply(m);
  compareWithStored(db, replay, { only, args });
  return replay.moves;
}

/** Balances, valuation, cost layers and units as stored, against the replay (the SKUs `only` narrows to). */
function compareWithStored(db: Db, replay: LedgerReplay, { only, args }: Narrow): void {
  checkBalances(db, replay, only, args);
  checkValuation(db, replay, only, args);
  checkUnits(db, replay, only, args);
}

/**
 * What the replay of the SKUs `only` narrows to needs from the catalog (locations, their cost methods; every item for
 * the full check): a change while a sliced check replays restarts it.
 */
export function catalogPrint(db: Db, { only, args }: Narrow): string {
  const locs = stmt(db, 'SELECT id, virtual, allow_negative FROM locations ORDER BY id').raw().all();
  const items = stmt(db, `SELECT sku, cost_method FROM items WHERE 1${only('sku')} ORDER BY sku`)
    .raw()
    .all(...args);
  return JSON.stringify([locs, items]);
}

/**
 * The full check in slices, for a caller that must let other work run between them (a period close): the moves after
 * the snapshot are replayed at most `chunk` per slice outside any transaction — they never change while the snapshot
 * stays — yielding the seq reached after each slice; then, in ONE read transaction, the moves posted since are
 * replayed and everything is compared, as checkLedger does. Should the snapshot or the catalog change between slices
 * (a close by the CLI, a new item), that transaction checks from scratch instead. Returns the newest move in the
 * ledger then and the report. The moves are replayed in posting order, holding the whole ledger's replayed state
 * (unlike checkLedger's SKU-by-SKU pass). (The running hub's incremental check resumes each SKU instead:
 * check-resume.ts.)
 */
export function* checkLedgerSliced(db: Db, chunk: number): Generator<number, { toSeq: number; report: CheckReport }> {
  if (!(chunk >= 1)) throw new RangeError(`check slice must be at least 1 move, got ${chunk}`);
  const differences: Difference[] = [];
  const diff = (d: Difference) => differences.push(d);
  const replay = LedgerReplay.forDb(db, diff);
  const all = narrow({ full: true });
  const print = catalogPrint(db, all);
  const fromSeq = snapshotSeq(db);
  if (fromSeq > 0) replay.loadSnapshot(db, all.only('sku'), all.args);
  let seq = fromSeq;
  const page = (limit: number) => stmt(db, 'SELECT * FROM moves WHERE seq > ? ORDER BY seq LIMIT ?').all(seq, limit) as MoveRow[];
  for (let rows = page(chunk); ; rows = page(chunk)) {
    for (const m of rows) replay.apply(m);
    if (rows.length > 0) seq = rows[rows.length - 1]!.seq;
    if (rows.length < chunk) break; // a short page: the replay is done for now
    yield seq;
  }
  // The last page was short, so the final step (in the same slice) replays only what another process posted since.
  return db.transaction(() => {
    const toSeq = db.prepare('SELECT COALESCE(MAX(seq), 0) FROM moves').pluck().get() as number;
    if (snapshotSeq(db) !== fromSeq || catalogPrint(db, all) !== print) return { toSeq, report: checkLedger(db) };
    for (const m of stmt(db, 'SELECT * FROM moves WHERE seq > ? ORDER BY seq').iterate(seq) as IterableIterator<MoveRow>) replay.apply(m);
    compareWithStored(db, replay, all);
    checkValuationRows(db, replay.methods.size, diff);
    checkHolds(db, all, diff);
    return { toSeq, report: { ok: differences.length === 0, moves: replay.moves, skus: replay.methods.size, differences } };
  })();
}

/** One valuation row per item (a catalog-wide fact: the full check only). */
function checkValuationRows(db: Db, items: number, diff: (d: Difference) => void): void {
  const rows = db.prepare('SELECT COUNT(*) FROM valuations').pluck().get() as number;
  if (rows !== items) diff({ check: 'valuation', expected: items, actual: rows, message: `${items} items but ${rows} valuation rows` });
}

/** Balances: stored vs recomputed, zero-sum per SKU, the negative on-hand policy. */
export function checkBalances(db: Db, replay: LedgerReplay, only: Narrow['only'], args: unknown[]): void {
  const diff = replay.diff;
  const stored = new Map(
    (stmt(db, `SELECT sku, location, qty FROM balances WHERE 1${only('sku')}`).all(...args) as Array<{ sku: string; location: string; qty: number }>).map(
      (b) => [`${b.sku}\0${b.location}`, b.qty],
    ),
  );
  const sums = new Map<string, number>();
  for (const key of new Set([...stored.keys(), ...replay.balances.keys()])) {
    const [sku, location] = key.split('\0') as [string, string];
    const want = replay.balances.get(key) ?? 0;
    const have = stored.get(key) ?? 0;
    if (want !== have)
      diff({ check: 'balance', sku, location, expected: want, actual: have, message: `balance of ${sku} at ${location} is ${have}, the moves give ${want}` });
    sums.set(sku, (sums.get(sku) ?? 0) + have);
    const loc = replay.locs.get(location);
    if (loc && !loc.allowNegative && have < 0)
      diff({
        check: 'negative_on_hand',
        sku,
        location,
        expected: '>= 0',
        actual: have,
        message: `${location} refuses negative on-hand but holds ${have} of ${sku}`,
      });
  }
  for (const [sku, sum] of sums) if (sum !== 0) diff({ check: 'zero_sum', sku, expected: 0, actual: sum, message: `balances of ${sku} sum to ${sum}, not 0` });
}

/** Valuation: table vs replay vs real on-hand vs stored layers; stored layers vs replayed layers. */
export function checkValuation(db: Db, replay: LedgerReplay, only: Narrow['only'], args: unknown[]): void {
  const diff = replay.diff;
  const realOnHand = new Map<string, number>();
  for (const [key, q] of replay.balances) {
    const [sku, location] = key.split('\0') as [string, string];
    if (!replay.locs.get(location)!.virtual) realOnHand.set(sku, (realOnHand.get(sku) ?? 0) + q);
  }
  const storedLayers = new Map<string, Array<{ unitCost: number; qty: number; value: number }>>();
  for (const l of stmt(
    db,
    `SELECT sku, unit_cost AS unitCost, remaining_qty AS qty, remaining_value AS value FROM cost_layers WHERE remaining_qty <> 0${only('sku')} ORDER BY id`,
  ).all(...args) as Array<{ sku: string; unitCost: number; qty: number; value: number }>) {
    const list = storedLayers.get(l.sku) ?? [];
    list.push({ unitCost: l.unitCost, qty: l.qty, value: l.value });
    storedLayers.set(l.sku, list);
  }
  const valuations = stmt(db, `SELECT sku, qty, value FROM valuations WHERE 1${only('sku')}`).all(...args) as Array<{
    sku: string;
    qty: number;
    value: number;
  }>;
  for (const v of valuations) {
    const want = replay.valued.get(v.sku) ?? { qty: 0, value: 0 };
    if (want.qty !== v.qty || want.value !== v.value) {
      diff({
        check: 'valuation',
        sku: v.sku,
        expected: want,
        actual: { qty: v.qty, value: v.value },
        message: `valuation of ${v.sku} is ${v.qty} units / ${v.value}, the moves give ${want.qty} / ${want.value}`,
      });
    }
    const onHand = realOnHand.get(v.sku) ?? 0;
    if (onHand !== v.qty)
      diff({
        check: 'valuation',
        sku: v.sku,
        expected: onHand,
        actual: v.qty,
        message: `valuation of ${v.sku} holds ${v.qty} units, its real locations ${onHand}`,
      });
    const mine = storedLayers.get(v.sku) ?? [];
    const sum = mine.reduce((s, l) => ({ qty: s.qty + l.qty, value: s.value + l.value }), { qty: 0, value: 0 });
    if (sum.qty !== v.qty || sum.value !== v.value) {
      diff({
        check: 'layers',
        sku: v.sku,
        expected: { qty: v.qty, value: v.value },
        actual: sum,
        message: `cost layers of ${v.sku} sum to ${sum.qty} units / ${sum.value}, the valuation says ${v.qty} / ${v.value}`,
      });
    }
    const replayed = replay.openLayersOf(v.sku).map((l) => ({ unitCost: l.unitCost, qty: l.qty, value: l.value }));
    if (JSON.stringify(replayed) !== JSON.stringify(mine)) {
      diff({ check: 'layers', sku: v.sku, expected: replayed, actual: mine, message: `open cost layers of ${v.sku} differ from a replay of its moves` });
    }
  }
}

/** A unit's serial row, as the check reads it. */
export interface SerialRow {
  epc: string;
  sku: string;
  location: string;
  state: string;
  last_move_id: string;
  last_move_seq: number | null;
}

export const SERIAL_COLUMNS = 'epc, sku, location, state, last_move_id, last_move_seq';

/** Units: where each EPC is. */
function checkUnits(db: Db, replay: LedgerReplay, only: Narrow['only'], args: unknown[]): void {
  for (const s of stmt(db, `SELECT ${SERIAL_COLUMNS} FROM serials WHERE 1${only('sku')}`).all(...args) as SerialRow[]) {
    checkUnit(replay, s.epc, s);
    replay.units.delete(s.epc);
  }
  for (const [epc, unit] of replay.units) checkUnit(replay, epc, undefined, unit);
}

/** One unit: its serial row (undefined: none) against where the replay put it. */
export function checkUnit(replay: LedgerReplay, epc: string, s: SerialRow | undefined, unit = replay.units.get(epc)): void {
  if (!s) {
    if (unit) replay.diff({ check: 'serial', sku: unit.sku, epc, expected: unit.location, actual: null, message: `EPC ${epc} has moves but no serial record` });
    return;
  }
  const want = unit && { sku: unit.sku, location: unit.location, state: LedgerReplay.unitState(unit), lastMoveId: unit.moveId, lastMoveSeq: unit.seq };
  const have = { sku: s.sku, location: s.location, state: s.state, lastMoveId: s.last_move_id, lastMoveSeq: s.last_move_seq };
  if (JSON.stringify(want) !== JSON.stringify(have))
    replay.diff({
      check: 'serial',
      sku: s.sku,
      epc: s.epc,
      expected: want ?? null,
      actual: have,
      message: `EPC ${s.epc} is recorded at ${s.location} (${s.state}); its moves put it at ${want ? `${want.location} (${want.state})` : 'nowhere'}`,
    });
}

/** Holds: a posted hold names the move that posted it, and that move names the hold and fits in it. */
export function checkHolds(db: Db, { only, args }: Narrow, diff: (d: Difference) => void): void {
  const posted = db
    .prepare(
      `SELECT r.id, r.sku, r.qty, r.move_id, m.reservation_id AS move_reservation, m.qty AS move_qty, m.sku AS move_sku
                             FROM reservations r LEFT JOIN moves m ON m.id = r.move_id WHERE r.state = 'posted'${only('r.sku')}`,
    )
    // a streamed read: posted holds are kept for good, so they grow with the ledger
    .iterate(...args) as IterableIterator<{
    id: string;
    sku: string;
    qty: number;
    move_id: string | null;
    move_reservation: string | null;
    move_qty: number | null;
    move_sku: string | null;
  }>;
  for (const r of posted) {
    if (r.move_reservation !== r.id || r.move_sku !== r.sku || (r.move_qty ?? Infinity) > r.qty) {
      diff({
        check: 'reservation',
        sku: r.sku,
        moveId: r.move_id ?? undefined,
        expected: { reservation: r.id, sku: r.sku, qtyAtMost: r.qty },
        actual: { reservation: r.move_reservation, sku: r.move_sku, qty: r.move_qty },
        message: `posted reservation ${r.id} does not match its move ${r.move_id ?? '(none)'}`,
      });
    }
  }
}
