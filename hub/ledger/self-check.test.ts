// The ledger self-check in a running hub: status shows the verified point catching up with the moves, and a `ledger`
// reason once a slice finds a difference in a SKU moved after the point; and the timer's pacing alone, on simulated time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, waitFor } from '../status/test-support.js';
import type { StatusReportBody } from '../status/schemas.js';
import { startTestHub, type TestHub } from '../testing/harness.js';
import { silentLogger } from '../../protocols/logging/index.js';
import { SimulatedRuntime } from '../../runtime/testing/simulated-runtime.js';
import { readVerifiedPoint } from './check-point.js';
import { postMove } from './index.js';
import { LedgerSelfCheck, pauseAfterSlice } from './self-check.js';
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
});
