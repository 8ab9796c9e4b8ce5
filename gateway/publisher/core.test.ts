// gateway/publisher — the publisher's core alone: no broker, no driver, no waits. Each test steps the state machine
// through CoreHarness (a MemoryOutbox, timers on a hand-moved clock) and checks the commands and cursors that follow.
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../runtime/backoff.js';
import { PublisherCore, PublisherInvariantError } from './core.js';
import { CoreHarness } from './testing/core-harness.js';
import { MemoryOutbox } from './testing/memory-outbox.js';

const seqs = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/**
 * A broker that PUBACKs at once and a hub behind it that applies `perSecond` events/s in arrival order and confirms
 * what it applied, stepped every 10 ms of the harness's clock.
 */
class SlowHub {
  private readonly queue: number[] = [];
  private credit = 0;

  constructor(private readonly h: CoreHarness) {}

  /** Run `ms` at `perSecond`; returns the drain rate after each 10 ms. */
  run(ms: number, perSecond: number): number[] {
    const rates: number[] = [];
    for (let t = 0; t < ms; t += 10) {
      this.h.advance(10);
      for (const s of this.h.sent.splice(0)) {
        this.queue.push(...s.seqs);
        this.h.puback(s.key);
      }
      this.credit += perSecond / 100;
      const n = Math.min(Math.floor(this.credit), this.queue.length);
      if (n > 0) this.h.hubAck(this.queue.splice(0, n).at(-1)!);
      this.credit = this.queue.length === 0 ? 0 : this.credit - n;
      rates.push(this.h.core.state().drainRate);
    }
    return rates;
  }
}

describe('PublisherCore', () => {
  it("confirm 'hub': keeps rows after the PUBACK and deletes them only through the hub's acknowledgement", () => {
    const h = new CoreHarness({ batch: { maxEvents: 10, lingerMs: 5 } });
    h.input('start');
    const connect = h.input('connected', { sessionPresent: false });
    expect(connect.filter((c) => c.type !== 'log').map((c) => c.type)).toEqual(['subscribe', 'subscribe', 'online']);
    h.append(25);
    expect(h.sent.map((s) => s.seqs)).toEqual([seqs(1, 10), seqs(11, 20)]); // two full batches at once
    expect(h.timers.get('pump')).toBe(h.now + 5); // the part-full one lingers
    h.advance(5);
    expect(h.sent.map((s) => s.seqs.length)).toEqual([10, 10, 5]);
    h.pubackAll();
    expect(h.outbox.depth()).toBe(25);
    expect(h.core.state()).toMatchObject({ ackedEvents: 25, unconfirmedEvents: 25, inFlight: 0 });
    h.hubAck(12);
    expect(h.outbox.seqs()).toEqual(seqs(13, 25));
    expect(h.core.state()).toMatchObject({ hubConfirmedSeq: 12, unconfirmedEvents: 13 });
    h.hubAck(25);
    expect(h.outbox.depth()).toBe(0);
    expect(h.publishedSeqs()).toEqual(seqs(1, 25)); // nothing twice
  });

  it('after a reconnect publishes again from the confirmed point, and ignores PUBACKs of the lost connection', () => {
    const h = new CoreHarness({ batch: { maxEvents: 10, lingerMs: 0 }, reconnect: { initialMs: 100, maxMs: 1000 } });
    h.input('start');
    h.input('connected', { sessionPresent: false });
    h.append(30);
    const [first, ...rest] = h.sent.splice(0);
    h.puback(first!.key);
    h.hubAck(10);
    const closed = h.input('closed');
    expect(closed).toContainEqual({ type: 'offline', reason: undefined });
    expect(h.core.state()).toMatchObject({ connected: false, inFlight: 0, nextAttemptAt: h.now + backoffDelay(0, { initialMs: 100, maxMs: 1000 }, 0.5) });
    for (const s of rest) h.puback(s.key); // late PUBACKs for the dead connection: ignored, no slot, no count
    expect(h.core.state().ackedEvents).toBe(10);
    h.advance(74);
    expect(h.commands.some((c) => c.type === 'reconnect')).toBe(false);
    h.advance(1);
    expect(h.commands.filter((c) => c.type === 'reconnect')).toHaveLength(1);
    h.input('connected', { sessionPresent: false });
    expect(h.core.state().cursors).toMatchObject({ backlogEnd: 30 });
    h.advance(1000); // backlog drains at the drain rate
    expect(h.sent.flatMap((s) => s.seqs)).toEqual(seqs(11, 30));
    h.pubackAll();
    h.hubAck(30);
    expect(h.outbox.depth()).toBe(0);
  });

  it('duplicate and out-of-order PUBACKs free each slot once and count each message once', () => {
    const h = new CoreHarness({ confirm: 'broker', batch: { maxEvents: 5, lingerMs: 0 }, maxInFlight: 3 });
    h.input('start');
    h.input('connected', { sessionPresent: false });
    h.append(20);
    expect(h.sent.map((s) => s.seqs[0])).toEqual([1, 6, 11]); // the window is full
    const [a, b, c] = h.sent.splice(0);
    const deletes = (cs: ReturnType<typeof h.puback>) => cs.filter((x) => x.type === 'delete');
    expect(deletes(h.puback(c!.key))).toEqual([{ type: 'delete', seqs: seqs(11, 15) }]);
    expect(h.sent.map((s) => s.seqs[0])).toEqual([16]); // the freed slot is used at once
    expect(deletes(h.puback(c!.key))).toEqual([]); // a duplicate: nothing
    h.puback(a!.key);
    h.puback(b!.key);
    h.puback(a!.key);
    h.pubackAll();
    expect(h.outbox.depth()).toBe(0);
    expect(h.core.state()).toMatchObject({ ackedEvents: 20, publishedEvents: 20, inFlight: 0 });
  });

  it('an acknowledgement from the hub ahead of the PUBACK deletes the rows, and they are not published again', () => {
    const h = new CoreHarness({ batch: { maxEvents: 10, lingerMs: 0 }, confirmTimeoutMs: 100 });
    h.input('start');
    h.input('connected', { sessionPresent: false });
    h.append(10);
    h.hubAck(10); // the hub applied them before our PUBACK came back
    expect(h.outbox.depth()).toBe(0);
    h.pubackAll();
    expect(h.core.state()).toMatchObject({ unconfirmedEvents: 0, hubConfirmedSeq: 10, ackedEvents: 10 });
    h.advance(10_000);
    expect(h.core.state().confirmTimeouts).toBe(0);
    expect(h.publishedSeqs()).toEqual(seqs(1, 10));
  });

  it('ignores an older, a foreign-stream and an impossible acknowledgement', () => {
    const h = new CoreHarness({ batch: { maxEvents: 10, lingerMs: 0 } });
    h.input('start');
    h.input('connected', { sessionPresent: false });
    h.append(10);
    h.hubAck(5);
    expect(h.hubAck(3).filter((c) => c.type === 'confirm-through')).toEqual([]);
    expect(h.hubAck(10, 'another-stream').map((c) => c.type)).toEqual(['log']);
    expect(h.hubAck(99).map((c) => c.type)).toEqual(['log']);
    expect(h.logs.at(-1)).toMatchObject({ level: 'error', msg: expect.stringContaining('never handed out') });
    expect(h.outbox.seqs()).toEqual(seqs(6, 10));
  });

  it('drains a backlog through the token bucket while fresh events go out at once', () => {
    const h = new CoreHarness({ batch: { maxEvents: 50, lingerMs: 0 }, drainRatePerSecond: 100, confirm: 'broker' });
    h.outbox.append(1000);
    h.input('start');
    h.input('connected', { sessionPresent: false });
    expect(h.sent.map((s) => s.seqs.length)).toEqual([50]); // one burst: a whole batch, however slow the rate
    const fresh = h.append(3);
    expect(h.sent.at(-1)).toMatchObject({ lane: 'fresh', seqs: fresh.map((r) => r.seq) });
    const backlogSizes: number[] = [];
    for (let t = 0; t < 100; t++) {
      h.advance(100);
      backlogSizes.push(...h.sent.filter((s) => s.lane === 'backlog').map((s) => s.seqs.length));
      h.pubackAll(); // a broker that acknowledges within 100 ms
    }
    expect(new Set(backlogSizes)).toEqual(new Set([50])); // whole batches only, however slow the rate
    const backlog = h.publishedSeqs().filter((s) => s <= 1000);
    expect(backlog).toEqual(seqs(1, backlog.length)); // oldest first
    // 10 s at 100 events/s, plus the first burst: whole batches only, so never more, and at most one batch fewer.
    expect(backlog.length).toBeLessThanOrEqual(50 + 100 * 10);
    expect(backlog.length).toBeGreaterThanOrEqual(100 * 10);
  });

  it('adapts the drain rate to the hub: backs off when it falls behind, to the floor when it stops, back to the ceiling when it keeps pace', () => {
    const n = 12_000;
    const h = new CoreHarness({ batch: { maxEvents: 50, lingerMs: 0 }, drainRatePerSecond: 1000, maxInFlight: 8 });
    h.outbox.append(n);
    h.input('start');
    h.input('connected', { sessionPresent: false });
    const hub = new SlowHub(h);
    const outstanding = () => h.core.state().inFlightEvents + h.core.state().unconfirmedEvents;
    // A hub that applies 400 events/s: at the fixed 1000/s, 6,000 events would be waiting after 10 s.
    const slow = hub.run(10_000, 400);
    expect(outstanding()).toBeLessThan(1500);
    const settled = slow.slice(-500);
    expect(Math.max(...settled)).toBeLessThan(1000);
    expect(settled.reduce((a, r) => a + r, 0) / settled.length).toBeLessThan(800);
    // The hub stops confirming: after stallMs the rate is the floor (a twentieth of the ceiling).
    hub.run(4000, 0);
    expect(h.core.state().drainRate).toBe(50);
    // The hub keeps pace again: the rate climbs back to the ceiling, and never past it.
    const fast = hub.run(8000, 5000);
    expect(fast.at(-1)).toBe(1000);
    expect(Math.max(...slow, ...fast)).toBeLessThanOrEqual(1000);
    for (let i = 0; i < 60 && h.outbox.depth() > 0; i++) hub.run(1000, 5000);
    // Nothing doubled or skipped: every seq published once, in order, and confirmed.
    expect(h.publishedSeqs()).toEqual(seqs(1, n));
    expect(h.outbox.depth()).toBe(0);
    expect(h.core.state()).toMatchObject({ confirmTimeouts: 0, hubConfirmedSeq: n, cursors: { backlogCursor: n, backlogEnd: n } });
  });

  it('backs off between failed connection attempts with runtime/backoff, and starts again from the smallest delay after a success', () => {
    const backoff = { initialMs: 100, maxMs: 1000 };
    const h = new CoreHarness({ reconnect: backoff }, { random: () => 0.25 });
    h.input('start');
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      h.input('error', { reason: 'connection refused' });
      h.input('closed');
      delays.push(h.timers.get('reconnect')! - h.now);
      h.advance(delays.at(-1)!);
    }
    expect(delays).toEqual([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(n, backoff, 0.25)));
    expect(h.logs.filter((l) => l.msg.includes('retrying with back-off')).every((l) => l.fields.reason === 'connection refused')).toBe(true);
    expect(h.core.state()).toMatchObject({ attempts: 6, lastError: 'connection refused' });
    h.input('connected', { sessionPresent: false });
    expect(h.core.state()).toMatchObject({ attempts: 0, lastError: undefined });
    h.input('closed');
    expect(h.timers.get('reconnect')! - h.now).toBe(backoffDelay(0, backoff, 0.25));
  });

  it('a message the broker refuses stays, and goes again as backlog after the refusal back-off', () => {
    const h = new CoreHarness({ batch: { maxEvents: 10, lingerMs: 0 }, confirm: 'broker', reconnect: { initialMs: 100, maxMs: 1000 } });
    h.input('start');
    h.input('connected', { sessionPresent: false });
    h.append(10);
    const [refused] = h.sent.splice(0);
    h.puback(refused!.key, 'not authorized');
    expect(h.logs.at(-1)).toMatchObject({ level: 'error', fields: { err: 'not authorized', firstSeq: 1, lastSeq: 10, retryInMs: 75 } });
    expect(h.sent).toEqual([]);
    h.advance(74);
    expect(h.sent).toEqual([]);
    h.advance(1);
    expect(h.sent.map((s) => [s.lane, s.seqs])).toEqual([['backlog', seqs(1, 10)]]);
    h.pubackAll();
    expect(h.outbox.depth()).toBe(0);
  });

  it('publishes again, once, what the hub has not confirmed within confirmTimeoutMs, and waits twice as long the next time', () => {
    const h = new CoreHarness({ batch: { maxEvents: 10, lingerMs: 0 }, confirmTimeoutMs: 400 });
    h.input('start');
    h.input('connected', { sessionPresent: false });
    h.append(10);
    h.pubackAll();
    h.advance(399);
    expect(h.core.state().confirmTimeouts).toBe(0);
    h.advance(100); // the check runs every 100 ms
    expect(h.core.state().confirmTimeouts).toBe(1);
    expect(h.logs.find((l) => l.msg.startsWith('hub has not confirmed'))).toMatchObject({ level: 'warn', fields: { fromSeq: 1, toSeq: 10 } });
    expect(h.sent.flatMap((s) => s.seqs)).toEqual(seqs(1, 10)); // as backlog, at once (the bucket is full)
    h.pubackAll();
    h.advance(700); // republished 99 ms ago (at the check at 400 ms): the next stall is due 800 ms after it
    expect(h.core.state().confirmTimeouts).toBe(1);
    h.advance(100);
    expect(h.core.state().confirmTimeouts).toBe(2);
  });

  it('stopping sends the fresh rows without lingering and no backlog; stopped cancels every timer and never reconnects', () => {
    const h = new CoreHarness({ batch: { maxEvents: 10, lingerMs: 60_000 } });
    h.outbox.append(5); // backlog
    h.input('start');
    h.input('connected', { sessionPresent: false });
    h.pubackAll();
    h.append(3);
    expect(h.sent).toEqual([]); // lingering
    h.input('stopping');
    expect(h.sent.map((s) => s.seqs)).toEqual([[6, 7, 8]]);
    expect(h.core.flushPending(8)).toBe(true);
    h.pubackAll();
    h.hubAck(8);
    expect(h.core.flushPending(8)).toBe(false);
    h.input('stopped');
    expect(h.timers.size).toBe(0);
    h.input('closed');
    h.advance(60_000);
    expect(h.commands.some((c) => c.type === 'reconnect')).toBe(false);
    expect(h.timers.size).toBe(0);
  });

  it('asserts its cursors after every step: an outbox whose last seq goes backwards throws, naming the values', () => {
    const outbox = new MemoryOutbox();
    const h = new CoreHarness({}, { outbox });
    outbox.append(10);
    h.input('start');
    h.input('connected', { sessionPresent: false });
    outbox.lastSeq = () => 4; // a broken store
    expect(() => h.input('appended')).toThrow(PublisherInvariantError);
    expect(() => h.input('appended')).toThrow(/after appended: 0 <= backlogCursor <= backlogEnd <= lastSeq.*"backlogEnd":10.*"lastSeq":4/);
  });

  it('refuses bad tuning, naming every bad key', () => {
    expect(() => new PublisherCore({ outbox: new MemoryOutbox(), random: Math.random, maxInFlight: 0, batch: { maxEvents: 6000 }, pollMs: 0 })).toThrow(
      /maxEvents must be 1\.\.5000, got 6000.*maxInFlight must be an integer >= 1, got 0.*pollMs must be > 0, got 0/,
    );
  });
});
