// The incremental check resumes each SKU from its verified state (issue #24 point 4), on real SQLite files: a check of
// k new moves replays those k moves, not the SKU's history, and compares only the units they moved; it still finds a
// corrupted balance, chain link, cost layer or move value among them; a failing check drops its SKUs' states (the
// retry replays them whole), so a state that went wrong cannot keep a fault alive; and the self-check on simulated
// time holds each turn to a slice of moves replayed and of units compared, the point reaching the newest move.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../protocols/logging/index.js';
import { SimulatedRuntime } from '../../runtime/testing/simulated-runtime.js';
import { checkFull, checkIncremental, readVerifiedPoint } from './check-point.js';
import { moveSerial, postMove, updateLocation } from './index.js';
import { LedgerReplay } from './replay.js';
import { LedgerSelfCheck } from './self-check.js';
import { makeFixture, T0, type Fixture } from './test-fixture.js';

let f: Fixture;
afterEach(() => f.close());

const epc = (i: number) => `aabbccdd${String(i).padStart(8, '0')}`;
const unitMove = (id: string, e: string, to: string, first = false) =>
  moveSerial(
    f.db,
    {
      id,
      epc: e,
      to,
      reason: first ? 'receipt' : 'transfer',
      actor: { kind: 'api', id: 't' },
      occurredAt: new Date(T0).toISOString(),
      ...(first ? { sku: 'S', from: 'supplier' } : {}),
    },
    T0,
  );

/**
 * A (FIFO) received at rising costs and shipped across layers, M (moving average) the same, `units` units of S received
 * and each moved once: a history of some length in every kind of state.
 */
function history(rounds: number, units = 4): void {
  for (let i = 0; i < rounds; i++) {
    postMove(f.db, f.mv({ sku: 'A', qty: 3, from: 'supplier', to: 'stock', reason: 'receipt', unitCost: 100 + i }), T0);
    postMove(f.db, f.mv({ sku: 'A', qty: 2, from: 'stock', to: 'customer', reason: 'shipment' }), T0);
    postMove(f.db, f.mv({ sku: 'M', qty: 4, from: 'supplier', to: 'stock', reason: 'receipt', unitCost: 50 + 3 * i }), T0);
    postMove(f.db, f.mv({ sku: 'M', qty: 3, from: 'stock', to: 'customer', reason: 'shipment' }), T0);
  }
  for (let u = 0; u < units; u++) unitMove(`s-${u}-in`, epc(u), 'receiving', true);
  for (let u = 0; u < units; u++) unitMove(`s-${u}-put`, epc(u), 'stock');
}

/** Counts LedgerReplay.apply calls (moves replayed) while `fn` runs. */
function replayed<T>(fn: () => T): { moves: number; result: T } {
  const apply = vi.spyOn(LedgerReplay.prototype, 'apply');
  try {
    const result = fn();
    return { moves: apply.mock.calls.length, result };
  } finally {
    apply.mockRestore();
  }
}

const lastSeq = () => f.db.prepare('SELECT MAX(seq) FROM moves').pluck().get() as number;
const stateSeqs = () => Object.fromEntries(f.db.prepare('SELECT sku, seq FROM ledger_check_skus ORDER BY sku').raw().all() as Array<[string, number]>);

/** New moves after a first check: A across layers, M, and units the first check verified moving on (their state read back). */
function newMoves(): number {
  postMove(f.db, f.mv({ sku: 'A', qty: 5, from: 'stock', to: 'customer', reason: 'shipment' }), T0);
  postMove(f.db, f.mv({ sku: 'M', qty: 2, from: 'stock', to: 'stock-b' }), T0);
  unitMove('s-1-out', epc(1), 'customer');
  unitMove('s-2-b', epc(2), 'stock-b');
  return 4;
}

describe('the incremental check resumes each SKU from its verified state', () => {
  it('replays only the new moves after the first check, compares only the units they moved, and agrees with the full check', () => {
    f = makeFixture();
    history(30, 6);
    const first = replayed(() => checkIncremental(f.db, T0 + 1));
    expect(first.moves).toBe(lastSeq()); // no state yet: every move
    expect(first.result).toMatchObject({ toSeq: lastSeq(), report: { ok: true, skus: 3 } });
    expect(stateSeqs()).toEqual({ A: 118, M: 120, S: 132 });
    expect(f.db.prepare('SELECT COUNT(*) FROM ledger_check_units').pluck().get()).toBe(6);

    const k = newMoves();
    const units = vi.spyOn(LedgerReplay, 'unitState'); // called once per unit compared with its serial row
    const second = replayed(() => checkIncremental(f.db, T0 + 2));
    expect(units.mock.calls.length).toBe(2);
    units.mockRestore();
    expect(second.moves).toBe(k);
    expect(second.result).toMatchObject({ fromSeq: 132, toSeq: lastSeq(), report: { ok: true, moves: k, skus: 3 }, point: { seq: lastSeq(), fault: null } });
    expect(stateSeqs()).toEqual({ A: 133, M: 134, S: 136 });
    expect(checkFull(f.db, T0 + 3).report).toMatchObject({ ok: true, differences: [] });
  });

  it('finds a corrupted balance among the new moves; the retry replays that SKU whole, the others from their states, and passes once repaired', () => {
    f = makeFixture();
    history(10);
    checkIncremental(f.db, T0 + 1);
    newMoves();
    f.db.prepare("UPDATE balances SET qty = qty + 1 WHERE sku = 'A' AND location = 'stock'").run();
    const found = checkIncremental(f.db, T0 + 2);
    expect(found.report.differences.map((d) => `${d.check} ${d.sku}`)).toEqual(['balance A', 'zero_sum A']);
    expect(found.point).toMatchObject({ seq: 48, faultScope: 'incremental' });
    // A's state is dropped (the differences name A only); M and S keep theirs, from the first check.
    expect(stateSeqs()).toEqual({ M: 40, S: 48 });
    const retry = replayed(() => checkIncremental(f.db, T0 + 3));
    const ofA = f.db.prepare("SELECT COUNT(*) FROM moves WHERE sku = 'A'").pluck().get() as number;
    expect(retry.moves).toBe(ofA + 3); // A whole; M's and S's new moves from their states
    expect(retry.result.report.differences.map((d) => d.check)).toEqual(['balance', 'zero_sum']);
    f.db.prepare("UPDATE balances SET qty = qty - 1 WHERE sku = 'A' AND location = 'stock'").run();
    expect(checkIncremental(f.db, T0 + 4)).toMatchObject({ report: { ok: true }, point: { seq: lastSeq(), fault: null } });
  });

  it("finds a broken chain link of a unit the first check verified, a move's wrong value and a wrong cost layer", () => {
    f = makeFixture();
    history(10);
    checkIncremental(f.db, T0 + 1);
    newMoves();
    f.db.exec('DROP TRIGGER moves_immutable_update');
    f.db.prepare("UPDATE moves SET prev_seq = prev_seq - 1 WHERE id = 's-1-out'").run(); // its previous move is s-1-put
    const shipped = f.db.prepare("SELECT seq, value_cost FROM moves WHERE sku = 'A' ORDER BY seq DESC LIMIT 1").get() as { seq: number; value_cost: number };
    f.db.prepare('UPDATE moves SET value_cost = value_cost + 7 WHERE seq = ?').run(shipped.seq);
    f.db
      .prepare(
        "UPDATE cost_layers SET remaining_value = remaining_value + 1, remaining_qty = remaining_qty WHERE id = (SELECT MAX(id) FROM cost_layers WHERE sku = 'A')",
      )
      .run();
    const r = checkIncremental(f.db, T0 + 2).report;
    const putSeq = f.db.prepare("SELECT seq FROM moves WHERE id = 's-1-put'").pluck().get() as number;
    expect(r.differences.map((d) => d.message)).toEqual(
      expect.arrayContaining([
        `move s-1-out links EPC ${epc(1)}'s history to move seq ${putSeq - 1}, but the unit's previous move is ${putSeq}`,
        expect.stringMatching(new RegExp(`^move m-\\d+ booked \\{"valueCost":${shipped.value_cost + 7},`)),
        'open cost layers of A differ from a replay of its moves',
      ]),
    );
    expect(new Set(r.differences.map((d) => d.check))).toEqual(new Set(['serial', 'move_value', 'layers']));
  });

  it('a stored state that went wrong fails the check once; the retry replays from the basis and passes', () => {
    f = makeFixture();
    history(10);
    checkIncremental(f.db, T0 + 1);
    newMoves();
    const state = JSON.parse(f.db.prepare("SELECT state FROM ledger_check_skus WHERE sku = 'M'").pluck().get() as string) as { valued: { value: number } };
    state.valued.value += 5;
    f.db.prepare("UPDATE ledger_check_skus SET state = ? WHERE sku = 'M'").run(JSON.stringify(state));
    expect(checkIncremental(f.db, T0 + 2).report.differences.map((d) => `${d.check} ${d.sku}`)).toContain('valuation M');
    expect(checkIncremental(f.db, T0 + 3)).toMatchObject({ report: { ok: true }, point: { seq: lastSeq(), fault: null } });
  });

  it('ignores a state replayed with another catalog (a location changed since): the SKU replays whole, then resumes again', () => {
    f = makeFixture();
    history(3);
    checkIncremental(f.db, T0 + 1);
    const ship = () => postMove(f.db, f.mv({ sku: 'M', qty: 1, from: 'stock', to: 'customer', reason: 'shipment' }), T0);
    ship();
    updateLocation(f.db, 'floor', { allowNegative: false }, T0);
    const moves = f.db.prepare("SELECT COUNT(*) FROM moves WHERE sku = 'M'").pluck().get() as number;
    expect(replayed(() => checkIncremental(f.db, T0 + 2)).moves).toBe(moves);
    ship();
    expect(replayed(() => checkIncremental(f.db, T0 + 3)).moves).toBe(1);
  });
});

describe('the self-check of long histories on simulated time, resumed from verified states', () => {
  const SLICE = 8;
  /** Timer turns 50 ms apart; per turn the moves replayed, the units compared and the unit states written. */
  function turns(rt: SimulatedRuntime, n: number): Array<{ moves: number; units: number; written: number }> {
    const apply = vi.spyOn(LedgerReplay.prototype, 'apply');
    const units = vi.spyOn(LedgerReplay, 'unitState');
    const rows = () => f.db.prepare('SELECT COUNT(*) FROM ledger_check_units').pluck().get() as number;
    try {
      const out: Array<{ moves: number; units: number; written: number }> = [];
      for (let i = 0; i < n; i++) {
        const [m, u, w] = [apply.mock.calls.length, units.mock.calls.length, rows()];
        rt.advance(50);
        out.push({ moves: apply.mock.calls.length - m, units: units.mock.calls.length - u, written: rows() - w });
      }
      return out;
    } finally {
      apply.mockRestore();
      units.mockRestore();
    }
  }

  it('a SKU of N ≫ sliceReplay moves: after the first check, k new moves cost k replayed; each turn a slice at most of moves and units compared, and of units stored', () => {
    f = makeFixture();
    history(40, 30); // 160 moves of A and M, 60 of S over 30 units
    const rt = new SimulatedRuntime({ startMs: T0 });
    const check = new LedgerSelfCheck(f.db, rt, silentLogger(), { intervalMs: 5_000, busyPauseMs: 50, sliceMoves: 2_000, sliceReplay: SLICE });
    check.start();
    const first = turns(rt, 200);
    expect(readVerifiedPoint(f.db)).toMatchObject({ seq: lastSeq(), fault: null });
    expect(first.reduce((s, t) => s + t.moves, 0)).toBe(lastSeq());
    expect(first.reduce((s, t) => s + t.units, 0)).toBe(30);
    // a turn's slice covers its moves replayed and its units compared together
    expect(Math.max(...first.map((t) => t.moves + t.units))).toBeLessThanOrEqual(SLICE);
    // S's 30 units, its first state, written ahead of the point a slice at a time.
    expect(first.reduce((s, t) => s + t.written, 0)).toBe(30);
    expect(Math.max(...first.map((t) => t.written))).toBeLessThanOrEqual(SLICE);

    const k = newMoves();
    const second = turns(rt, 200);
    expect(second.reduce((s, t) => s + t.moves, 0)).toBe(k);
    expect(second.reduce((s, t) => s + t.units, 0)).toBe(2);
    expect(readVerifiedPoint(f.db)).toMatchObject({ seq: lastSeq(), fault: null });
    check.stop();
  });
});
