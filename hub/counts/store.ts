// hub/counts — cycle counts and the baseline count. A count is started for a location (optionally some SKUs); counted
// units come from RFID in a count zone, scans in count mode, REST lines or CSV; each line records the book as it stood
// the moment it was counted, so moves during the count are accounted for:
//   - a serialized unit is compared where the ledger had it when it was counted; a unit on the books at the location
//     since before the count started and never counted is missing;
//   - a quantity-tracked SKU is compared with its book at the moment it was first counted in the session (a SKU
//     location is counted in one go); a SKU in scope never counted is compared with its book at the start.
// Closing posts `count` moves to/from `adjustment` (a found unit the ledger had elsewhere is moved from there) for
// differences within the item's class tolerance, and holds larger ones on a `count_difference` variance whose
// acceptance posts them. A baseline count sets the location's opening balances: everything counted, everything else
// to zero, always posted; it is refused while moves are still flowing into the location unless forced.
import type { Db, MigrationSet } from '../db/database.js';
import { isoTs } from '../../protocols/events/index.js';
import { decodeEpc } from '../../protocols/epc/index.js';
import { getItem, getItemByGtin, getLocation, getSerial, LedgerError, postMove, recordAudit, VIRTUAL, type AbcClass, type Actor, type Move } from '../ledger/index.js';
import { raiseAndRead, type MoveSpec, type Variance } from '../variances/store.js';
import { withinTolerance, type CountTolerance } from './abc.js';

export const countsMigrations: MigrationSet = {
  module: 'counts',
  migrations: [
    {
      version: 1,
      name: 'counts, book at start, counted lines, results',
      sql: `
CREATE TABLE counts (
  id          INTEGER PRIMARY KEY,
  location    TEXT NOT NULL,
  zone        TEXT,
  skus        TEXT,
  baseline    INTEGER NOT NULL CHECK (baseline IN (0,1)),
  forced      INTEGER NOT NULL CHECK (forced IN (0,1)),
  status      TEXT NOT NULL CHECK (status IN ('open','closed')),
  start_seq   INTEGER NOT NULL,
  note        TEXT,
  created_ms  INTEGER NOT NULL,
  created_by  TEXT NOT NULL,
  closed_ms   INTEGER,
  closed_by   TEXT
);
CREATE UNIQUE INDEX counts_open_location ON counts (location) WHERE status = 'open';
CREATE INDEX counts_open_zone ON counts (zone) WHERE status = 'open';
CREATE TABLE count_book (
  count INTEGER NOT NULL REFERENCES counts(id),
  sku   TEXT NOT NULL,
  qty   INTEGER NOT NULL,
  PRIMARY KEY (count, sku)
);
CREATE TABLE count_lines (
  id            INTEGER PRIMARY KEY,
  count         INTEGER NOT NULL REFERENCES counts(id),
  sku           TEXT NOT NULL,
  epc           TEXT,
  qty           INTEGER NOT NULL CHECK (qty >= 0),
  book_qty      INTEGER,
  book_location TEXT,
  unit_cost     INTEGER,
  source        TEXT NOT NULL CHECK (source IN ('rfid','scan','api','csv')),
  evidence      TEXT,
  at_ms         INTEGER NOT NULL
);
CREATE UNIQUE INDEX count_lines_epc ON count_lines (count, epc) WHERE epc IS NOT NULL;
CREATE INDEX count_lines_sku ON count_lines (count, sku, id);
CREATE TABLE count_results (
  count            INTEGER NOT NULL REFERENCES counts(id),
  sku              TEXT NOT NULL,
  location         TEXT NOT NULL,
  book             INTEGER NOT NULL,
  counted          INTEGER NOT NULL,
  difference       INTEGER NOT NULL,
  within_tolerance INTEGER NOT NULL CHECK (within_tolerance IN (0,1)),
  posted           INTEGER NOT NULL CHECK (posted IN (0,1)),
  variance         INTEGER,
  closed_ms        INTEGER NOT NULL,
  PRIMARY KEY (count, sku)
);
CREATE INDEX count_results_closed ON count_results (closed_ms);
`,
    },
  ],
};

export interface CountSettings {
  /** Tolerance per ABC class; items without a class use C's. */
  tolerances: Record<'a' | 'b' | 'c', CountTolerance>;
  /** A baseline is refused while the location saw moves within this many minutes (unless forced). */
  baselineQuietMinutes: number;
}

export interface CountInput {
  location: string;
  skus?: string[] | null;
  /** A count zone (door in count mode, or a read zone) whose RFID reads count for this session. */
  zone?: string | null;
  baseline?: boolean;
  force?: boolean;
  note?: string | null;
}

export interface CountLineInput {
  sku?: string | null;
  gtin?: string | null;
  epc?: string | null;
  qty?: number | null;
  unitCost?: number | null;
}

export type CountSource = 'rfid' | 'scan' | 'api' | 'csv';

interface CountRow {
  id: number;
  location: string;
  zone: string | null;
  skus: string | null;
  baseline: number;
  forced: number;
  status: 'open' | 'closed';
  start_seq: number;
  note: string | null;
  created_ms: number;
  created_by: string;
  closed_ms: number | null;
  closed_by: string | null;
}

export interface CountResult {
  sku: string;
  book: number;
  counted: number;
  difference: number;
  withinTolerance: boolean;
  posted: boolean;
  variance: number | null;
}

export interface Count {
  id: number;
  location: string;
  zone: string | null;
  skus: string[] | null;
  baseline: boolean;
  forced: boolean;
  status: 'open' | 'closed';
  note: string | null;
  createdAt: string;
  createdBy: string;
  closedAt: string | null;
  closedBy: string | null;
  /** Lines counted so far, per SKU. */
  counted: Array<{ sku: string; qty: number; lines: number }>;
  results: CountResult[];
}

const bad = (field: string, message: string) => new LedgerError('invalid', `${field}: ${message}`, field);

function countRow(db: Db, id: number): CountRow | undefined {
  return db.prepare('SELECT * FROM counts WHERE id = ?').get(id) as CountRow | undefined;
}

function requireOpenCount(db: Db, id: number): CountRow {
  const c = countRow(db, id);
  if (!c) throw new LedgerError('not_found', `count ${id} does not exist`, 'id');
  if (c.status !== 'open') throw new LedgerError('conflict', `count ${id} was closed at ${isoTs(c.closed_ms!)} by ${c.closed_by}: a closed count takes no lines and closes once`, 'id');
  return c;
}

export function getCount(db: Db, id: number): Count | undefined {
  const c = countRow(db, id);
  if (!c) return undefined;
  const counted = db.prepare('SELECT sku, SUM(qty) AS qty, COUNT(*) AS lines FROM count_lines WHERE count = ? GROUP BY sku ORDER BY sku').all(id) as Array<{ sku: string; qty: number; lines: number }>;
  const results = (db.prepare('SELECT * FROM count_results WHERE count = ? ORDER BY sku').all(id) as Array<{ sku: string; book: number; counted: number; difference: number; within_tolerance: number; posted: number; variance: number | null }>)
    .map((r) => ({ sku: r.sku, book: r.book, counted: r.counted, difference: r.difference, withinTolerance: r.within_tolerance === 1, posted: r.posted === 1, variance: r.variance }));
  return {
    id: c.id,
    location: c.location,
    zone: c.zone,
    skus: c.skus === null ? null : (JSON.parse(c.skus) as string[]),
    baseline: c.baseline === 1,
    forced: c.forced === 1,
    status: c.status,
    note: c.note,
    createdAt: isoTs(c.created_ms),
    createdBy: c.created_by,
    closedAt: c.closed_ms === null ? null : isoTs(c.closed_ms),
    closedBy: c.closed_by,
    counted,
    results,
  };
}

export function listCounts(db: Db, filter: { status?: 'open' | 'closed'; location?: string; limit?: number } = {}): number[] {
  return (db.prepare('SELECT id FROM counts WHERE (@status IS NULL OR status = @status) AND (@location IS NULL OR location = @location) ORDER BY id LIMIT @limit')
    .all({ status: filter.status ?? null, location: filter.location ?? null, limit: filter.limit ?? 100 }) as Array<{ id: number }>).map((r) => r.id);
}

function balance(db: Db, sku: string, location: string): number {
  return (db.prepare('SELECT COALESCE((SELECT qty FROM balances WHERE sku = ? AND location = ?), 0) AS q').get(sku, location) as { q: number }).q;
}

/** Start a count. A baseline is refused while moves are still flowing into the location, unless forced. */
export function startCount(db: Db, input: CountInput, settings: CountSettings, actor: Actor, nowMs: number): number {
  return db.transaction(() => {
    const loc = getLocation(db, input.location);
    if (!loc) throw new LedgerError('not_found', `location: unknown location ${JSON.stringify(input.location)}`, 'location');
    if (loc.virtual) throw bad('location', `${loc.id} is a virtual location: only real locations hold stock to count`);
    const skus = input.skus && input.skus.length > 0 ? [...new Set(input.skus)] : null;
    skus?.forEach((s, i) => {
      if (!getItem(db, s)) throw new LedgerError('not_found', `skus[${i}]: unknown item ${JSON.stringify(s)}`, `skus[${i}]`);
    });
    const open = db.prepare("SELECT id FROM counts WHERE location = ? AND status = 'open'").get(loc.id) as { id: number } | undefined;
    if (open) throw new LedgerError('conflict', `count ${open.id} is already open for ${loc.id}: close it first`, 'location');
    const baseline = input.baseline === true;
    if (baseline && skus) throw bad('skus', 'a baseline count is wall-to-wall: it takes no SKU list');
    if (baseline && input.force !== true) {
      const since = nowMs - settings.baselineQuietMinutes * 60_000;
      const recent = db.prepare('SELECT COUNT(*) AS n, MAX(posted_ms) AS last FROM moves WHERE (to_location = @loc OR from_location = @loc) AND posted_ms >= @since').get({ loc: loc.id, since }) as { n: number; last: number | null };
      if (recent.n > 0) {
        throw new LedgerError('conflict', `location ${loc.id} had ${recent.n} move(s) in the last ${settings.baselineQuietMinutes} minutes (the last at ${isoTs(recent.last!)}): moves are still flowing, so a baseline now would be wrong; stop them, or pass force: true`, 'force');
      }
    }
    const startSeq = (db.prepare("SELECT COALESCE(MAX(seq), 0) AS s FROM moves").get() as { s: number }).s;
    const id = Number(db.prepare("INSERT INTO counts (location, zone, skus, baseline, forced, status, start_seq, note, created_ms, created_by) VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?, ?)")
      .run(loc.id, input.zone ?? null, skus ? JSON.stringify(skus) : null, baseline ? 1 : 0, input.force === true ? 1 : 0, startSeq, input.note ?? null, nowMs, `${actor.kind}:${actor.id}`).lastInsertRowid);
    db.prepare('INSERT INTO count_book (count, sku, qty) SELECT ?, sku, qty FROM balances WHERE location = ? AND qty <> 0').run(id, loc.id);
    recordAudit(db, { actor, action: baseline ? 'count.baseline.start' : 'count.start', target: String(id), payload: input, atMs: nowMs });
    return id;
  })();
}

/** The open count a zone's reads or a count-mode scan belong to: by id, by zone, by location, or the only open one. */
export function findOpenCount(db: Db, hint: { id?: number; zone?: string; location?: string }): number | undefined {
  if (hint.id !== undefined) return (db.prepare("SELECT id FROM counts WHERE id = ? AND status = 'open'").get(hint.id) as { id: number } | undefined)?.id;
  if (hint.zone !== undefined) {
    const z = db.prepare("SELECT id FROM counts WHERE zone = ? AND status = 'open' ORDER BY id LIMIT 1").get(hint.zone) as { id: number } | undefined;
    if (z) return z.id;
  }
  if (hint.location !== undefined) {
    const l = db.prepare("SELECT id FROM counts WHERE location = ? AND status = 'open'").get(hint.location) as { id: number } | undefined;
    if (l) return l.id;
  }
  const all = db.prepare("SELECT id FROM counts WHERE status = 'open' LIMIT 2").all() as Array<{ id: number }>;
  return all.length === 1 ? all[0]!.id : undefined;
}

/**
 * Record counted units. Each line keeps the book as it is now (the moment of counting). The same EPC counted again in
 * a count is the same unit: it answers false and changes nothing.
 */
export function addCountLine(db: Db, countId: number, line: CountLineInput, source: CountSource, evidence: string | null, nowMs: number, at = 'line'): boolean {
  const c = requireOpenCount(db, countId);
  if (line.qty !== undefined && line.qty !== null && !(Number.isSafeInteger(line.qty) && line.qty >= 0)) throw bad(`${at}.qty`, `a counted quantity is a whole number of at least 0, got ${JSON.stringify(line.qty)}`);
  if (line.unitCost !== undefined && line.unitCost !== null && !(Number.isSafeInteger(line.unitCost) && line.unitCost >= 0)) throw bad(`${at}.unitCost`, `must be a non-negative integer in minor units, got ${JSON.stringify(line.unitCost)}`);
  if (line.epc) {
    const epc = line.epc.toLowerCase();
    if (!/^([0-9a-f]{2}){4,64}$/.test(epc)) throw bad(`${at}.epc`, `an EPC is hex (whole bytes), got ${JSON.stringify(line.epc)}`);
    if (line.qty != null && line.qty !== 1) throw bad(`${at}.qty`, 'an EPC is one unit');
    const serial = getSerial(db, epc);
    let sku = serial?.sku ?? line.sku ?? undefined;
    if (!sku) {
      const d = decodeEpc(epc);
      sku = d.ok && d.gtin ? getItemByGtin(db, d.gtin)?.sku : undefined;
    }
    if (!sku) throw bad(`${at}.epc`, `EPC ${epc} is not on the books and its GTIN is not in the catalog: say which sku it is`);
    const item = getItem(db, sku);
    if (!item) throw new LedgerError('not_found', `${at}.sku: unknown item ${JSON.stringify(sku)}`, `${at}.sku`);
    if (item.tracking !== 'serial') throw bad(`${at}.epc`, `${sku} is tracked by quantity: count it by quantity`);
    if (!inScope(c, sku)) throw bad(`${at}.sku`, `${sku} is not among the SKUs of count ${countId}`);
    const r = db.prepare("INSERT OR IGNORE INTO count_lines (count, sku, epc, qty, book_location, unit_cost, source, evidence, at_ms) VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?)")
      .run(countId, sku, epc, serial?.location ?? null, line.unitCost ?? null, source, evidence, nowMs);
    return r.changes === 1;
  }
  const item = line.sku ? getItem(db, line.sku) : line.gtin ? getItemByGtin(db, line.gtin.padStart(14, '0')) : undefined;
  if (!line.sku && !line.gtin) throw bad(`${at}.sku`, 'a count line names an epc, or a sku (or gtin) with a qty');
  if (!item) throw new LedgerError('not_found', `${at}.${line.sku ? 'sku' : 'gtin'}: unknown item ${JSON.stringify(line.sku ?? line.gtin)}`, `${at}.${line.sku ? 'sku' : 'gtin'}`);
  if (item.tracking === 'serial') throw bad(`${at}.epc`, `${item.sku} is serial-tracked: count its units by EPC`);
  if (line.qty == null) throw bad(`${at}.qty`, 'qty is required for quantity-tracked items');
  if (!inScope(c, item.sku)) throw bad(`${at}.sku`, `${item.sku} is not among the SKUs of count ${countId}`);
  db.prepare('INSERT INTO count_lines (count, sku, qty, book_qty, unit_cost, source, evidence, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    .run(countId, item.sku, line.qty, balance(db, item.sku, c.location), line.unitCost ?? null, source, evidence, nowMs);
  return true;
}

function inScope(c: CountRow, sku: string): boolean {
  return c.skus === null || (JSON.parse(c.skus) as string[]).includes(sku);
}

/** Close a count: settle every SKU in scope, post what is within tolerance (all of it for a baseline), hold the rest on variances. */
export function closeCount(db: Db, countId: number, settings: CountSettings, actor: Actor, nowMs: number): { count: Count; moves: Move[]; variances: Variance[] } {
  return db.transaction(() => {
    const c = requireOpenCount(db, countId);
    const location = c.location;
    const baseline = c.baseline === 1;
    const scope = new Set<string>(c.skus ? (JSON.parse(c.skus) as string[]) : []);
    if (!c.skus) {
      for (const r of db.prepare('SELECT DISTINCT sku FROM count_lines WHERE count = ?').all(countId) as Array<{ sku: string }>) scope.add(r.sku);
      for (const r of db.prepare('SELECT sku FROM count_book WHERE count = ?').all(countId) as Array<{ sku: string }>) scope.add(r.sku);
      if (baseline) for (const r of db.prepare('SELECT sku FROM balances WHERE location = ? AND qty <> 0').all(location) as Array<{ sku: string }>) scope.add(r.sku);
    }
    const moves: Move[] = [];
    const variances: Variance[] = [];
    const actorBy = `${actor.kind}:${actor.id}`;
    for (const sku of [...scope].sort()) {
      const item = getItem(db, sku)!;
      const plan: MoveSpec[] = [];
      let book: number;
      let counted: number;
      const spec = (qty: number, from: string, to: string, extra: Partial<MoveSpec> = {}): MoveSpec => ({ sku, qty, from, to, reason: 'count', reference: `count:${countId}`, note: `${baseline ? 'baseline' : 'cycle'} count ${countId} at ${location}`, ...extra });
      if (item.tracking === 'serial') {
        const lines = db.prepare('SELECT epc, book_location, unit_cost FROM count_lines WHERE count = ? AND sku = ? AND epc IS NOT NULL').all(countId, sku) as Array<{ epc: string; book_location: string | null; unit_cost: number | null }>;
        const countedEpcs = new Set(lines.map((l) => l.epc));
        // Units the books had here when counting began (or, for a baseline, have here now) that nobody counted.
        // The serial row's own last_move_seq (no join to moves: a closed period's moves are archived).
        const missing = (db.prepare(`SELECT s.epc FROM serials s
                                     WHERE s.sku = ? AND s.location = ? AND (? = 1 OR s.last_move_seq <= ?)`).all(sku, location, baseline ? 1 : 0, c.start_seq) as Array<{ epc: string }>)
          .filter((s) => !countedEpcs.has(s.epc));
        let found = 0;
        for (const l of lines) {
          if (l.book_location === location) continue;
          const now = getSerial(db, l.epc);
          if (now?.location === location) continue; // the books caught up since (it was received or put away here)
          found++;
          // From where the books have it now (another location, or even a virtual one); unknown units from adjustment.
          plan.push(spec(1, now?.location ?? VIRTUAL.adjustment, location, { epc: l.epc, unitCost: l.unit_cost }));
        }
        for (const m of missing) plan.push(spec(1, location, VIRTUAL.adjustment, { epc: m.epc }));
        counted = lines.length;
        book = counted - found + missing.length;
      } else {
        const first = db.prepare('SELECT book_qty FROM count_lines WHERE count = ? AND sku = ? ORDER BY id LIMIT 1').get(countId, sku) as { book_qty: number } | undefined;
        counted = (db.prepare('SELECT COALESCE(SUM(qty), 0) AS q FROM count_lines WHERE count = ? AND sku = ?').get(countId, sku) as { q: number }).q;
        book = baseline ? balance(db, sku, location) : first ? first.book_qty : ((db.prepare('SELECT qty FROM count_book WHERE count = ? AND sku = ?').get(countId, sku) as { qty: number } | undefined)?.qty ?? 0);
        const diff = counted - book;
        const unitCost = (db.prepare('SELECT unit_cost FROM count_lines WHERE count = ? AND sku = ? AND unit_cost IS NOT NULL ORDER BY id DESC LIMIT 1').get(countId, sku) as { unit_cost: number } | undefined)?.unit_cost ?? null;
        if (diff > 0) plan.push(spec(diff, VIRTUAL.adjustment, location, { unitCost }));
        if (diff < 0) plan.push(spec(-diff, location, VIRTUAL.adjustment));
      }
      const difference = counted - book;
      const within = withinTolerance(book, difference, toleranceOf(settings, item.abcClass));
      let varianceId: number | null = null;
      const post = baseline || within;
      if (post) {
        plan.forEach((p, i) => moves.push(postMove(db, { ...p, id: `count:${countId}:${sku}:${i}`, epc: p.epc ?? null, unitCost: p.unitCost ?? null, reference: p.reference ?? null, note: p.note ?? null, actor, occurredAt: isoTs(nowMs) }, nowMs).move));
      } else {
        const v = raiseAndRead(db, {
          type: 'count_difference',
          door: null,
          reference: `count:${countId}`,
          sku,
          expected: book,
          actual: counted,
          message: `count ${countId} at ${location}: ${sku} book ${book}, counted ${counted} (${difference > 0 ? '+' : ''}${difference}), beyond the class ${item.abcClass ?? 'C'} tolerance: accept to post it, or recount`,
          plan,
        }, nowMs);
        variances.push(v);
        varianceId = v.id;
      }
      db.prepare('INSERT INTO count_results (count, sku, location, book, counted, difference, within_tolerance, posted, variance, closed_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(countId, sku, location, book, counted, difference, within ? 1 : 0, post ? 1 : 0, varianceId, nowMs);
    }
    db.prepare("UPDATE counts SET status = 'closed', closed_ms = ?, closed_by = ? WHERE id = ?").run(nowMs, actorBy, countId);
    recordAudit(db, { actor, action: baseline ? 'count.baseline.close' : 'count.close', target: String(countId), payload: { moves: moves.map((m) => m.id), variances: variances.map((v) => v.id) }, atMs: nowMs });
    return { count: getCount(db, countId)!, moves, variances };
  })();
}

export function toleranceOf(settings: CountSettings, abcClass: AbcClass | null): CountTolerance {
  return settings.tolerances[abcClass === 'A' ? 'a' : abcClass === 'B' ? 'b' : 'c'];
}
