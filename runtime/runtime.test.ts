// runtime — the system runtime keeps real time and fires real timers; the simulated one fires timers only as the test
// advances it, in due order, and replays its randomness from a seed.
import { describe, expect, it } from 'vitest';
import { repeatTimer, systemRuntime, wakeableWait } from './runtime.js';
import { SimulatedRuntime } from './testing/simulated-runtime.js';

describe('systemRuntime', () => {
  it('reads the system clock, fires a timer after its delay, and a cancelled one never', async () => {
    const before = Date.now();
    expect(Math.abs(systemRuntime.now() - before)).toBeLessThan(1000);
    const fired: string[] = [];
    systemRuntime.setTimer(1, () => fired.push('kept'));
    systemRuntime.setTimer(1, () => fired.push('cancelled')).cancel();
    await new Promise<void>((resolve) => systemRuntime.setTimer(20, resolve));
    expect(fired).toEqual(['kept']);
    const r = systemRuntime.random();
    expect(r).toBeGreaterThanOrEqual(0);
    expect(r).toBeLessThan(1);
  });
});

describe('SimulatedRuntime', () => {
  it('fires timers in due order (ties in the order set), each at its due time, only when advanced', () => {
    const rt = new SimulatedRuntime({ startMs: 1000 });
    const seen: string[] = [];
    rt.setTimer(30, () => seen.push(`c@${rt.now()}`));
    rt.setTimer(10, () => seen.push(`a@${rt.now()}`));
    rt.setTimer(10, () => seen.push(`b@${rt.now()}`));
    rt.setTimer(-5, () => seen.push(`now@${rt.now()}`));
    expect(seen).toEqual([]);
    expect(rt.advance(10)).toBe(3);
    expect(seen).toEqual(['now@1000', 'a@1010', 'b@1010']);
    expect(rt.now()).toBe(1010);
    expect(rt.pending()).toBe(1);
    rt.advance(100);
    expect(seen.at(-1)).toBe('c@1030');
    expect(rt.now()).toBe(1110);
  });

  it('fires timers set by timers within the same advance, and never a cancelled one', () => {
    const rt = new SimulatedRuntime();
    const seen: number[] = [];
    const tick = () => {
      seen.push(rt.now());
      if (seen.length < 5) rt.setTimer(7, tick);
    };
    rt.setTimer(7, tick);
    const gone = rt.setTimer(20, () => seen.push(-1));
    gone.cancel();
    expect(rt.advance(100)).toBe(5);
    expect(seen).toEqual([7, 14, 21, 28, 35]);
    expect(rt.pending()).toBe(0);
  });

  it('advanceAsync lets the promise work a timer starts finish before the next timer fires', async () => {
    const rt = new SimulatedRuntime();
    const seen: string[] = [];
    const work = async (name: string) => {
      await Promise.resolve();
      await Promise.resolve();
      seen.push(`${name} done@${rt.now()}`);
    };
    rt.setTimer(5, () => void work('a'));
    rt.setTimer(5, () => seen.push(`b@${rt.now()}`));
    rt.setTimer(9, () => void work('c'));
    expect(await rt.advanceAsync(10)).toBe(3);
    expect(seen).toEqual(['a done@5', 'b@5', 'c done@9']);
    expect(rt.now()).toBe(10);
  });

  it('replays its randomness from the seed, and refuses to go back in time', () => {
    const draw = (seed: number) => {
      const rt = new SimulatedRuntime({ seed });
      return Array.from({ length: 5 }, () => rt.random());
    };
    expect(draw(3)).toEqual(draw(3));
    expect(draw(3)).not.toEqual(draw(4));
    expect(() => new SimulatedRuntime().advance(-1)).toThrow(/advance/);
  });
});

describe('timer helpers on the runtime', () => {
  it('wakeableWait ends when its time comes, or at once on wake() with its timer cancelled', async () => {
    const rt = new SimulatedRuntime();
    let ended = false;
    const full = wakeableWait(rt, 100);
    void full.done.then(() => (ended = true));
    await rt.advanceAsync(99);
    expect(ended).toBe(false);
    await rt.advanceAsync(1);
    expect(ended).toBe(true);

    const cut = wakeableWait(rt, 60_000);
    expect(rt.pending()).toBe(1);
    cut.wake();
    await cut.done;
    expect(rt.pending()).toBe(0);
  });

  it('repeatTimer fires every interval until cancelled, even when cancelled from its own callback', () => {
    const rt = new SimulatedRuntime();
    const at: number[] = [];
    const t = repeatTimer(rt, 10, () => {
      at.push(rt.now());
      if (at.length === 3) t.cancel();
    });
    rt.advance(100);
    expect(at).toEqual([10, 20, 30]);
    expect(rt.pending()).toBe(0);
  });
});
