// The ledger self-check in a running hub: status shows the verified point catching up with the moves, and a `ledger`
// reason once a slice finds a difference in a SKU moved after the point; and the timer's pacing alone, on simulated time.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { call, waitFor } from '../status/test-support.js';
import type { StatusReportBody } from '../status/schemas.js';
import { startTestHub, type TestHub } from '../testing/harness.js';
import { silentLogger } from '../../protocols/logging/index.js';
import { SimulatedRuntime } from '../../runtime/testing/simulated-runtime.js';
import { readVerifiedPoint } from './check-point.js';
import { postMove } from './index.js';
import { LedgerReplay } from './replay.js';
import { LedgerSelfCheck, nextSlice, pauseAfterSlice } from './self-check.js';
import { makeFixture, T0 } from './test-fixture.js';

describe('a running hub checks its ledger', () => {
  let t: TestHub;
  let n = 0;
  const status = async () => (await call<StatusReportBody>(t.hub.url, 'GET', '/api/v1/status')).body;
  const receive = async (sku: string) => {
    const r = await call(t.hub.url, 'POST', '/api/v1/moves', {
      headers: { 'idempotency-key': `k-${++n}` },
      body: { sku, qty: 2, from: 'supplier', to: 'stock', reason: 'receipt', note: 'test' },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  };

  beforeAll(async () => {
    t = await startTestHub();
    for (const sku of ['A', 'B'])
      expect((await call(t.hub.url, 'POST', '/api/v1/items', { body: { sku, name: sku, tracking: 'quantity', standardCost: 10 } })).status).toBe(201);
  });
  afterAll(() => t.stop());

  it('status shows the verified point catch up with the moves, then a ledger fault found in a SKU moved after it', async () => {
    await receive('A');
    await receive('B');
    await waitFor('the self-check to verify both moves', async () => ((await status()).ledger?.lagMoves === 0 ? true : undefined), 20_000);
    const caught = await status();
    expect(caught.ledger).toMatchObject({ verifiedSeq: 2, lagMoves: 0, fault: null, verifiedAt: expect.any(String) });
    expect(caught.reasons.map((r) => r.code)).not.toContain('ledger');

    // A unit of A drifted from stock to receiving: zero-sum and on-hand hold, so the posting's own invariants pass.
    const drift = (d: number) =>
      t.hub.db.transaction(() => {
        t.hub.db.prepare("UPDATE balances SET qty = qty - ? WHERE sku = 'A' AND location = 'stock'").run(d);
        t.hub.db
          .prepare("INSERT INTO balances (sku, location, qty) VALUES ('A', 'receiving', ?) ON CONFLICT (sku, location) DO UPDATE SET qty = qty + excluded.qty")
          .run(d);
      })();
    drift(1);
    await receive('A');
    await waitFor('the self-check to find the drifted balance', async () => ((await status()).ledger?.fault !== null ? true : undefined), 20_000);
    const faulty = await status();
    expect(faulty.ledger).toMatchObject({
      verifiedSeq: 2,
      lagMoves: 1,
      fault: expect.stringMatching(/^balance of A at (stock is 3, the moves give 4|receiving is 1, the moves give 0) \(and 1 more difference\)$/),
    });
    expect(faulty.reasons).toContainEqual(
      expect.objectContaining({ level: 'degraded', code: 'ledger', subject: 'ledger', message: expect.stringContaining('clears when the next check passes') }),
    );

    drift(-1);
    await waitFor('the fault to clear once the same slice passes', async () => ((await status()).ledger?.fault === null ? true : undefined), 20_000);
    expect((await status()).ledger).toMatchObject({ verifiedSeq: 3, lagMoves: 0 });
  }, 90_000);
});

describe('the self-check on simulated time', () => {
  it('checks a slice per timer turn, 50 ms apart while behind, then every interval; stop() leaves no timer', () => {
    const f = makeFixture();
    try {
      for (const sku of ['A', 'M', 'A']) postMove(f.db, f.mv({ sku, qty: 1, from: 'supplier', to: 'stock', reason: 'receipt', unitCost: 10 }), T0);
      const rt = new SimulatedRuntime({ startMs: T0 });
      const check = new LedgerSelfCheck(f.db, rt, silentLogger(), { intervalMs: 5_000, busyPauseMs: 50, sliceMoves: 1, sliceReplay: 10 });
      check.start();
      const seen: Array<[number, number]> = [];
      for (let i = 0; i < 4; i++) {
        rt.advance(i < 3 ? 50 : 4_999);
        seen.push([rt.now() - T0, readVerifiedPoint(f.db).seq]);
      }
      expect(seen).toEqual([
        [50, 1],
        [100, 2],
        [150, 3],
        [5_149, 3],
      ]);
      expect(readVerifiedPoint(f.db)).toMatchObject({ atMs: T0 + 150, fault: null });
      expect(rt.pending()).toBe(1);
      check.stop();
      expect(rt.pending()).toBe(0);
    } finally {
      f.close();
    }
  });

  it('takes at most maxShare of the time: a slice that took d ms waits d × (1 − share) / share, or what it asked for if longer', () => {
    expect(pauseAfterSlice(0, 50, 0.1)).toBe(50);
    expect(pauseAfterSlice(200, 50, 0.1)).toBe(1_800);
    expect(pauseAfterSlice(200, 5_000, 0.1)).toBe(5_000);
    expect(pauseAfterSlice(10, 0, 1)).toBe(0);
    const f = makeFixture();
    try {
      for (const sku of ['A', 'M', 'A']) postMove(f.db, f.mv({ sku, qty: 1, from: 'supplier', to: 'stock', reason: 'receipt', unitCost: 10 }), T0);
      const rt = new SimulatedRuntime({ startMs: T0 });
      // Each reading of the clock is 100 ms after the one before: every slice takes at least 100 ms of it.
      let reads = 0;
      const pauses: number[] = [];
      const slow = {
        now: () => rt.now() + 100 * ++reads,
        setTimer: (ms: number, fn: () => void) => {
          pauses.push(ms);
          return rt.setTimer(ms, fn);
        },
      };
      const check = new LedgerSelfCheck(f.db, slow, silentLogger(), { intervalMs: 5_000, busyPauseMs: 50, sliceMoves: 1, sliceReplay: 10, maxShare: 0.2 });
      check.start();
      rt.advance(50);
      expect(readVerifiedPoint(f.db).seq).toBe(1);
      rt.advance(399); // behind, but the slice took >= 100 ms: >= 400 ms before the next, not 50
      expect(readVerifiedPoint(f.db).seq).toBe(1);
      expect(pauses.slice(1).every((ms) => ms >= 400)).toBe(true);
      rt.advance(10_000);
      expect(readVerifiedPoint(f.db).seq).toBe(3);
      check.stop();
      expect(() => new LedgerSelfCheck(f.db, rt, silentLogger(), { intervalMs: 1, busyPauseMs: 1, sliceMoves: 1, sliceReplay: 1, maxShare: 0 })).toThrow(
        RangeError,
      );
    } finally {
      f.close();
    }
  });

  it('sizes the next slice by the pace of the last turn: what takes turnMs, at most doubling, within [min(16, max), max]', () => {
    expect(nextSlice(400, 400, 40, 10, 2_000)).toBe(100); // 4× too long: a quarter
    expect(nextSlice(100, 100, 5, 10, 2_000)).toBe(200); // half the time: twice
    expect(nextSlice(100, 100, 1, 10, 2_000)).toBe(200); // much faster: at most twice
    expect(nextSlice(1_500, 1_500, 0, 10, 2_000)).toBe(2_000); // no time at all: up to the largest slice
    expect(nextSlice(400, 20, 10, 10, 2_000)).toBe(20); // a turn that took on 20 in 10 ms (the rest of its slice unused): 20
    expect(nextSlice(400, 0, 30, 10, 2_000)).toBe(400); // a turn of fixed costs counts nothing: the slice stays
    expect(nextSlice(64, 64, 10_000, 10, 2_000)).toBe(16); // a slow turn cannot shrink it below 16
    expect(nextSlice(8, 8, 10_000, 10, 10)).toBe(10); // nor below sliceReplay when that is smaller
  });

  it('runs no slice while standAside says so (the ingest is catching up), and checks again after busyPauseMs', () => {
    const f = makeFixture();
    try {
      for (const sku of ['A', 'M']) postMove(f.db, f.mv({ sku, qty: 1, from: 'supplier', to: 'stock', reason: 'receipt', unitCost: 10 }), T0);
      const rt = new SimulatedRuntime({ startMs: T0 });
      let catchingUp = true;
      const check = new LedgerSelfCheck(f.db, rt, silentLogger(), {
        intervalMs: 5_000,
        busyPauseMs: 50,
        sliceMoves: 1,
        sliceReplay: 10,
        standAside: () => catchingUp,
      });
      check.start();
      rt.advance(1_000);
      expect(readVerifiedPoint(f.db).seq).toBe(0);
      catchingUp = false;
      rt.advance(50);
      expect(readVerifiedPoint(f.db).seq).toBe(1);
      rt.advance(50);
      expect(readVerifiedPoint(f.db).seq).toBe(2);
      check.stop();
      expect(rt.pending()).toBe(0);
    } finally {
      f.close();
    }
  });
  it('lets a slice wait busyPauseMs while yieldTo says so (requests are being served), at most 10 times in a row', () => {
    const f = makeFixture();
    try {
      for (const sku of ['A', 'M', 'A', 'M']) postMove(f.db, f.mv({ sku, qty: 1, from: 'supplier', to: 'stock', reason: 'receipt', unitCost: 10 }), T0);
      const rt = new SimulatedRuntime({ startMs: T0 });
      let serving = true;
      let asked = 0;
      const check = new LedgerSelfCheck(f.db, rt, silentLogger(), {
        intervalMs: 5_000,
        busyPauseMs: 50,
        sliceMoves: 1,
        sliceReplay: 10,
        yieldTo: () => (asked++, serving),
      });
      check.start();
      rt.advance(500);
      expect([readVerifiedPoint(f.db).seq, asked]).toEqual([0, 10]); // asked every 50 ms and waited, ten times
      rt.advance(50); // the eleventh turn runs however busy the API
      expect([readVerifiedPoint(f.db).seq, asked]).toEqual([1, 11]);
      rt.advance(500);
      expect(readVerifiedPoint(f.db).seq).toBe(1); // the next waits ten turns again
      rt.advance(50);
      expect(readVerifiedPoint(f.db).seq).toBe(2);
      serving = false; // quiet: a slice every busyPauseMs
      rt.advance(50);
      expect(readVerifiedPoint(f.db).seq).toBe(3);
      rt.advance(50);
      expect(readVerifiedPoint(f.db).seq).toBe(4);
      check.stop();
      expect(rt.pending()).toBe(0);
    } finally {
      f.close();
    }
  });
});

describe('the self-check of a SKU with a long history, on simulated time (issue #24 point 4)', () => {
  const N = 60;
  const SLICE = 8;
  /** A ledger of one SKU, A, with n moves: receipts into stock and transfers between stock and stock-b. */
  function longSku(n = N) {
    const f = makeFixture();
    postMove(f.db, f.mv({ sku: 'A', qty: n, from: 'supplier', to: 'stock', reason: 'receipt', unitCost: 10 }), T0);
    for (let i = 1; i < n; i++) postMove(f.db, f.mv({ sku: 'A', qty: 1, from: i % 2 ? 'stock' : 'stock-b', to: i % 2 ? 'stock-b' : 'stock' }), T0);
    return f;
  }

  /** Runs timer turns 50 ms apart until the point stops moving with no check in progress; the moves each turn replayed. */
  function run(f: ReturnType<typeof makeFixture>, rt: SimulatedRuntime, turns: number, between?: (turn: number) => void): number[] {
    const apply = vi.spyOn(LedgerReplay.prototype, 'apply');
    try {
      const replayed: number[] = [];
      for (let turn = 0; turn < turns; turn++) {
        between?.(turn);
        const before = apply.mock.calls.length;
        rt.advance(50);
        replayed.push(apply.mock.calls.length - before);
      }
      return replayed;
    } finally {
      apply.mockRestore();
    }
  }

  /** The self-check started on simulated time, slices of at most SLICE moves replayed. */
  function started(f: ReturnType<typeof makeFixture>, log = silentLogger()) {
    const rt = new SimulatedRuntime({ startMs: T0 });
    const check = new LedgerSelfCheck(f.db, rt, log, { intervalMs: 5_000, busyPauseMs: 50, sliceMoves: 2_000, sliceReplay: SLICE });
    check.start();
    return { rt, check };
  }

  it('replays at most sliceReplay moves per timer turn, however long the SKU, and the point still reaches the newest move', () => {
    const f = longSku();
    try {
      const { rt, check } = started(f);
      const replayed = run(f, rt, 2 * Math.ceil(N / SLICE));
      expect(Math.max(...replayed)).toBeLessThanOrEqual(SLICE);
      expect(replayed.filter((n) => n > 0).length).toBeGreaterThanOrEqual(Math.ceil(N / SLICE));
      expect(replayed.reduce((a, b) => a + b, 0)).toBe(N); // one check of A, replayed once
      expect(readVerifiedPoint(f.db)).toMatchObject({ seq: N, fault: null });
      check.stop();
      expect(rt.pending()).toBe(0);
    } finally {
      f.close();
    }
  });

  it('still finds a corrupted balance of that SKU, replaying at most sliceReplay moves per turn; the point stays', () => {
    const f = longSku();
    try {
      f.db.prepare("UPDATE balances SET qty = qty + 1 WHERE sku = 'A' AND location = 'stock'").run();
      const errors: unknown[] = [];
      const log = silentLogger();
      log.error = ((obj: unknown) => void errors.push(obj)) as typeof log.error;
      const { rt, check } = started(f, log);
      const replayed = run(f, rt, 2 * Math.ceil(N / SLICE));
      expect(Math.max(...replayed)).toBeLessThanOrEqual(SLICE);
      expect(readVerifiedPoint(f.db)).toMatchObject({ seq: 0, faultScope: 'incremental', fault: expect.stringMatching(/^balance of A at stock is /) });
      expect(errors).toHaveLength(1);
      check.stop();
    } finally {
      f.close();
    }
  });

  it('sizes its turns by time: where a move costs 1 ms to replay, turns settle near turnMs of moves, and the point still gets there', () => {
    const n = 400;
    const f = longSku(n);
    const original = LedgerReplay.prototype.apply;
    let replayed = 0;
    const apply = vi.spyOn(LedgerReplay.prototype, 'apply').mockImplementation(function (this: LedgerReplay, m) {
      replayed++; // each move replayed costs 1 ms of the check's clock
      return original.call(this, m);
    });
    try {
      const rt = new SimulatedRuntime({ startMs: T0 });
      const clock = { now: () => rt.now() + replayed, setTimer: rt.setTimer.bind(rt) };
      const check = new LedgerSelfCheck(f.db, clock, silentLogger(), { intervalMs: 5_000, busyPauseMs: 50, sliceMoves: 2_000, sliceReplay: 2_000, turnMs: 20 });
      check.start();
      const perTurn: number[] = []; // the moves of each turn that replayed any (a turn at most per 50 ms: pauses are >= 50)
      for (let step = 0; step < 2_000 && readVerifiedPoint(f.db).seq < n; step++) {
        const before = replayed;
        rt.advance(50);
        if (replayed > before) perTurn.push(replayed - before);
      }
      expect(readVerifiedPoint(f.db)).toMatchObject({ seq: n, fault: null });
      expect(perTurn.reduce((a, b) => a + b, 0)).toBe(n);
      expect(perTurn[0]).toBe(64); // the first slice: 4 × 16
      // then a turn replays about 20 moves (20 ms at 1 ms each), never the 2,000 sliceReplay allows
      expect(Math.max(...perTurn.slice(1)), perTurn.join()).toBeLessThanOrEqual(40);
      check.stop();
    } finally {
      apply.mockRestore();
      f.close();
    }
  });

  it('covers a move posted between the turns of a check in progress, and stop() abandons a check in progress', () => {
    const f = longSku();
    try {
      const { rt, check } = started(f);
      const points: number[] = [];
      const replayed = run(f, rt, 3 * Math.ceil(N / SLICE), (turn) => {
        points.push(readVerifiedPoint(f.db).seq);
        if (turn === 2) postMove(f.db, f.mv({ sku: 'A', qty: 1, from: 'stock', to: 'customer', reason: 'shipment' }), T0); // mid-check
      });
      expect(points[2]).toBe(0); // the first check was still in progress when the move was posted
      expect(Math.max(...replayed)).toBeLessThanOrEqual(SLICE);
      expect(readVerifiedPoint(f.db)).toMatchObject({ seq: N + 1, fault: null });

      // A second check in progress (A resumes from its verified state: more than a slice of new moves to replay), then
      // stop(): no timer left, the point where it was, nothing more replayed.
      for (let i = 0; i < 2 * SLICE; i++) postMove(f.db, f.mv({ sku: 'A', qty: 1, from: 'stock', to: 'customer', reason: 'shipment' }), T0);
      const apply = vi.spyOn(LedgerReplay.prototype, 'apply');
      for (let t = 0; t < 200 && apply.mock.calls.length === 0; t++) rt.advance(50);
      apply.mockRestore();
      expect(readVerifiedPoint(f.db).seq).toBe(N + 1); // the second check has begun, not ended
      check.stop();
      expect(rt.pending()).toBe(0);
      expect(run(f, rt, 5)).toEqual([0, 0, 0, 0, 0]);
      expect(readVerifiedPoint(f.db).seq).toBe(N + 1);
    } finally {
      f.close();
    }
  });
});
