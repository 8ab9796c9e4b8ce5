// hub/periods — closing a period on a real SQLite ledger: the snapshot the check starts from, the archive that still
// answers a unit's history and the moves list, downstream cursors that hold a close back, back-dated moves refused or
// booked in the open period.
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  checkFull,
  checkIncremental,
  getMove,
  getReservation,
  getSerial,
  listAudit,
  listMoves,
  listReservations,
  moveSerial,
  postMove,
  postReservation,
  readVerifiedPoint,
  recordAudit,
  reserve,
  serialHistory,
  voidReservation,
  type Move,
} from '../ledger/index.js';
import { archivedSeq, closeArchiveReader } from '../ledger/archive.js';
import { LedgerReplay } from '../ledger/replay.js';
import { makeFixture, T0, type Fixture } from '../ledger/test-fixture.js';
import { archiveClosedPeriod } from './archive.js';
import { closePeriodSnapshot, PeriodCloseRefused, readPeriodState } from './close.js';
import { closePeriod } from './index.js';

const DAY = 86_400_000;
const EPC = '3034257bf7194e4000001a85';
let f: Fixture;

/** Moves across two days: receipts of A (FIFO) and M (moving average), sales, a unit S received and moved on. */
function postTwoDays(): void {
  const at = (ms: number) => new Date(ms).toISOString();
  const p = (over: Parameters<Fixture['mv']>[0], ms: number) => postMove(f.db, f.mv({ ...over, occurredAt: at(ms) }), ms);
  const unit = (id: string, to: string, ms: number, first = false) =>
    moveSerial(
      f.db,
      {
        id,
        epc: EPC,
        to,
        reason: first ? 'receipt' : 'transfer',
        actor: { kind: 'api', id: 't' },
        occurredAt: at(ms),
        ...(first ? { sku: 'S', from: 'supplier' } : {}),
      },
      ms,
    );
  for (let d = 0; d < 2; d++) {
    const t = T0 + d * DAY;
    p({ sku: 'A', from: 'supplier', to: 'stock', qty: 10, reason: 'receipt', unitCost: 100 + d }, t + 1000);
    p({ sku: 'A', from: 'stock', to: 'customer', qty: 4, reason: 'shipment' }, t + 2000);
    p({ sku: 'M', from: 'supplier', to: 'stock', qty: 6, reason: 'receipt', unitCost: 50 + d * 10 }, t + 3000);
    p({ sku: 'M', from: 'stock', to: 'customer', qty: 5, reason: 'shipment' }, t + 4000);
    if (d === 0) {
      unit('s-1', 'receiving', t + 5000, true);
      unit('s-2', 'stock', t + 6000);
    } else {
      unit('s-3', 'stock-b', t + 6000);
    }
  }
}

const ids = (moves: Move[]) => moves.map((m) => m.id);
const allMoves = () => {
  const out: Move[] = [];
  let cursor: string | undefined;
  do {
    const page = listMoves(f.db, { limit: 3, ...(cursor ? { cursor } : {}) });
    out.push(...page.moves);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
};

beforeEach(() => {
  f = makeFixture();
});
afterEach(() => {
  closeArchiveReader(f.db);
  f.close();
});

describe('closing a period', () => {
  it('snapshots the ledger at the cut-off and archives the closed moves; the check starts from the snapshot and every reader still answers', () => {
    postTwoDays();
    const before = allMoves();
    const history = serialHistory(f.db, EPC);
    const through = T0 - 8 * 3_600_000 + DAY; // midnight between the two days
    const r = closePeriod(f.db, { throughMs: through, nowMs: T0 + 3 * DAY });
    expect(r.plan).toMatchObject({ action: 'close', period: '..2025-03-02'.replace('..', 'start..'), moves: 6 });
    expect(r.archive.moves).toBe(6);
    expect(archivedSeq(f.db)).toBe(6);
    expect(f.db.prepare('SELECT COUNT(*) FROM moves').pluck().get()).toBe(before.length - 6);
    expect(existsSync(`${f.db.name}.archive.sqlite`)).toBe(true);
    // Readers across live and archive answer as before the close.
    expect(ids(allMoves())).toEqual(ids(before));
    expect(ids(listMoves(f.db, { limit: 1000 }).moves)).toEqual(ids(before));
    expect(ids(serialHistory(f.db, EPC))).toEqual(ids(history));
    expect(ids(listMoves(f.db, { epc: EPC }).moves)).toEqual(['s-1', 's-2', 's-3']);
    expect(ids(listMoves(f.db, { sku: 'A', limit: 2 }).moves)).toEqual(ids(before.filter((m) => m.sku === 'A').slice(0, 2)));
    // The check verifies from the snapshot: full and incremental are clean, and replay only the live moves.
    const full = checkFull(f.db, T0 + 3 * DAY);
    expect(full.report).toMatchObject({ ok: true, moves: before.length - 6 });
    postMove(
      f.db,
      f.mv({ sku: 'A', from: 'stock', to: 'customer', qty: 2, reason: 'shipment', occurredAt: new Date(T0 + 2 * DAY).toISOString() }),
      T0 + 2 * DAY,
    );
    const inc = checkIncremental(f.db, T0 + 3 * DAY);
    expect(inc.report).toMatchObject({ ok: true, moves: 3 });
  });

  it("clears the incremental check's verified states with the close: the next check replays from the snapshot, then resumes", () => {
    postTwoDays();
    checkIncremental(f.db, T0 + 3 * DAY);
    const states = () => f.db.prepare('SELECT (SELECT COUNT(*) FROM ledger_check_skus) + (SELECT COUNT(*) FROM ledger_check_units)').pluck().get();
    expect(states()).toBe(4); // A, M, S and the one unit
    closePeriod(f.db, { throughMs: T0 - 8 * 3_600_000 + DAY, nowMs: T0 + 3 * DAY });
    expect(states()).toBe(0);
    const at = new Date(T0 + 2 * DAY).toISOString();
    postMove(f.db, f.mv({ sku: 'A', from: 'stock', to: 'customer', qty: 2, reason: 'shipment', occurredAt: at }), T0 + 2 * DAY);
    moveSerial(f.db, { id: 's-4', epc: EPC, to: 'customer', reason: 'shipment', actor: { kind: 'api', id: 't' }, occurredAt: at }, T0 + 2 * DAY);
    const apply = vi.spyOn(LedgerReplay.prototype, 'apply');
    try {
      // A: day 2's two moves and the new one; S: s-3 and s-4, its unit from the snapshot's row.
      expect(checkIncremental(f.db, T0 + 3 * DAY).report).toMatchObject({ ok: true, skus: 2, moves: 5 });
      postMove(f.db, f.mv({ sku: 'A', from: 'stock', to: 'customer', qty: 1, reason: 'shipment', occurredAt: at }), T0 + 2 * DAY);
      apply.mockClear();
      expect(checkIncremental(f.db, T0 + 3 * DAY).report).toMatchObject({ ok: true, skus: 1, moves: 1 });
      expect(apply.mock.calls.length).toBe(1);
    } finally {
      apply.mockRestore();
    }
    expect(checkFull(f.db, T0 + 3 * DAY).report.ok).toBe(true);
  });

  it('finds a stored balance that differs from the snapshot plus the moves after it', () => {
    postTwoDays();
    closePeriod(f.db, { throughMs: T0 + DAY - 8 * 3_600_000, nowMs: T0 + 3 * DAY });
    f.db.prepare("UPDATE ledger_snapshot_balances SET qty = qty + 1 WHERE sku = 'A' AND location = 'stock'").run();
    const r = checkFull(f.db, T0 + 3 * DAY);
    expect(r.report.ok).toBe(false);
    expect(r.report.differences.map((d) => d.check)).toContain('balance');
  });
});

describe('what a closed period refuses', () => {
  it('refuses back-dated moves into the closed period (409 closed_period naming it), or books them in the open period with the original date', () => {
    postTwoDays();
    const through = T0 + DAY - 8 * 3_600_000;
    closePeriod(f.db, { throughMs: through, nowMs: T0 + 3 * DAY });
    const late = f.mv({ sku: 'A', from: 'supplier', to: 'stock', qty: 1, reason: 'adjustment', occurredAt: new Date(T0 + 60_000).toISOString() });
    expect(() => postMove(f.db, late, T0 + 3 * DAY)).toThrow(/closed period start\.\.2025-03-02/);
    try {
      postMove(f.db, late, T0 + 3 * DAY);
    } catch (err) {
      expect(err).toMatchObject({ code: 'closed_period', field: 'occurredAt' });
    }
    const booked = postMove(f.db, { ...late, intoOpenPeriod: true }, T0 + 3 * DAY);
    expect(booked.move.occurredAt).toBe(new Date(through).toISOString());
    expect(booked.move.note).toContain(`originally dated ${new Date(T0 + 60_000).toISOString()}`);
    expect(postMove(f.db, { ...late, intoOpenPeriod: true }, T0 + 3 * DAY).status).toBe('exists');
    expect(checkFull(f.db, T0 + 3 * DAY).report.ok).toBe(true);
  });

  it('refuses to close while a downstream reader has not passed the cut-off, naming it, and changes nothing', () => {
    postTwoDays();
    f.db.exec('CREATE TABLE erp_cursor (name TEXT PRIMARY KEY, seq INTEGER NOT NULL)');
    f.db.prepare("INSERT INTO erp_cursor VALUES ('webhook-moves', 3)").run();
    const state = readPeriodState(f.db);
    expect(() => closePeriodSnapshot(f.db, T0 + DAY - 8 * 3_600_000, T0 + 3 * DAY)).toThrow(PeriodCloseRefused);
    expect(() => closePeriodSnapshot(f.db, T0 + DAY - 8 * 3_600_000, T0 + 3 * DAY)).toThrow(
      /ERP cursor webhook-moves has not passed the cut-off: it has queued moves through seq 3, the period ends at seq 6/,
    );
    expect(readPeriodState(f.db)).toEqual(state);
    f.db.prepare("UPDATE erp_cursor SET seq = 6 WHERE name = 'webhook-moves'").run();
    expect(closePeriodSnapshot(f.db, T0 + DAY - 8 * 3_600_000, T0 + 3 * DAY).plan.action).toBe('close');
  });

  it('refuses to close a ledger the check finds wrong', () => {
    postTwoDays();
    f.db.prepare("UPDATE balances SET qty = qty + 1 WHERE sku = 'A' AND location = 'stock'").run();
    expect(() => closePeriodSnapshot(f.db, T0 + DAY - 8 * 3_600_000, T0 + 3 * DAY)).toThrow(/ledger check finds/);
  });
});

describe('closing again, archiving in batches', () => {
  it('a second close continues from the first; closing the same period again is done, an earlier one refused', () => {
    postTwoDays();
    closePeriod(f.db, { throughMs: T0 + DAY - 8 * 3_600_000, nowMs: T0 + 3 * DAY });
    expect(closePeriod(f.db, { throughMs: T0 + DAY - 8 * 3_600_000, nowMs: T0 + 3 * DAY }).plan.action).toBe('done');
    expect(() => closePeriod(f.db, { throughMs: T0, nowMs: T0 + 3 * DAY })).toThrow(/already closed/);
    const second = closePeriod(f.db, { throughMs: T0 + 2 * DAY - 8 * 3_600_000, nowMs: T0 + 3 * DAY });
    expect(second.plan).toMatchObject({ action: 'close', period: '2025-03-02..2025-03-03' });
    expect(f.db.prepare('SELECT COUNT(*) FROM moves').pluck().get()).toBe(0);
    expect(ids(serialHistory(f.db, EPC))).toEqual(['s-1', 's-2', 's-3']);
    expect(getSerial(f.db, EPC)?.location).toBe('stock-b');
    expect(checkFull(f.db, T0 + 3 * DAY).report).toMatchObject({ ok: true, moves: 0 });
    moveSerial(
      f.db,
      { id: 's-4', epc: EPC, to: 'customer', reason: 'shipment', actor: { kind: 'api', id: 't' }, occurredAt: new Date(T0 + 2 * DAY + 1).toISOString() },
      T0 + 3 * DAY,
    );
    expect(checkFull(f.db, T0 + 3 * DAY).report.ok).toBe(true);
    expect(ids(serialHistory(f.db, EPC))).toEqual(['s-1', 's-2', 's-3', 's-4']);
    expect(readVerifiedPoint(f.db).fault).toBeNull();
  });

  it('archives in batches; the audit records of the period go with the last', () => {
    postTwoDays();
    f.db.prepare("INSERT INTO audit_log (at_ms, actor_kind, actor_id, action) VALUES (?, 'api', 't', 'x'), (?, 'api', 't', 'y')").run(T0, T0 + 2 * DAY);
    closePeriodSnapshot(f.db, T0 + DAY - 8 * 3_600_000, T0 + 3 * DAY);
    const seen: number[] = [];
    const r = archiveClosedPeriod(f.db.name, { batch: 4, onBatch: (to) => seen.push(to) });
    expect(seen).toEqual([4, 6]);
    expect(archivedSeq(f.db)).toBe(6);
    expect(r.moves).toBe(6);
    expect(f.db.prepare('SELECT action FROM audit_log').pluck().all()).toEqual(['y']);
    expect(() => f.db.prepare('DELETE FROM moves WHERE seq = 7').run()).toThrow(/immutable/);
  });
});

describe('move ids across the archive', () => {
  const DAY1 = T0 + DAY - 8 * 3_600_000;
  const at = (ms: number) => new Date(ms).toISOString();

  it('an archived move posted again answers exists, as posted; the same id with other fields is a conflict, never a second move', () => {
    postTwoDays();
    const first = f.mv({ sku: 'A', from: 'supplier', to: 'stock', qty: 10, reason: 'receipt', unitCost: 100, occurredAt: at(T0 + 1000) });
    const again = { ...first, id: 'm-1' }; // postTwoDays posted m-1 with exactly these fields
    closePeriod(f.db, { throughMs: DAY1, nowMs: T0 + 3 * DAY });
    expect(f.db.prepare("SELECT COUNT(*) FROM moves WHERE id = 'm-1'").pluck().get()).toBe(0);
    const moves = f.db.prepare('SELECT COUNT(*) FROM moves').pluck().get();
    const r = postMove(f.db, again, T0 + 3 * DAY);
    expect(r.status).toBe('exists');
    expect(r.move).toMatchObject({ id: 'm-1', seq: 1, qty: 10, occurredAt: at(T0 + 1000) });
    expect(postMove(f.db, { ...again, intoOpenPeriod: true }, T0 + 3 * DAY).status).toBe('exists'); // nothing to re-date: it is booked
    // Dated after the cut-off, the same id is still the archived move: a conflict.
    expect(() => postMove(f.db, { ...again, occurredAt: at(T0 + 2 * DAY) }, T0 + 3 * DAY)).toThrow(/move m-1 was already posted with different occurredAt/);
    expect(f.db.prepare('SELECT COUNT(*) FROM moves').pluck().get()).toBe(moves);
    expect(getMove(f.db, 'm-1')).toMatchObject({ id: 'm-1', seq: 1 });
    expect(checkFull(f.db, T0 + 3 * DAY).report.ok).toBe(true);
  });

  it('a move booked into the open period, archived by a later close, answers exists when retried as it was first sent', () => {
    postTwoDays();
    closePeriod(f.db, { throughMs: DAY1, nowMs: T0 + 3 * DAY });
    const late = f.mv({ sku: 'A', from: 'supplier', to: 'stock', qty: 1, reason: 'adjustment', occurredAt: at(T0 + 60_000), intoOpenPeriod: true });
    const booked = postMove(f.db, late, T0 + 3 * DAY);
    expect(booked.move.occurredAt).toBe(at(DAY1));
    closePeriod(f.db, { throughMs: DAY1 + DAY, nowMs: T0 + 3 * DAY });
    expect(f.db.prepare('SELECT COUNT(*) FROM moves WHERE id = ?').pluck().get(late.id)).toBe(0);
    const retry = postMove(f.db, late, T0 + 3 * DAY);
    expect(retry).toMatchObject({ status: 'exists', move: { id: late.id, seq: booked.move.seq, occurredAt: at(DAY1), note: booked.move.note } });
  });
});

describe('holds and audit records across the archive', () => {
  const DAY1 = T0 + DAY - 8 * 3_600_000;
  const at = (ms: number) => new Date(ms).toISOString();
  const actor = { kind: 'api', id: 't' } as const;

  /** Day 0: a receipt, a hold posted as a shipment, an audit record; day 1: the same again (hold r-2, record 2). */
  function holdsAndRecords(): void {
    for (const d of [0, 1]) {
      const t = T0 + d * DAY;
      postMove(f.db, f.mv({ sku: 'A', from: 'supplier', to: 'stock', qty: 5, reason: 'receipt', unitCost: 100, occurredAt: at(t + 1000) }), t + 1000);
      const id = `r-${d + 1}`;
      reserve(f.db, { id, sku: 'A', qty: 2, reference: `SO-${d + 1}`, channel: 'shop', expiresAt: t + DAY }, t + 1500);
      postReservation(
        f.db,
        id,
        { id: `ship-${d + 1}`, sku: 'A', qty: 2, from: 'stock', to: 'customer', reason: 'shipment', actor, occurredAt: at(t + 2000) },
        t + 2000,
      );
      recordAudit(f.db, { actor, action: 'test.record', target: 'A', payload: { d }, atMs: t + 3000 });
    }
  }

  it('a posted hold archived with its move is still found, listed, and answers exists when reserved or posted again', () => {
    holdsAndRecords();
    const before = listReservations(f.db);
    closePeriod(f.db, { throughMs: DAY1, nowMs: T0 + 3 * DAY });
    expect(f.db.prepare('SELECT id FROM reservations').pluck().all()).toEqual(['r-2']); // r-1 left with its move
    expect(getReservation(f.db, 'r-1')).toMatchObject({ id: 'r-1', state: 'posted', moveId: 'ship-1' });
    expect(listReservations(f.db)).toEqual(before);
    expect(listReservations(f.db, { reference: 'SO-1' }).map((r) => r.id)).toEqual(['r-1']);
    const again = reserve(f.db, { id: 'r-1', sku: 'A', qty: 2, reference: 'SO-1', channel: 'shop', expiresAt: T0 + DAY }, T0 + 3 * DAY);
    expect(again.status).toBe('exists');
    const ship = { id: 'ship-1', sku: 'A', qty: 2, from: 'stock', to: 'customer', reason: 'shipment' as const, actor, occurredAt: at(T0 + 2000) };
    expect(postReservation(f.db, 'r-1', ship, T0 + 3 * DAY).status).toBe('exists');
    expect(() => voidReservation(f.db, 'r-1', 'oops', T0 + 3 * DAY)).toThrow(/already posted/);
    expect(f.db.prepare('SELECT COUNT(*) FROM reservations').pluck().get()).toBe(1);
    expect(checkFull(f.db, T0 + 3 * DAY).report.ok).toBe(true);
  });

  it('the audit records of a closed period are listed before the live ones, paged across the two', () => {
    holdsAndRecords();
    const before = listAudit(f.db);
    expect(before.map((r) => r.payload)).toEqual([{ d: 0 }, { d: 1 }]);
    closePeriod(f.db, { throughMs: DAY1, nowMs: T0 + 3 * DAY });
    expect(f.db.prepare('SELECT COUNT(*) FROM audit_log').pluck().get()).toBe(1);
    expect(listAudit(f.db)).toEqual(before);
    expect(listAudit(f.db, { target: 'A' })).toEqual(before);
    const first = listAudit(f.db, { limit: 1 });
    expect(first).toEqual([before[0]]);
    expect(listAudit(f.db, { after: first[0]!.seq, limit: 1 })).toEqual([before[1]]);
    expect(listAudit(f.db, { target: 'B' })).toEqual([]);
  });
});
