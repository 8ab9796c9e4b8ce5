// scripts/bench — the growth bench's fixture: a hub database holding a ledger of N moves, built by bulk SQL
// (INSERT … SELECT over a counter, a million moves per transaction) through the hub's own migrations, and cached under
// .bench/growth/ keyed by size and a hash of every migration, so a rerun does not rebuild. The ledger is one that
// `dockgate-hub check --full` accepts: 10,000 SKUs (even ones serial-tracked with SGTIN-96 EPCs, odd ones by quantity,
// all FIFO at a fixed unit cost each), a year of moves in posting order, open FIFO layers, balances, valuations, the
// units' chains (prev_seq / last_move_seq), and one variance per 100 moves (the newest 1% open, the rest resolved).
//
// The moves come in rounds of 6; round r belongs to SKU r mod 10,000 and is that SKU's k-th round (k = r div 10,000).
//   serial SKU:   receive unit A(r), receive B(r), put both away (receiving → stock), ship A(r); ship B(r−10,000), the
//                 unit received in the SKU's previous round (k = 0: move B(r) to the reserve instead, so the SKU's
//                 first B ships from the reserve in round k = 1). A unit's history crosses 60,000 moves.
//   quantity SKU: receive 10, put away 10, ship 5, move 3 to the reserve, ship the 3 from the reserve, adjust 1 out.
// Any prefix of these rounds is a valid ledger, so N need not be a multiple of 6. Derived rows (balances, valuations,
// cost layers, serials) are computed from the same rules and verified by the check, which the bench runs.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { encodeSgtin } from '../../protocols/epc/index.js';
import { applyLocations, hubMigrations } from '../../hub/app.js';
import { parseHubConfig } from '../../hub/config/load.js';
import { migrate, openDatabase, type Db } from '../../hub/db/database.js';
import { hubModules } from '../../hub/modules.js';
import { benchSiteYaml } from './api.js';

export const SKUS = 10_000;
export const ROUND = 6;
export const T0 = Date.UTC(2025, 0, 1);
export const DAY_MS = 86_400_000;
export const DAYS = 365;
/** Moves per bulk INSERT transaction. */
const CHUNK = 1_000_000;
/** Bump when the generator's output changes (the cache key also covers every migration's SQL). */
const GENERATOR_VERSION = 2;

export const skuName = (s: number) => `SKU-${String(s).padStart(5, '0')}`;
export const isSerial = (s: number) => s % 2 === 0;
export const unitCost = (s: number) => 100 + (s % 97) * 13;
/** A unit's 38-bit SGTIN serial: unit numbers scattered over the range (an odd multiplier is a bijection mod 2^38). */
const SERIAL_SQL = '(((@u) + 1) * 2654435761) % 274877906944';

function withCheckDigit(s13: string): string {
  let sum = 0;
  for (let i = 0; i < 13; i++) sum += Number(s13[12 - i]) * (i % 2 === 0 ? 3 : 1);
  return s13 + String((10 - (sum % 10)) % 10);
}
export const gtinOf = (s: number) => withCheckDigit(`09506002${String(s).padStart(5, '0')}`);

/** SKU s's EPC for unit u, as JavaScript computes it (the SQL below does the same): for picking units to look up. */
export function epcOf(s: number, u: number): string {
  const e = epcParts(s);
  const serial = Number(((BigInt(u) + 1n) * 2654435761n) % 274877906944n);
  return e.hi + (e.lo + serial).toString(16).padStart(12, '0');
}

/** An SGTIN-96 split in two 48-bit halves: the high half, and the low half with the serial bits zero. */
function epcParts(s: number): { hi: string; lo: number } {
  const r = encodeSgtin({ gtin: gtinOf(s), companyPrefixLength: 7, serial: '0' });
  if (!r.ok) throw new Error(`growth ledger: cannot encode an EPC for ${skuName(s)}: ${r.reason}`);
  return { hi: r.hex.slice(0, 12).toLowerCase(), lo: parseInt(r.hex.slice(12), 16) };
}

/** The cache key of a ledger of n moves: the size, the generator and every migration the hub runs. */
export function fixtureKey(n: number): string {
  const config = parseHubConfig(benchSiteYaml('/x.db'), { env: {}, baseDir: '/' });
  const sets = hubMigrations(hubModules(config));
  const hash = createHash('sha256').update(JSON.stringify({ GENERATOR_VERSION, sets })).digest('hex').slice(0, 12);
  return `ledger-${n}-${hash}`;
}

/** What a SKU's moves add up to: balances per location and units shipped or adjusted out (its FIFO consumption). */
interface SkuTotals {
  balances: Map<string, number>;
  out: number;
}

interface Step {
  from: string;
  to: string;
  qty: number;
}
const SERIAL_ROUND = (k: number): Step[] => [
  { from: 'supplier', to: 'receiving', qty: 1 },
  { from: 'supplier', to: 'receiving', qty: 1 },
  { from: 'receiving', to: 'stock', qty: 1 },
  { from: 'receiving', to: 'stock', qty: 1 },
  { from: 'stock', to: 'customer', qty: 1 },
  k === 0 ? { from: 'stock', to: 'reserve', qty: 1 } : { from: k === 1 ? 'reserve' : 'stock', to: 'customer', qty: 1 },
];
const QTY_ROUND: Step[] = [
  { from: 'supplier', to: 'receiving', qty: 10 },
  { from: 'receiving', to: 'stock', qty: 10 },
  { from: 'stock', to: 'customer', qty: 5 },
  { from: 'stock', to: 'reserve', qty: 3 },
  { from: 'reserve', to: 'customer', qty: 3 },
  { from: 'stock', to: 'adjustment', qty: 1 },
];
const OUT_TO = new Set(['customer', 'adjustment']);

/** Every SKU's totals for the first n moves, by the rounds' rules (the SQL writes the same moves). */
function totals(n: number): SkuTotals[] {
  const out: SkuTotals[] = Array.from({ length: SKUS }, () => ({ balances: new Map(), out: 0 }));
  for (let r = 0; r * ROUND < n; r++) {
    const s = r % SKUS;
    const t = out[s]!;
    const steps = isSerial(s) ? SERIAL_ROUND(Math.floor(r / SKUS)) : QTY_ROUND;
    for (let p = 0; p < ROUND && r * ROUND + p < n; p++) {
      const step = steps[p]!;
      t.balances.set(step.from, (t.balances.get(step.from) ?? 0) - step.qty);
      t.balances.set(step.to, (t.balances.get(step.to) ?? 0) + step.qty);
      if (OUT_TO.has(step.to)) t.out += step.qty;
    }
  }
  return out;
}

/** The moves as SQL expressions of m (an integer: better-sqlite3 binds every JavaScript number as a REAL, hence the CASTs) (0-based; seq = m + 1), r = m / 6, p = m % 6, s = r % SKUS, k = r / SKUS. */
function movesSql(n: number): string {
  const serialFrom = `CASE p WHEN 0 THEN 'supplier' WHEN 1 THEN 'supplier' WHEN 2 THEN 'receiving' WHEN 3 THEN 'receiving' WHEN 4 THEN 'stock'
    ELSE CASE k WHEN 1 THEN 'reserve' ELSE 'stock' END END`;
  const serialTo = `CASE p WHEN 0 THEN 'receiving' WHEN 1 THEN 'receiving' WHEN 2 THEN 'stock' WHEN 3 THEN 'stock' WHEN 4 THEN 'customer'
    ELSE CASE k WHEN 0 THEN 'reserve' ELSE 'customer' END END`;
  const qtyFrom = `CASE p WHEN 0 THEN 'supplier' WHEN 1 THEN 'receiving' WHEN 4 THEN 'reserve' ELSE 'stock' END`;
  const qtyTo = `CASE p WHEN 0 THEN 'receiving' WHEN 1 THEN 'stock' WHEN 2 THEN 'customer' WHEN 3 THEN 'reserve' WHEN 4 THEN 'customer' ELSE 'adjustment' END`;
  // The unit a serial move carries: A(r) = 2r at p 0, 2, 4; B(r) = 2r + 1 at p 1, 3 and (k = 0) 5; B(r − SKUS) at p 5.
  const unit = `CASE WHEN p IN (0, 2, 4) THEN 2 * r WHEN p = 5 AND k > 0 THEN 2 * (r - ${SKUS}) + 1 ELSE 2 * r + 1 END`;
  // Its previous move: none for a receipt; the move two before within the round; B(r − SKUS)'s last one at p 5.
  const prev = `CASE WHEN p < 2 THEN NULL WHEN p < 5 OR k = 0 THEN m - 1
    ELSE 6 * (r - ${SKUS}) + CASE k WHEN 1 THEN 6 ELSE 4 END END`;
  const serial = (x: string) => `CASE WHEN s % 2 = 0 THEN ${x} END`;
  const reason = (from: string, to: string) =>
    `CASE WHEN ${from} = 'supplier' THEN 'receipt' WHEN ${to} = 'customer' THEN 'shipment' WHEN ${to} = 'adjustment' THEN 'adjustment' ELSE 'transfer' END`;
  return `WITH RECURSIVE c(m) AS (SELECT CAST(@lo AS INTEGER) UNION ALL SELECT m + 1 FROM c WHERE m + 1 < @hi),
    rp AS (SELECT m, m / 6 AS r, m % 6 AS p FROM c),
    x AS (SELECT m, r, p, r % ${SKUS} AS s, r / ${SKUS} AS k FROM rp),
    y AS (SELECT x.*, i.sku, i.cost, i.hi, i.lo,
            CASE WHEN x.s % 2 = 0 THEN ${serialFrom} ELSE ${qtyFrom} END AS f,
            CASE WHEN x.s % 2 = 0 THEN ${serialTo} ELSE ${qtyTo} END AS t,
            CASE WHEN x.s % 2 = 0 THEN 1 ELSE CASE p WHEN 0 THEN 10 WHEN 1 THEN 10 WHEN 2 THEN 5 WHEN 3 THEN 3 WHEN 4 THEN 3 ELSE 1 END END AS q
          FROM x JOIN temp.growth_skus i ON i.s = x.s)
    INSERT INTO moves (seq, id, sku, qty, from_location, to_location, reason, reference, actor_kind, actor_id, event_id, epc,
      unit_cost_input, unit_cost, value_cost, value_delta, value_variance, occurred_ms, posted_ms, note, reservation_id, prev_seq)
    SELECT m + 1, printf('ev:g%010d', m), sku, q, f, t, ${reason('f', 't')},
      CASE WHEN f = 'supplier' THEN 'PO-' || (r % 5000) END, 'gateway', 'gw-1', printf('g%010d', m),
      ${serial(`hi || printf('%012x', lo + ${SERIAL_SQL.replace('@u', unit)})`)},
      NULL, CASE WHEN f = 'supplier' OR t IN ('customer', 'adjustment') THEN cost END,
      CASE WHEN f = 'supplier' OR t IN ('customer', 'adjustment') THEN q * cost ELSE 0 END,
      CASE WHEN f = 'supplier' THEN q * cost WHEN t IN ('customer', 'adjustment') THEN -q * cost ELSE 0 END, 0,
      ${T0} + (m * ${DAYS * DAY_MS}) / ${n}, ${T0} + (m * ${DAYS * DAY_MS}) / ${n} + 40, NULL, NULL, ${serial(prev)}
    FROM y`;
}

/**
 * Serials: each unit's last move among the first n, by the rounds' rules. A(r): p 4 (shipped), else p 2, else p 0.
 * B(r): p 5 of round r + SKUS (shipped), else (k = 0) p 5 of round r (reserve), else p 3, else p 1.
 */
function serialsSql(n: number): string {
  const last = (cands: string[]) => `CASE ${cands.map((c) => `WHEN ${c} < ${n} THEN ${c}`).join(' ')} END`;
  const lastA = last(['6 * r + 4', '6 * r + 2', '6 * r']);
  const lastB = last([`6 * (r + ${SKUS}) + 5`, `CASE WHEN r < ${SKUS} THEN 6 * r + 5 ELSE ${n} END`, '6 * r + 3', '6 * r + 1']);
  return `WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i + 1 < @units),
    u AS (SELECT i / 2 AS r, i % 2 AS b FROM c WHERE (i / 2) % ${SKUS} % 2 = 0 AND 6 * (i / 2) + i % 2 < ${n}),
    l AS (SELECT CASE b WHEN 0 THEN ${lastA} ELSE ${lastB} END AS m FROM u)
    INSERT INTO serials (epc, sku, location, state, last_move_id, last_issue_cost, updated_ms, last_move_seq)
    SELECT mv.epc, mv.sku, mv.to_location, CASE mv.to_location WHEN 'customer' THEN 'shipped' ELSE 'in_stock' END, mv.id,
      CASE WHEN mv.to_location = 'customer' THEN mv.value_cost END, mv.posted_ms, mv.seq
    FROM l JOIN moves mv ON mv.seq = l.m + 1`;
}

/** Cost layers: one per receipt, in posting order; FIFO has consumed a SKU's `out` units from the oldest. */
function layersSql(n: number): string {
  return `WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i + 1 < @receipts),
    x AS (SELECT i / 2 AS r, i % 2 AS p FROM c),
    y AS (SELECT r, p, r % ${SKUS} AS s, r / ${SKUS} AS k FROM x WHERE 6 * r + p < ${n}),
    z AS (SELECT y.r, y.p, g.sku, g.cost, g.out_qty,
            CASE WHEN y.s % 2 = 0 THEN 1 ELSE 10 END AS q,
            CASE WHEN y.s % 2 = 0 THEN 2 * y.k + y.p ELSE 10 * y.k END AS before
          FROM y JOIN temp.growth_skus g ON g.s = y.s WHERE y.s % 2 = 0 OR y.p = 0),
    w AS (SELECT *, MAX(0, MIN(q, before + q - out_qty)) AS left FROM z)
    INSERT INTO cost_layers (sku, move_seq, unit_cost, remaining_qty, remaining_value)
    SELECT sku, 6 * r + p + 1, cost, left, left * cost FROM w ORDER BY r, p`;
}

function insertCatalog(db: Db, all: SkuTotals[], extraGtins: readonly string[]): void {
  const at = new Date(T0).toISOString();
  db.exec(
    'CREATE TEMP TABLE growth_skus (s INTEGER PRIMARY KEY, sku TEXT NOT NULL, cost INTEGER NOT NULL, hi TEXT NOT NULL, lo INTEGER NOT NULL, out_qty INTEGER NOT NULL)',
  );
  const info = db.prepare('INSERT INTO temp.growth_skus (s, sku, cost, hi, lo, out_qty) VALUES (?, ?, ?, ?, ?, ?)');
  const item = db.prepare(
    "INSERT INTO items (sku, name, uom, tracking, cost_method, standard_cost, created_at, updated_at) VALUES (?, ?, 'EA', ?, 'fifo', ?, ?, ?)",
  );
  const gtin = db.prepare('INSERT INTO item_gtins (gtin, sku, position) VALUES (?, ?, ?)');
  const valuation = db.prepare('INSERT INTO valuations (sku, qty, value) VALUES (?, ?, ?)');
  const balance = db.prepare('INSERT INTO balances (sku, location, qty) VALUES (?, ?, ?)');
  const real = new Set(['receiving', 'stock', 'reserve']);
  for (let s = 0; s < SKUS; s++) {
    const sku = skuName(s);
    const { hi, lo } = epcParts(s);
    const t = all[s]!;
    info.run(s, sku, unitCost(s), hi, lo, t.out);
    item.run(sku, `Item ${s}`, isSerial(s) ? 'serial' : 'quantity', unitCost(s), at, at);
    gtin.run(gtinOf(s), sku, 0);
    let onHand = 0;
    for (const [loc, qty] of t.balances) {
      balance.run(sku, loc, qty);
      if (real.has(loc)) onHand += qty;
    }
    valuation.run(sku, onHand, onHand * unitCost(s));
  }
  // The apply bench's GTINs, each a second GTIN of a serial SKU, so its receipts land in this catalog.
  extraGtins.forEach((g, i) => gtin.run(g, skuName(2 * i), 1));
}

/** One variance per 100 moves over the year; the newest 1% (the last few days') open, the rest resolved. */
function insertVariances(db: Db, n: number): void {
  const count = Math.max(1, Math.floor(n / 100));
  db.prepare(
    `WITH RECURSIVE c(v) AS (SELECT 0 UNION ALL SELECT v + 1 FROM c WHERE v + 1 < @count),
    w AS (SELECT v, v >= @count - @open AS open, CAST(@t0 AS INTEGER) + v * CAST(@step AS INTEGER) AS at FROM c)
    INSERT INTO variances (type, status, door, reference, sku, expected, actual, message, evidence, occurrences, created_ms, updated_ms,
      resolved_ms, resolved_by, resolution, resolution_reason, resolution_moves)
    SELECT CASE v % 2 WHEN 1 THEN 'short' ELSE 'over' END, CASE WHEN open THEN 'open' ELSE 'accepted' END, 'door-1', 'PO-' || (v % 5000),
      printf('SKU-%05d', v % ${SKUS}), 10, 9, 'one short', '[]', 1, at, at,
      CASE WHEN NOT open THEN at END, CASE WHEN NOT open THEN 'api:ops' END, CASE WHEN NOT open THEN 'accept' END,
      CASE WHEN NOT open THEN 'ok' END, CASE WHEN NOT open THEN '[]' END
    FROM w`,
  ).run({ count, open: openVariances(n), t0: T0, step: Math.floor((DAYS * DAY_MS) / count) });
}

/** How many of a ledger of n moves' variances are open. */
export const openVariances = (n: number) => Math.ceil(Math.max(1, Math.floor(n / 100)) / 100);

export interface Fixture {
  path: string;
  moves: number;
  /** Seconds the build took; null when the cache had it. */
  buildS: number | null;
}

/**
 * The cached ledger of n moves, built when missing. `extraGtins`: GTINs to map onto serial SKUs (the apply bench's).
 * `progress` hears each step of a build.
 */
export function growthLedger(dir: string, n: number, extraGtins: readonly string[], progress: (msg: string) => void = () => undefined): Fixture {
  const path = join(dir, `${fixtureKey(n)}.db`);
  if (existsSync(path)) return { path, moves: n, buildS: null };
  mkdirSync(dir, { recursive: true });
  const tmp = `${path}.building`;
  for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true });
  const t0 = performance.now();
  const db = openDatabase(tmp);
  try {
    db.pragma('synchronous = OFF'); // a fixture: durability is not what is measured
    db.pragma('cache_size = -1000000');
    db.pragma('foreign_keys = OFF'); // every reference is to a row this builder wrote; the check verifies the rest
    const config = parseHubConfig(benchSiteYaml(tmp), { env: {}, baseDir: dir });
    migrate(db, hubMigrations(hubModules(config)));
    applyLocations(db, config, T0);
    const indexes = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'moves' AND sql IS NOT NULL").all() as Array<{
      name: string;
      sql: string;
    }>;
    for (const ix of indexes) db.exec(`DROP INDEX ${ix.name}`);
    db.transaction(() => insertCatalog(db, totals(n), extraGtins))();
    const insert = db.prepare(movesSql(n));
    for (let lo = 0; lo < n; lo += CHUNK) {
      db.transaction(() => insert.run({ lo, hi: Math.min(n, lo + CHUNK) }))();
      progress(`moves ${Math.min(n, lo + CHUNK).toLocaleString('en-US')} of ${n.toLocaleString('en-US')} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
    for (const ix of indexes) {
      db.exec(ix.sql);
      progress(`index ${ix.name} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
    const rounds = Math.ceil(n / ROUND);
    db.transaction(() => {
      db.prepare(layersSql(n)).run({ receipts: 2 * rounds });
      db.prepare(serialsSql(n)).run({ units: 2 * rounds });
      insertVariances(db, n);
    })();
    progress(`layers, serials, variances (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    db.exec('DROP TABLE temp.growth_skus');
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  renameSync(tmp, path);
  return { path, moves: n, buildS: (performance.now() - t0) / 1000 };
}
