// hub/channels — the sync planner alone, under simulated time: coalescing, the allocation rules, what goes out in which
// batch, retry back-off with jitter replayed from a seed, and stop() ending every wait. No database, no HTTP.
import { describe, expect, it } from 'vitest';
import type { ChannelConfig } from '../../protocols/channels/config.js';
import { SimulatedRuntime } from '../../runtime/testing/simulated-runtime.js';
import { SyncPlanner, type PlannedBatch, type PlannerOptions, type TargetView } from './planner.js';

function webhook(id: string, skus: readonly string[], over: Partial<ChannelConfig> = {}): ChannelConfig {
  return {
    id,
    connector: 'webhook',
    mode: 'live',
    locations: ['stock'],
    rule: { pct: 1, channelBuffer: 0, endWhen: 0 },
    skus: Object.fromEntries(skus.map((s) => [s, { item: `item-${s}` }])),
    webhook: { url: 'http://127.0.0.1:9/stock', secret: 's', batchSize: 100 },
    ...over,
  };
}

/** A store in a map: channel/sku → target. */
function views(rows: Record<string, TargetView>) {
  return (channel: string, sku: string) => rows[`${channel}/${sku}`];
}

/** A planner on simulated time whose wake does what the driver's tick does: take what is due, plan from `rows`, rearm. */
function setup(over: Partial<PlannerOptions> = {}, seed = 1, rows: Record<string, TargetView> = {}) {
  const rt = new SimulatedRuntime({ startMs: 1_000_000, seed });
  const wakes: number[] = [];
  const taken: Array<{ at: number; skus: string[] }> = [];
  const planned: Array<{ at: number; batch: PlannedBatch }> = [];
  let n = 0;
  const planner: SyncPlanner = new SyncPlanner({
    runtime: rt,
    coalesce: { quietMs: 20, maxDelayMs: 200 },
    retryBaseMs: 100,
    retryMaxMs: 1000,
    onWake: () => {
      wakes.push(rt.now());
      const skus = planner.takeDue();
      if (skus.length) taken.push({ at: rt.now(), skus });
      for (const batch of planner.plan(views(rows))) planned.push({ at: rt.now(), batch });
      planner.rearm();
    },
    newKey: () => `k${++n}`,
    ...over,
  });
  return { rt, planner, wakes, taken, planned };
}

describe('sync planner: coalescing', () => {
  it('folds a burst of marks into one computation after the quiet gap', () => {
    const { rt, planner, taken } = setup();
    planner.setChannel(webhook('w', ['A']), 100);
    for (let i = 0; i < 50; i++) {
      expect(planner.mark('A')).toBe(true);
      rt.advance(2);
    }
    expect(taken).toEqual([]); // marks 2 ms apart never leave a 20 ms quiet gap
    rt.advance(100);
    expect(taken).toEqual([{ at: 1_000_000 + 98 + 20, skus: ['A'] }]);
    expect(planner.busy()).toBe(false);
    expect(rt.pending()).toBe(0);
  });

  it('wakes at the maximum delay under a steady stream, and ignores SKUs no channel sells', () => {
    const { rt, planner, taken } = setup();
    planner.setChannel(webhook('w', ['A']), 100);
    expect(planner.mark('not-sold')).toBe(false);
    expect(rt.pending()).toBe(0);
    for (let i = 0; i < 30; i++) {
      planner.mark('A');
      rt.advance(10);
    }
    expect(taken.map((t) => t.at - 1_000_000)).toEqual([200]); // and again 200 ms after the next first mark (at 210)
    rt.advance(200);
    expect(taken.map((t) => t.at - 1_000_000)).toEqual([200, 310]);
  });
});

describe('sync planner: allocation', () => {
  it('applies the global buffer, fixed allocations first, then percentages, buffers and caps', () => {
    const { planner } = setup({ globalBuffer: 2 });
    planner.setChannel(webhook('shop', ['A'], { rule: { pct: 1, channelBuffer: 0, endWhen: 0, max: 150 } }), 50);
    planner.setChannel(webhook('amazon', ['A'], { rule: { pct: 0.5, channelBuffer: 5, endWhen: 0 } }), 50);
    planner.setChannel(webhook('b2b', ['A'], { rule: { pct: 1, channelBuffer: 0, endWhen: 0, fixed: 20 } }), 50);
    const q = planner.allocate(
      'A',
      new Map([
        ['shop', 200],
        ['amazon', 200],
        ['b2b', 200],
      ]),
    );
    // 200 − 2 = 198; b2b's fixed 20 first → 178; shop capped at 150; amazon half of 178 − 5
    expect(Object.fromEntries(q)).toEqual({ shop: 150, amazon: 86, b2b: 20 });
    expect(() => planner.allocate('A', new Map([['shop', 1]]))).toThrow(/no availability for channel "amazon"/);
  });
});

describe('sync planner: batches', () => {
  it('pushes only what changed, forced SKUs anyway, in batches of the channel’s size with their own keys', () => {
    const { planner } = setup({ concurrency: 2 });
    planner.setChannel(webhook('w', ['A', 'B', 'C', 'D']), 2);
    const rows = views({
      'w/A': { shouldShow: 5, lastConfirmed: 5 }, // already shown
      'w/B': { shouldShow: 3, lastConfirmed: 1 },
      'w/C': { shouldShow: 0, lastConfirmed: null },
      'w/D': { shouldShow: 7, lastConfirmed: 7 },
    });
    planner.queue('w', ['A', 'B', 'C']);
    planner.queue('w', ['D'], true);
    const batches = planner.plan(rows);
    expect(batches.map((b) => [b.kind, b.key, b.items.map((i) => `${i.sku}:${i.from}→${i.quantity}`)])).toEqual([
      ['push', 'k1', ['B:1→3', 'C:null→0']],
      ['push', 'k2', ['D:7→7']],
    ]);
    expect(batches[0]!.items[0]).toMatchObject({ item: 'item-B' });
    expect(planner.unchanged).toBe(1);
    expect(planner.queued('w')).toEqual({ pending: 0, queuedOrInFlight: 3 });
  });

  it('holds a channel at its concurrency, keeps a SKU in flight out of the next batch, and reads in shadow mode', () => {
    const { planner } = setup({ concurrency: 1 });
    planner.setChannel(webhook('w', ['A', 'B']), 1);
    planner.setChannel(webhook('s', ['A'], { mode: 'shadow' }), 10);
    const rows = views({ 'w/A': { shouldShow: 1, lastConfirmed: 0 }, 'w/B': { shouldShow: 2, lastConfirmed: 0 }, 's/A': { shouldShow: 1, lastConfirmed: 1 } });
    planner.queue('w', ['A', 'B']);
    planner.queue('s', ['A']);
    const first = planner.plan(rows);
    expect(first.map((b) => `${b.channel}:${b.kind}:${b.items.map((i) => i.sku).join()}`)).toEqual(['w:push:A', 's:shadow:A']);
    planner.queue('w', ['A']); // A changed again while its push is out
    expect(planner.plan(rows)).toEqual([]); // one at a time
    planner.ended(first[0]!);
    expect(planner.plan(rows, 'w').map((b) => b.items.map((i) => i.sku))).toEqual([['B']]); // A waits: B was queued first
    expect(() => planner.ended(first[0]!)).toThrow(/not in flight/);
  });

  it('a SKU released early and taken by a later batch stays in flight when the first batch ends', () => {
    const { planner } = setup({ concurrency: 2 });
    planner.setChannel(webhook('w', ['A', 'B']), 2);
    const rows = views({ 'w/A': { shouldShow: 1, lastConfirmed: null }, 'w/B': { shouldShow: 2, lastConfirmed: null } });
    planner.queue('w', ['A', 'B']);
    const [first] = planner.plan(rows);
    expect(first!.items.map((i) => i.sku)).toEqual(['A', 'B']);
    planner.release(first!, ['A']); // the channel already showed A (read before the first push)
    planner.queue('w', ['A']); // A changed meanwhile
    const [second] = planner.plan(rows);
    expect(second!.items.map((i) => i.sku)).toEqual(['A']);
    planner.ended(first!); // B's push answered: A is still out with the second batch
    planner.queue('w', ['A']);
    expect(planner.plan(rows)).toEqual([]);
    expect(planner.queued('w')).toEqual({ pending: 1, queuedOrInFlight: 2 });
    planner.ended(second!);
    expect(planner.plan(rows).map((b) => b.items.map((i) => i.sku))).toEqual([['A']]);
  });
});

describe('sync planner: retries', () => {
  /** Six failed pushes of one SKU in a row: how long after each the planner sent it again. */
  function retryDelays(seed: number): number[] {
    const { rt, planner, planned } = setup({}, seed, { 'w/A': { shouldShow: 4, lastConfirmed: 0 } });
    planner.setChannel(webhook('w', ['A']), 10);
    planner.queue('w', ['A']);
    planner.rearm();
    rt.advance(0);
    const delays: number[] = [];
    for (let failures = 1; failures <= 6; failures++) {
      const b = planned.at(-1)!.batch;
      const failedAt = rt.now();
      planner.settled(b, { failed: [{ sku: 'A', attempts: failures }], deferred: [], stale: [], channelFailures: failures });
      planner.ended(b);
      planner.rearm();
      const before = planned.length;
      for (let step = 0; step < 2000 && planned.length === before; step++) rt.advance(1);
      expect(planned.length, `try ${failures + 1} planned`).toBe(before + 1);
      delays.push(planned.at(-1)!.at - failedAt);
    }
    return delays;
  }

  it('backs off exponentially with up to 25 % jitter, capped, the same for the same seed', () => {
    const a = retryDelays(7);
    expect(retryDelays(7)).toEqual(a);
    expect(retryDelays(8)).not.toEqual(a);
    const ceilings = [100, 200, 400, 800, 1000, 1000];
    a.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(Math.floor(ceilings[i]! * 0.75));
      expect(ms).toBeLessThanOrEqual(ceilings[i]!);
    });
  });

  it('sends a failed SKU again even when its target fell back to what the channel last confirmed (the push may have applied)', () => {
    const rows: Record<string, TargetView> = { 'w/A': { shouldShow: 4, lastConfirmed: 0 } };
    const { rt, planner, planned } = setup({}, 1, rows);
    planner.setChannel(webhook('w', ['A']), 10);
    planner.queue('w', ['A']);
    planner.rearm();
    rt.advance(0);
    const first = planned.at(-1)!.batch;
    expect(first.items.map((i) => `${i.sku}:${i.from}→${i.quantity}`)).toEqual(['A:0→4']);
    // The push timed out (the channel may show 4 now); meanwhile the stock fell back and the target is 0 again.
    rows['w/A'] = { shouldShow: 0, lastConfirmed: 0 };
    planner.queue('w', ['A']);
    planner.settled(first, { failed: [{ sku: 'A', attempts: 1 }], deferred: [], stale: [], channelFailures: 1 });
    planner.ended(first);
    planner.rearm();
    rt.advance(2000);
    expect(planned.map((p) => p.batch.items.map((i) => `${i.sku}:${i.from}→${i.quantity}`).join())).toEqual(['A:0→4', 'A:0→0']);
    expect(planner.unchanged).toBe(0);
  });

  it('sends deferred SKUs again at once, recomputes stale ones at once, and retries a failed read after the base delay', () => {
    const rows = { 'w/A': { shouldShow: 1, lastConfirmed: 0 }, 'w/B': { shouldShow: 2, lastConfirmed: 0 }, 'w/C': { shouldShow: 3, lastConfirmed: null } };
    const { rt, planner, taken, planned } = setup({}, 1, rows);
    planner.setChannel(webhook('w', ['A', 'B', 'C']), 10);
    planner.queue('w', ['A', 'B']);
    const [b] = planner.plan(views(rows));
    planner.settled(b!, { failed: [], deferred: ['A'], stale: ['B'] });
    planner.ended(b!);
    rt.advance(0);
    expect(taken).toEqual([{ at: 1_000_000, skus: ['B'] }]);
    expect(planned.map((p) => p.batch.items.map((i) => i.sku))).toEqual([['A']]);

    planner.queue('w', ['C']);
    const [c] = planner.plan(views(rows));
    expect(c!.items.map((i) => i.sku)).toEqual(['C']);
    planner.readFailed(c!);
    planner.rearm();
    rt.advance(99);
    expect(planned).toHaveLength(1);
    rt.advance(1);
    expect(planned.map((p) => [p.at - 1_000_000, p.batch.items.map((i) => i.sku)])).toEqual([
      [0, ['A']],
      [100, ['C']],
    ]);
  });

  it('refuses settings it cannot honour, naming them', () => {
    expect(() => setup({ retryBaseMs: 0 })).toThrow(/retryBaseMs/);
    expect(() => setup({ coalesce: { quietMs: 50, maxDelayMs: 10 } })).toThrow(/quietMs <= maxDelayMs/);
    expect(() => setup({ concurrency: 0 })).toThrow(/concurrency/);
    const { planner } = setup();
    expect(() => planner.setChannel(webhook('w', ['A']), 0)).toThrow(/batch size/);
    expect(() => planner.queue('nope', ['A'])).toThrow(/unknown channel "nope"/);
  });
});

describe('sync planner: channels at run time and shutdown', () => {
  it('a removed channel plans nothing more, and its batch in flight still ends', () => {
    const { planner } = setup();
    planner.setChannel(webhook('w', ['A', 'B']), 10);
    const rows = views({ 'w/A': { shouldShow: 1, lastConfirmed: 0 }, 'w/B': { shouldShow: 2, lastConfirmed: 0 } });
    planner.queue('w', ['A']);
    const [b] = planner.plan(rows);
    expect(planner.removeChannel('w').id).toBe('w');
    expect(planner.channelsOf('A')).toEqual([]);
    planner.settled(b!, { failed: [{ sku: 'A', attempts: 1 }], deferred: [], stale: [], channelFailures: 1 });
    planner.ended(b!);
    expect(planner.busy()).toBe(false);
  });

  it('a replaced channel drops queued SKUs it no longer sells and is unblocked', () => {
    const { planner } = setup();
    planner.setChannel(webhook('w', ['A', 'B']), 10);
    planner.queue('w', ['A', 'B']);
    const old = planner.setChannel(webhook('w', ['B']), 10);
    expect(Object.keys(old!.skus)).toEqual(['A', 'B']);
    const rows = views({ 'w/A': { shouldShow: 1, lastConfirmed: 0 }, 'w/B': { shouldShow: 2, lastConfirmed: 0 } });
    expect(planner.plan(rows).map((x) => x.items.map((i) => i.sku))).toEqual([['B']]);
  });

  it('stop() cancels the wake and every retry wait: nothing fires and nothing more is planned', () => {
    const { rt, planner, wakes } = setup();
    planner.setChannel(webhook('w', ['A', 'B']), 10);
    const rows = views({ 'w/A': { shouldShow: 1, lastConfirmed: 0 }, 'w/B': { shouldShow: 2, lastConfirmed: 0 } });
    planner.queue('w', ['A']);
    const [b] = planner.plan(rows);
    planner.settled(b!, { failed: [{ sku: 'A', attempts: 1 }], deferred: [], stale: [], channelFailures: 1 });
    planner.ended(b!);
    planner.mark('B');
    planner.rearm();
    expect(rt.pending()).toBe(1);
    planner.stop();
    expect(rt.pending()).toBe(0);
    rt.advance(10_000);
    expect(wakes).toEqual([]);
    planner.queue('w', ['A', 'B']);
    expect(planner.plan(rows)).toEqual([]);
  });
});
