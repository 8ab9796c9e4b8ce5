// hub/ledger — the ledger check (`dockgate-hub check`): recompute everything derived from the immutable moves —
// balances, cost layers, valuation, each unit's location — and report every difference from what is stored.
import type { Db } from '../db/database.js';
import type { MoveRow } from './moves.js';
import { LedgerReplay, snapshotSeq } from './replay.js';

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

export function checkLedger(db: Db, scope: CheckScope = { full: true }): CheckReport {
  // `AND sku IN (…)` on every read when the check covers some SKUs only (moves by the moves_sku index).
  const { only, args } = narrowing(scope);
  const differences: Difference[] = [];
  // Replay the moves after the closed period's snapshot (every move when none is closed), in posting order.
  const replay = LedgerReplay.forDb(db, (d) => differences.push(d));
  const fromSeq = snapshotSeq(db);
  if (fromSeq > 0) replay.loadSnapshot(db, only('sku'), args);
  for (const m of db.prepare(`SELECT * FROM moves WHERE seq > ?${only('sku')} ORDER BY seq`).iterate(fromSeq, ...args) as IterableIterator<MoveRow>)
    replay.apply(m);
  return compareWithStored(db, scope, replay, differences);
}

function narrowing(scope: CheckScope): { only: (col: string) => string; args: unknown[] } {
  return { only: (col) => (scope.full ? '' : ` AND ${col} IN (SELECT value FROM json_each(?))`), args: scope.full ? [] : [JSON.stringify(scope.skus)] };
}

/** What the replay needs from the catalog (locations, cost methods): a change while a sliced check replays restarts it. */
function catalogPrint(db: Db): string {
  const locs = db.prepare('SELECT id, virtual, allow_negative FROM locations ORDER BY id').raw().all();
  const items = db.prepare('SELECT sku, cost_method FROM items ORDER BY sku').raw().all();
  return JSON.stringify([locs, items]);
}

/**
 * The full check in slices, for a caller that must let other work run between them (a period close in the running
 * hub): the moves after the snapshot are replayed `chunk` at a time outside any transaction — they never change while
 * the snapshot stays — yielding the seq reached after each slice; then, in ONE read transaction, the moves posted
 * since are replayed and everything is compared, as checkLedger does. Should the snapshot or the catalog change
 * between slices (a close by the CLI, a new item), that transaction checks from scratch instead. Returns the newest
 * move checked and the report.
 */
export function* checkLedgerSliced(db: Db, chunk: number): Generator<number, { toSeq: number; report: CheckReport }> {
  if (!(chunk >= 1)) throw new RangeError(`check slice must be at least 1 move, got ${chunk}`);
  const differences: Difference[] = [];
  const replay = LedgerReplay.forDb(db, (d) => differences.push(d));
  const print = catalogPrint(db);
  const fromSeq = snapshotSeq(db);
  if (fromSeq > 0) replay.loadSnapshot(db, '', []);
  const page = db.prepare('SELECT * FROM moves WHERE seq > ? ORDER BY seq LIMIT ?');
  let seq = fromSeq;
  for (let rows = page.all(seq, chunk) as MoveRow[]; rows.length === chunk; rows = page.all(seq, chunk) as MoveRow[]) {
    for (const m of rows) replay.apply(m);
    seq = rows[rows.length - 1]!.seq;
    yield seq;
  }
  return db.transaction(() => {
    const toSeq = db.prepare('SELECT COALESCE(MAX(seq), 0) FROM moves').pluck().get() as number;
    if (snapshotSeq(db) !== fromSeq || catalogPrint(db) !== print) return { toSeq, report: checkLedger(db) };
    for (const m of db.prepare('SELECT * FROM moves WHERE seq > ? ORDER BY seq').iterate(seq) as IterableIterator<MoveRow>) replay.apply(m);
    return { toSeq, report: compareWithStored(db, { full: true }, replay, differences) };
  })();
}

/** Everything stored that the moves determine, against the replay of them; `differences` already holds the replay's. */
function compareWithStored(db: Db, scope: CheckScope, replay: LedgerReplay, differences: Difference[]): CheckReport {
  const { only, args } = narrowing(scope);
  const diff = (d: Difference) => differences.push(d);
  const { locs, methods, balances, valued, units } = replay;

  // Balances: stored vs recomputed, zero-sum per SKU, the negative on-hand policy.
  const stored = new Map(
    (db.prepare(`SELECT sku, location, qty FROM balances WHERE 1${only('sku')}`).all(...args) as Array<{ sku: string; location: string; qty: number }>).map(
      (b) => [`${b.sku}\0${b.location}`, b.qty],
    ),
  );
  const sums = new Map<string, number>();
  for (const key of new Set([...stored.keys(), ...balances.keys()])) {
    const [sku, location] = key.split('\0') as [string, string];
    const want = balances.get(key) ?? 0;
    const have = stored.get(key) ?? 0;
    if (want !== have)
      diff({ check: 'balance', sku, location, expected: want, actual: have, message: `balance of ${sku} at ${location} is ${have}, the moves give ${want}` });
    sums.set(sku, (sums.get(sku) ?? 0) + have);
    const loc = locs.get(location);
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

  // Valuation: table vs replay vs real on-hand vs stored layers; stored layers vs replayed layers.
  const realOnHand = new Map<string, number>();
  for (const [key, q] of balances) {
    const [sku, location] = key.split('\0') as [string, string];
    if (!locs.get(location)!.virtual) realOnHand.set(sku, (realOnHand.get(sku) ?? 0) + q);
  }
  const storedLayers = new Map<string, Array<{ unitCost: number; qty: number; value: number }>>();
  for (const l of db
    .prepare(
      `SELECT sku, unit_cost AS unitCost, remaining_qty AS qty, remaining_value AS value FROM cost_layers WHERE remaining_qty <> 0${only('sku')} ORDER BY id`,
    )
    .all(...args) as Array<{ sku: string; unitCost: number; qty: number; value: number }>) {
    const list = storedLayers.get(l.sku) ?? [];
    list.push({ unitCost: l.unitCost, qty: l.qty, value: l.value });
    storedLayers.set(l.sku, list);
  }
  const valuations = db.prepare(`SELECT sku, qty, value FROM valuations WHERE 1${only('sku')}`).all(...args) as Array<{
    sku: string;
    qty: number;
    value: number;
  }>;
  for (const v of valuations) {
    const want = valued.get(v.sku) ?? { qty: 0, value: 0 };
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
  if (scope.full && valuations.length !== methods.size)
    diff({ check: 'valuation', expected: methods.size, actual: valuations.length, message: `${methods.size} items but ${valuations.length} valuation rows` });

  // Units: where each EPC is.
  const serials = db.prepare(`SELECT epc, sku, location, state, last_move_id, last_move_seq FROM serials WHERE 1${only('sku')}`).all(...args) as Array<{
    epc: string;
    sku: string;
    location: string;
    state: string;
    last_move_id: string;
    last_move_seq: number | null;
  }>;
  for (const s of serials) {
    const unit = units.get(s.epc);
    const want = unit && { sku: unit.sku, location: unit.location, state: LedgerReplay.unitState(unit), lastMoveId: unit.moveId, lastMoveSeq: unit.seq };
    const have = { sku: s.sku, location: s.location, state: s.state, lastMoveId: s.last_move_id, lastMoveSeq: s.last_move_seq };
    if (JSON.stringify(want) !== JSON.stringify(have))
      diff({
        check: 'serial',
        sku: s.sku,
        epc: s.epc,
        expected: want ?? null,
        actual: have,
        message: `EPC ${s.epc} is recorded at ${s.location} (${s.state}); its moves put it at ${want ? `${want.location} (${want.state})` : 'nowhere'}`,
      });
    units.delete(s.epc);
  }
  for (const [epc, unit] of units)
    diff({ check: 'serial', sku: unit.sku, epc, expected: unit.location, actual: null, message: `EPC ${epc} has moves but no serial record` });

  // Holds: a posted hold names the move that posted it, and that move names the hold and fits in it.
  const posted = db
    .prepare(
      `SELECT r.id, r.sku, r.qty, r.move_id, m.reservation_id AS move_reservation, m.qty AS move_qty, m.sku AS move_sku
                             FROM reservations r LEFT JOIN moves m ON m.id = r.move_id WHERE r.state = 'posted'${only('r.sku')}`,
    )
    .all(...args) as Array<{
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

  return { ok: differences.length === 0, moves: replay.moves, skus: scope.full ? methods.size : scope.skus.length, differences };
}
