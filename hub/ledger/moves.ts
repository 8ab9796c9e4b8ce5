// hub/ledger — posting moves: the one write path of stock. Checks the move, books its value, updates balances,
// cost layers, valuation and the unit's serial in the caller's transaction (or its own), and asserts the invariants.
import { batchRead } from '../db/batch-reads.js';
import { archivedMoveRow } from './archive.js';
import type { Db } from '../db/database.js';
import { skuChanged } from './changes.js';
import { isoTs } from '../../protocols/events/index.js';
import { LedgerError, invariant } from './errors.js';
import { postingFacts } from './cache.js';
import { stmt, inTransaction } from './statements.js';
import { ACTOR_KINDS, MOVE_REASONS, type Actor, type Item, type Location, type Move, type MoveInput, type MoveReason, type PostResult, type Serial, type SerialState } from './types.js';
import { issue, mulDivRound, receive, type Layer, type ValueEffect } from './valuation.js';
import {
  optionalNonNegativeInt,
  optionalText,
  requireEpc,
  requireId,
  requireOneOf,
  requirePositiveInt,
  requireText,
  requireTimestamp,
  show,
} from './validate.js';

/** A move input checked and normalised (pure; no database). */
export interface CheckedMove {
  id: string;
  sku: string;
  qty: number;
  from: string;
  to: string;
  reason: MoveReason;
  reference: string | null;
  actor: Actor;
  eventId: string | null;
  epc: string | null;
  unitCost: number | null;
  occurredMs: number;
  note: string | null;
  intoOpenPeriod: boolean;
}

export function checkMoveInput(input: MoveInput): CheckedMove {
  if (typeof input !== 'object' || input === null) throw new LedgerError('invalid', 'a move must be an object', 'move');
  const actor = input.actor as Actor | undefined;
  if (typeof actor !== 'object' || actor === null) throw new LedgerError('invalid', `actor must be { kind, id }, got ${show(actor)}`, 'actor');
  const m: CheckedMove = {
    id: requireId(input.id, 'id'),
    sku: requireId(input.sku, 'sku'),
    qty: requirePositiveInt(input.qty, 'qty'),
    from: requireId(input.from, 'from'),
    to: requireId(input.to, 'to'),
    reason: requireOneOf(input.reason, MOVE_REASONS, 'reason'),
    reference: optionalText(input.reference, 'reference', 200),
    actor: { kind: requireOneOf(actor.kind, ACTOR_KINDS, 'actor.kind'), id: requireText(actor.id, 'actor.id', 200) },
    eventId: optionalText(input.eventId, 'eventId', 200),
    epc: input.epc == null ? null : requireEpc(input.epc, 'epc'),
    unitCost: optionalNonNegativeInt(input.unitCost, 'unitCost'),
    occurredMs: requireTimestamp(input.occurredAt, 'occurredAt'),
    note: optionalText(input.note, 'note', 2000),
    intoOpenPeriod: input.intoOpenPeriod === true,
  };
  if (input.intoOpenPeriod !== undefined && typeof input.intoOpenPeriod !== 'boolean') throw new LedgerError('invalid', `intoOpenPeriod must be true or false, got ${show(input.intoOpenPeriod)}`, 'intoOpenPeriod');
  if (m.from === m.to) throw new LedgerError('invalid', `from and to are both ${m.from}: a move must change location`, 'to');
  return m;
}

export interface MoveRow {
  seq: number;
  id: string;
  sku: string;
  qty: number;
  from_location: string;
  to_location: string;
  reason: MoveReason;
  reference: string | null;
  actor_kind: Actor['kind'];
  actor_id: string;
  event_id: string | null;
  epc: string | null;
  unit_cost_input: number | null;
  unit_cost: number | null;
  value_cost: number;
  value_delta: number;
  value_variance: number;
  occurred_ms: number;
  posted_ms: number;
  note: string | null;
  reservation_id: string | null;
  /** The unit's previous move (moves with an epc), the link of its history chain. */
  prev_seq: number | null;
}

export function moveFromRow(r: MoveRow): Move {
  return {
    seq: r.seq,
    id: r.id,
    sku: r.sku,
    qty: r.qty,
    from: r.from_location,
    to: r.to_location,
    reason: r.reason,
    reference: r.reference,
    actor: { kind: r.actor_kind, id: r.actor_id },
    eventId: r.event_id,
    epc: r.epc,
    unitCostInput: r.unit_cost_input,
    unitCost: r.unit_cost,
    valueCost: r.value_cost,
    valueDelta: r.value_delta,
    valueVariance: r.value_variance,
    occurredAt: isoTs(r.occurred_ms),
    postedAt: isoTs(r.posted_ms),
    note: r.note,
    reservationId: r.reservation_id,
  };
}

/** The move with this id, live or archived with a closed period. */
export function getMove(db: Db, id: string): Move | undefined {
  const row = (stmt(db, 'SELECT * FROM moves WHERE id = ?').get(id) as MoveRow | undefined) ?? archivedMoveRow(db, id);
  return row && moveFromRow(row);
}

/** The fields in which a stored move differs from a new input with the same id. */
function conflictingFields(row: MoveRow, m: CheckedMove, reservationId: string | null): string[] {
  const pairs: Array<[string, unknown, unknown]> = [
    ['sku', row.sku, m.sku],
    ['qty', row.qty, m.qty],
    ['from', row.from_location, m.from],
    ['to', row.to_location, m.to],
    ['reason', row.reason, m.reason],
    ['reference', row.reference, m.reference],
    ['actor.kind', row.actor_kind, m.actor.kind],
    ['actor.id', row.actor_id, m.actor.id],
    ['eventId', row.event_id, m.eventId],
    ['epc', row.epc, m.epc],
    ['unitCost', row.unit_cost_input, m.unitCost],
    ['occurredAt', row.occurred_ms, m.occurredMs],
    ['note', row.note, m.note],
    // A plain postMove names no reservation: re-posting a move a reservation posted is the same move.
    ['reservationId', row.reservation_id, reservationId ?? row.reservation_id],
  ];
  return pairs.filter(([, a, b]) => a !== b).map(([f]) => f);
}

export interface SerialRow {
  epc: string;
  sku: string;
  location: string;
  state: SerialState;
  last_move_id: string;
  last_issue_cost: number | null;
  updated_ms: number;
  /** The seq of last_move_id: the head of the unit's history chain. */
  last_move_seq: number;
}

export function serialFromRow(r: SerialRow): Serial {
  return {
    epc: r.epc,
    sku: r.sku,
    location: r.location,
    state: r.state,
    lastMoveId: r.last_move_id,
    lastIssueCost: r.last_issue_cost,
    updatedAt: isoTs(r.updated_ms),
  };
}

/**
 * SQL for the seqs of every move of one unit: a walk of its chain from the serial row back through prev_seq.
 * `param` is the placeholder of the (lowercase) EPC, e.g. `?` or `@epc`.
 */
export function unitMoveSeqs(param: string): string {
  return `WITH RECURSIVE unit_chain(seq) AS (
            SELECT last_move_seq FROM serials WHERE epc = ${param}
            UNION ALL SELECT m.prev_seq FROM moves m JOIN unit_chain c ON m.seq = c.seq WHERE m.prev_seq IS NOT NULL)
          SELECT seq FROM unit_chain`;
}

type SerialTuple = [string, string, string, SerialState, string, number | null, number, number];

/**
 * The unit's row. Read as a tuple and built here: better-sqlite3 builds a row object property by property through
 * V8's slow path (about a microsecond for eight columns, on every pass of a catch-up); this literal has one shape.
 */
export function getSerialRow(db: Db, epc: string): SerialRow | undefined {
  const r = stmt(db, 'SELECT epc, sku, location, state, last_move_id, last_issue_cost, updated_ms, last_move_seq FROM serials WHERE epc = ?')
    .raw()
    .get(epc) as SerialTuple | undefined;
  if (!r) return undefined;
  return { epc: r[0], sku: r[1], location: r[2], state: r[3], last_move_id: r[4], last_issue_cost: r[5], updated_ms: r[6], last_move_seq: r[7] };
}

/** What a unit is once it sits in a location of this kind. */
export function serialStateAt(loc: Pick<Location, 'kind'>): SerialState {
  switch (loc.kind) {
    case 'customer': return 'shipped';
    case 'scrap': return 'scrapped';
    case 'adjustment': return 'written_off';
    case 'supplier': return 'returned_to_supplier';
    case 'transit': return 'in_transit';
    case 'returns': return 'returned';
    case 'quarantine': return 'quarantined';
    default: return 'in_stock';
  }
}

/** The direction of value: stock coming on hand, leaving it, or neither (real↔real, virtual↔virtual). */
export function valueDirection(from: Pick<Location, 'virtual'>, to: Pick<Location, 'virtual'>): 'in' | 'out' | 'none' {
  if (from.virtual && !to.virtual) return 'in';
  if (!from.virtual && to.virtual) return 'out';
  return 'none';
}

/**
 * The per-SKU invariants, from its balance rows: the entries sum to zero and the valuation holds what the real
 * locations hold. `after` names what was just written, for the message.
 */
function assertSkuInvariants(db: Db, sku: string, after: string): void {
  const sums = stmt(db, `SELECT SUM(b.qty) AS total, SUM(CASE WHEN l.virtual = 0 THEN b.qty ELSE 0 END) AS onHand,
                         (SELECT qty FROM valuations WHERE sku = ?) AS valued
                         FROM balances b JOIN locations l ON l.id = b.location WHERE b.sku = ?`).get(sku, sku) as { total: number; onHand: number; valued: number };
  invariant(sums.total === 0, `balances of ${sku} sum to ${sums.total}, not 0, after ${after}`);
  invariant(sums.onHand === sums.valued, `valuation of ${sku} holds ${sums.valued} units but real locations hold ${sums.onHand}, after ${after}`);
}

/** SKUs posted inside a withBatchedInvariants scope, per connection. */
const batched = new WeakMap<Db, Set<string>>();

/**
 * Run `fn` — the postings of one batch, inside the caller's transaction — with each SKU's invariants asserted once,
 * when `fn` returns and before the caller commits, instead of after every posting: a batch of 100 receipts of 20
 * SKUs reads the sums 20 times, not 100. A broken invariant throws from here, so the caller's transaction rolls the
 * whole batch back, as it would for any posting. Nested scopes join the outer one.
 */
export function withBatchedInvariants<T>(db: Db, fn: () => T): T {
  if (batched.has(db)) return fn();
  if (!db.inTransaction) throw new Error('withBatchedInvariants must run inside the transaction that commits the postings');
  const skus = new Set<string>();
  batched.set(db, skus);
  try {
    const out = fn();
    for (const sku of skus) assertSkuInvariants(db, sku, `the batch's moves`);
    return out;
  } finally {
    batched.delete(db);
  }
}

/** How a posting relates to the caller's transaction. */
export interface PostOptions {
  /**
   * The caller holds a transaction and rolls it (or its own savepoint) back on ANY error a posting throws — the
   * ingest does for every batch and every isolated event. The posting then makes no savepoint of its own: refusals
   * are all decided before its first write, so a refusal still changes nothing; a broken invariant or a database
   * error in the middle of writing leaves a half-written move that only the caller's rollback removes. Without
   * this (the default), every error changes nothing whatever the caller does next. Ignored outside a transaction.
   */
  callerRollsBack?: boolean;
}

/**
 * Post one move. Idempotent by id: the same id with the same content answers `exists` and changes nothing; with
 * different content it is a `conflict` error naming the fields. Any error changes nothing. Composable: call it inside
 * your own `db.transaction` (it then runs in a savepoint, unless `options.callerRollsBack`).
 */
export function postMove(db: Db, input: MoveInput, nowMs: number, options?: PostOptions): PostResult {
  return postMoveFor(db, input, nowMs, null, options);
}

/** postMove for a reservation (reservations.ts); the reservation id is part of the move's identity. */
export function postMoveFor(db: Db, input: MoveInput, nowMs: number, reservationId: string | null, options?: PostOptions): PostResult {
  return postChecked(db, checkMoveInput(input), nowMs, reservationId, options);
}

/**
 * Post a checked move. `knownSerial`: the unit's serials row as the caller read it just before, with nothing written
 * since (moveSerial), or undefined to read it here.
 */
export function postChecked(db: Db, m: CheckedMove, nowMs: number, reservationId: string | null, options: PostOptions | undefined, knownSerial?: SerialRow | null): PostResult {
  if (options?.callerRollsBack && db.inTransaction) return post(db, m, nowMs, reservationId, knownSerial);
  return inTransaction(db, () => post(db, m, nowMs, reservationId, knownSerial));
}

/** A move id seen before: `exists` when it is the same move, else a conflict naming the fields. */
function answerExisting(row: MoveRow, m: CheckedMove, reservationId: string | null): PostResult {
  const diff = conflictingFields(row, m, reservationId);
  if (diff.length) {
    throw new LedgerError('conflict', `move ${m.id} was already posted with different ${diff.join(', ')}: a move id names one move forever`, diff[0], { fields: diff });
  }
  return { status: 'exists', move: moveFromRow(row) };
}

/** The closed period's bounds and archive marker, per connection; once per ingest batch while nothing closes a period (hub/db/batch-reads.ts). */
const closedPeriods = new WeakMap<Db, () => ClosedPeriod>();
type ClosedPeriod = { period: string | null; throughMs: number; archivedSeq: number };

function closedPeriod(db: Db): ClosedPeriod {
  let read = closedPeriods.get(db);
  if (!read) closedPeriods.set(db, (read = batchRead(db, 'ledger_period', stmt(db, 'SELECT period, closed_through_ms AS throughMs, archived_seq AS archivedSeq FROM ledger_period WHERE id = 1'))));
  return read();
}

/**
 * A move id that left with a closed period answers as it was posted, like a live one. A move booked into the open
 * period (intoOpenPeriod) was dated at the cut-off of its day: the retry is dated the same way before the comparison.
 */
function answerArchived(db: Db, row: MoveRow, m: CheckedMove, reservationId: string | null): PostResult {
  if (m.intoOpenPeriod && m.occurredMs < row.occurred_ms) {
    const period = stmt(db, 'SELECT period FROM ledger_period_closes WHERE through_ms = ? ORDER BY closed_at_ms DESC LIMIT 1').pluck().get(row.occurred_ms) as string | undefined;
    const dated = intoOpenPeriod(m, { period: period ?? null, throughMs: row.occurred_ms });
    if (!(dated instanceof LedgerError)) return answerExisting(row, dated, reservationId);
  }
  return answerExisting(row, m, reservationId);
}

/**
 * Decide everything that can refuse the move by reading only; then write it. A refusal therefore changes nothing even
 * without a savepoint. The id is looked up only when needed: before a refusal (a move posted before answers as it
 * was, whatever happened since) and when the insert finds it taken.
 */
function post(db: Db, input: CheckedMove, nowMs: number, reservationId: string | null, knownSerial: SerialRow | null | undefined): PostResult {
  // A move id posted before answers as it was posted: for a move booked into the open period, with its new date.
  let m = input;
  const refuse = (err: LedgerError): PostResult => {
    const existing = stmt(db, 'SELECT * FROM moves WHERE id = ?').get(m.id) as MoveRow | undefined;
    if (existing) return answerExisting(existing, m, reservationId);
    throw err;
  };
  const closed = closedPeriod(db);
  // One point read in the archive once a period was archived: the live unique index no longer holds those ids.
  if (closed.archivedSeq > 0) {
    const archived = archivedMoveRow(db, m.id, closed.archivedSeq);
    if (archived) return answerArchived(db, archived, m, reservationId);
  }
  const dated = intoOpenPeriod(input, closed);
  if (dated instanceof LedgerError) return refuse(dated);
  m = dated;
  const facts = postingFacts(db, m.sku, m.from, m.to);
  const item = facts.item;
  if (!item) return refuse(new LedgerError('not_found', `sku: unknown item ${JSON.stringify(m.sku)}`, 'sku'));
  const from = facts.from;
  if (!from) return refuse(new LedgerError('not_found', `from: unknown location ${JSON.stringify(m.from)}`, 'from'));
  const to = facts.to;
  if (!to) return refuse(new LedgerError('not_found', `to: unknown location ${JSON.stringify(m.to)}`, 'to'));

  // Serials: a unit moves only from where it is.
  let serial: SerialRow | undefined;
  if (item.tracking === 'serial') {
    if (m.epc === null) return refuse(new LedgerError('invalid', `item ${m.sku} is serial-tracked: the move needs the unit's epc`, 'epc'));
    if (m.qty !== 1) return refuse(new LedgerError('invalid', `item ${m.sku} is serial-tracked: a move carries one unit (qty 1), got ${m.qty}`, 'qty'));
    serial = knownSerial === undefined ? getSerialRow(db, m.epc) : (knownSerial ?? undefined);
    if (serial) {
      if (serial.sku !== m.sku) return refuse(new LedgerError('conflict', `EPC ${m.epc} is a unit of ${serial.sku}, not ${m.sku}`, 'sku'));
      if (serial.location !== m.from) {
        return refuse(new LedgerError('serial_location', `EPC ${m.epc} is at ${serial.location} (${serial.state}), not at ${m.from}: a unit moves only from where it is`, 'from', { epc: m.epc, location: serial.location, state: serial.state }));
      }
    } else if (!from.virtual) {
      return refuse(new LedgerError('serial_location', `EPC ${m.epc} is not known to the ledger, so it cannot be at ${m.from}: its first move comes from a virtual location (supplier, adjustment …)`, 'from', { epc: m.epc }));
    }
  } else if (m.epc !== null) {
    return refuse(new LedgerError('invalid', `item ${m.sku} is tracked by quantity: a move of it carries no epc`, 'epc'));
  }

  // Negative on-hand, decided before anything is written.
  let have: number | undefined;
  if (!from.allowNegative) {
    have = (stmt(db, 'SELECT qty FROM balances WHERE sku = ? AND location = ?').get(m.sku, m.from) as { qty: number } | undefined)?.qty ?? 0;
    if (have - m.qty < 0) {
      return refuse(new LedgerError('negative_on_hand', `location ${m.from} holds ${have} of ${m.sku}: moving ${m.qty} out would leave ${have - m.qty}, and it refuses negative on-hand`, 'qty', { onHand: have }));
    }
  }

  // Value, from the layers as they are (reads; the engine changes only its own copies).
  const direction = valueDirection(from, to);
  let effect: ValueEffect = { changed: [], valueDelta: 0, valueCost: 0, variance: 0 };
  let unitCost: number | null = null;
  if (direction === 'in') {
    unitCost = inboundUnitCost(db, m, item, serial);
    const head = stmt(db, 'SELECT id, unit_cost, remaining_qty, remaining_value FROM cost_layers WHERE sku = ? AND remaining_qty <> 0 ORDER BY id LIMIT 1')
      .raw()
      .get(m.sku) as [number, number, number, number] | undefined;
    effect = receive(item.costMethod, head && { id: head[0], unitCost: head[1], qty: head[2], value: head[3] }, m.qty, unitCost);
  } else if (direction === 'out') {
    unitCost = item.standardCost;
    const layers: Layer[] = [];
    let need = m.qty;
    for (const l of stmt(db, 'SELECT id, unit_cost AS unitCost, remaining_qty AS qty, remaining_value AS value FROM cost_layers WHERE sku = ? AND remaining_qty <> 0 ORDER BY id').iterate(m.sku) as IterableIterator<Layer>) {
      layers.push(l);
      need -= l.qty;
      if (need <= 0 || l.qty < 0) break; // leaving the loop closes the cursor
    }
    effect = issue(item.costMethod, layers, m.qty, unitCost);
  }

  // The first write: the move itself. An id posted before inserts nothing and is answered as it was.
  const inserted = stmt(db, `INSERT INTO moves (id, sku, qty, from_location, to_location, reason, reference, actor_kind, actor_id, event_id, epc,
              unit_cost_input, unit_cost, value_cost, value_delta, value_variance, occurred_ms, posted_ms, note, reservation_id, prev_seq)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`)
    .run(m.id, m.sku, m.qty, m.from, m.to, m.reason, m.reference, m.actor.kind, m.actor.id, m.eventId, m.epc,
      m.unitCost, unitCost, effect.valueCost, effect.valueDelta, effect.variance, m.occurredMs, nowMs, m.note, reservationId, serial?.last_move_seq ?? null);
  if (inserted.changes === 0) return answerExisting(stmt(db, 'SELECT * FROM moves WHERE id = ?').get(m.id) as MoveRow, m, reservationId);
  const seq = Number(inserted.lastInsertRowid);

  // Balances: double entry.
  // No RETURNING: SQLite buffers a RETURNING statement's rows in a temporary table, ~13 µs per upsert against ~2 µs
  // for the upsert and a point read together.
  const upsert = stmt(db, 'INSERT INTO balances (sku, location, qty) VALUES (?, ?, ?) ON CONFLICT (sku, location) DO UPDATE SET qty = qty + excluded.qty');
  upsert.run(m.sku, m.from, -m.qty);
  if (have !== undefined) {
    const left = (stmt(db, 'SELECT qty FROM balances WHERE sku = ? AND location = ?').get(m.sku, m.from) as { qty: number }).qty;
    invariant(left === have - m.qty, `balance of ${m.sku} at ${m.from} became ${left}, not ${have} - ${m.qty}, in move ${m.id}`);
  }
  upsert.run(m.sku, m.to, m.qty);

  // Layers and valuation.
  for (const l of effect.changed) {
    if (l.id === null) {
      stmt(db, 'INSERT INTO cost_layers (sku, move_seq, unit_cost, remaining_qty, remaining_value) VALUES (?, ?, ?, ?, ?)').run(m.sku, seq, l.unitCost, l.qty, l.value);
    } else {
      stmt(db, 'UPDATE cost_layers SET unit_cost = ?, remaining_qty = ?, remaining_value = ? WHERE id = ?').run(l.unitCost, l.qty, l.value, l.id);
    }
  }
  const dq = direction === 'in' ? m.qty : direction === 'out' ? -m.qty : 0;
  if (dq !== 0) stmt(db, 'UPDATE valuations SET qty = qty + ?, value = value + ? WHERE sku = ?').run(dq, effect.valueDelta, m.sku);

  // The unit: its row as read above (nothing written to it since), so an insert for a new unit and an update for a
  // known one. Not an upsert: SQLite runs an upsert that changes a foreign-key column (location) with a statement
  // journal, copying every page it touches — a new unit's insert needs none.
  if (m.epc !== null) {
    const issueCost = direction === 'out' ? effect.valueCost : null;
    if (serial) {
      const updated = stmt(db, `UPDATE serials SET location = ?, state = ?, last_move_id = ?, last_move_seq = ?,
              last_issue_cost = COALESCE(?, last_issue_cost), updated_ms = ? WHERE epc = ?`).run(m.to, serialStateAt(to), m.id, seq, issueCost, nowMs, m.epc);
      invariant(updated.changes === 1, `serial ${m.epc} was read in move ${m.id} but is not there to update`);
    } else {
      stmt(db, `INSERT INTO serials (epc, sku, location, state, last_move_id, last_move_seq, last_issue_cost, updated_ms)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(m.epc, m.sku, m.to, serialStateAt(to), m.id, seq, issueCost, nowMs);
    }
  }

  const batch = batched.get(db);
  if (batch) batch.add(m.sku);
  else assertSkuInvariants(db, m.sku, `move ${m.id}`);

  skuChanged(db).emit(m.sku, 'move', from.sellable || to.sellable);
  return {
    status: 'created',
    move: {
      seq,
      id: m.id,
      sku: m.sku,
      qty: m.qty,
      from: m.from,
      to: m.to,
      reason: m.reason,
      reference: m.reference,
      actor: { kind: m.actor.kind, id: m.actor.id },
      eventId: m.eventId,
      epc: m.epc,
      unitCostInput: m.unitCost,
      unitCost,
      valueCost: effect.valueCost,
      valueDelta: effect.valueDelta,
      valueVariance: effect.variance,
      occurredAt: isoTs(m.occurredMs),
      postedAt: isoTs(nowMs),
      note: m.note,
      reservationId,
    },
  };
}

/**
 * A move dated in the closed period: refused, or (intoOpenPeriod) dated at the open period's first instant with the
 * original date in its note — never posted into the closed history.
 */
function intoOpenPeriod(m: CheckedMove, closed: { period: string | null; throughMs: number }): CheckedMove | LedgerError {
  if (m.occurredMs >= closed.throughMs) return m;
  const original = isoTs(m.occurredMs);
  const through = isoTs(closed.throughMs);
  if (!m.intoOpenPeriod) {
    return new LedgerError('closed_period', `occurredAt ${original} is in closed period ${closed.period ?? '(unnamed)'} (closed through ${through}): a closed period is never re-posted; send intoOpenPeriod: true to book it in the open period at ${through} with a reference to ${original}`, 'occurredAt', { period: closed.period, closedThrough: through });
  }
  const reference = `booked in the open period; originally dated ${original} (period ${closed.period ?? '(unnamed)'} is closed)`;
  return { ...m, occurredMs: closed.throughMs, note: m.note === null ? reference : `${m.note} — ${reference}` };
}

/**
 * The price of units coming on hand: the caller's unitCost; else, for a unit that left stock before, the cost it left
 * at; else, for a return with a reference, the average cost of the shipments with that reference; else the standard
 * cost for a receipt; else the current average cost (standard cost when nothing is on hand).
 */
function inboundUnitCost(db: Db, m: CheckedMove, item: Item, serial: SerialRow | undefined): number {
  if (m.unitCost !== null) return m.unitCost;
  if (serial && serial.last_issue_cost !== null) return serial.last_issue_cost;
  if (m.reason === 'return' && m.reference !== null) {
    const shipped = stmt(db, "SELECT SUM(qty) AS qty, SUM(value_cost) AS cost FROM moves WHERE reference = ? AND sku = ? AND reason = 'shipment'").get(m.reference, m.sku) as { qty: number | null; cost: number | null };
    if (shipped.qty) return mulDivRound(shipped.cost ?? 0, 1, shipped.qty);
  }
  if (m.reason === 'receipt') return item.standardCost;
  const v = stmt(db, 'SELECT qty, value FROM valuations WHERE sku = ?').get(m.sku) as { qty: number; value: number };
  return v.qty > 0 ? mulDivRound(v.value, 1, v.qty) : item.standardCost;
}
