// hub/ingest — the pure core alone: what a message is, seq ranges, a batch's seq accounting, turns, failures, acknowledgements,
// counters.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WIRE_VERSION, topics } from '../../protocols/events/index.js';
import { batchOf, doorEvents } from './test-support.js';
import {
  BatchAccount,
  IngestCore,
  IngestInvariantError,
  appliedThrough,
  batchWindow,
  decideMessage,
  judgeSeq,
  subtract,
  type Gap,
  type SeqRange,
  type StreamPosition,
} from './core.js';

const range = (max: number) =>
  fc.tuple(fc.integer({ min: 1, max }), fc.integer({ min: 0, max: 20 })).map(([from, len]): SeqRange => ({ from, to: from + len }));

function members(rs: readonly SeqRange[]): Set<number> {
  const s = new Set<number>();
  for (const r of rs) for (let i = r.from; i <= r.to; i++) s.add(i);
  return s;
}

describe('seq ranges', () => {
  it('subtract: exactly the seqs of the range not in any hole, as ordered disjoint ranges', () => {
    fc.assert(
      fc.property(range(60), fc.array(range(60), { maxLength: 6 }), (r, holes) => {
        const pieces = subtract(r, holes);
        const holeSet = members(holes);
        const expected = [...members([r])].filter((s) => !holeSet.has(s));
        expect([...members(pieces)].sort((a, b) => a - b)).toEqual(expected);
        for (let i = 1; i < pieces.length; i++) expect(pieces[i]!.from).toBeGreaterThan(pieces[i - 1]!.to + 1);
      }),
    );
  });

  it('subtract: examples', () => {
    expect(subtract({ from: 3, to: 9 }, [{ from: 5, to: 5 }])).toEqual([
      { from: 3, to: 4 },
      { from: 6, to: 9 },
    ]);
    expect(subtract({ from: 3, to: 9 }, [{ from: 1, to: 20 }])).toEqual([]);
    expect(subtract({ from: 3, to: 9 }, [])).toEqual([{ from: 3, to: 9 }]);
    expect(() => subtract({ from: 5, to: 4 }, [])).toThrow(/invalid seq range 5..4/);
  });

  it('judges a seq against the highest seen', () => {
    expect(judgeSeq(0, 1)).toEqual({ kind: 'next' });
    expect(judgeSeq(7, 8)).toEqual({ kind: 'next' });
    expect(judgeSeq(0, 4)).toEqual({ kind: 'jump', missing: { from: 1, to: 3 } });
    expect(judgeSeq(7, 10)).toEqual({ kind: 'jump', missing: { from: 8, to: 9 } });
    expect(judgeSeq(7, 7)).toEqual({ kind: 'behind' });
    expect(judgeSeq(7, 2)).toEqual({ kind: 'behind' });
  });
});

const AT = '2026-03-01T10:00:00.000Z';
const fresh = (): StreamPosition => ({ lastSeq: 0, applied: 0, duplicates: 0, late: 0, seqConflicts: 0 });

/** A stream's stored state, kept the way the store keeps it: the plans' writes applied to it. */
class Stream {
  position = fresh();
  gaps: Gap[] = [];
  private nextId = 1;
  /** Event ids applied (the store's inbox). */
  readonly applied = new Set<number>();

  /** One batch: each seq is applied unless applied before; `reports` are gap events' ranges at seqs of their own. */
  batch(seqs: number[], reports: Map<number, SeqRange> = new Map()) {
    const window = batchWindow(this.position.lastSeq, seqs, [...reports.values()]);
    const stored = this.gaps.filter((g) => g.from <= window.to && g.to >= window.from);
    const account = new BatchAccount(this.position, stored, window, seqs.length, AT);
    for (const seq of seqs) {
      if (this.applied.has(seq)) {
        account.duplicate();
        continue;
      }
      this.applied.add(seq);
      account.applied(seq, 0);
      const r = reports.get(seq);
      if (r) account.reported(r, 'outbox full', `gap-${seq}`);
    }
    const plan = account.plan();
    this.gaps = this.gaps.filter((g) => !plan.gapsRemoved.includes(g.id!)).concat(plan.gapsAdded.map((g) => ({ ...g, id: this.nextId++ })));
    this.position = plan.position;
    return plan;
  }

  ranges(kind?: Gap['kind']): Array<[number, number, string]> {
    return this.gaps
      .filter((g) => kind === undefined || g.kind === kind)
      .sort((a, b) => a.from - b.from)
      .map((g) => [g.from, g.to, g.kind]);
  }

  through(): number {
    const missing = this.gaps.filter((g) => g.kind === 'missing').map((g) => g.from);
    return appliedThrough(this.position.lastSeq, missing.length ? Math.min(...missing) : null);
  }
}

describe('BatchAccount: one batch of a stream', () => {
  it('opens a missing gap at a jump, shrinks it as late events come, and counts each kind', () => {
    const s = new Stream();
    expect(s.batch([1, 2, 10])).toMatchObject({ applied: 3, gapsOpened: [{ from: 3, to: 9 }], late: 0 });
    expect(s.through()).toBe(2);
    expect(s.batch([5, 6])).toMatchObject({ applied: 2, late: 2, seqConflicts: 0 });
    expect(s.ranges()).toEqual([
      [3, 4, 'missing'],
      [7, 9, 'missing'],
    ]);
    expect(s.batch([3, 4, 7, 8, 9, 11])).toMatchObject({ applied: 6, late: 5, gapsOpened: [] });
    expect(s.ranges()).toEqual([]);
    expect(s.through()).toBe(11);
    expect(s.position).toEqual({ lastSeq: 11, applied: 11, duplicates: 0, late: 7, seqConflicts: 0 });
    expect(s.batch([10, 11, 12])).toMatchObject({ applied: 1, duplicates: 2 });
  });

  it('a backlog arriving after fresh events: every backlog event is late, the gap shrinks from its bottom, the position follows', () => {
    const s = new Stream();
    expect(s.batch([1, 2, 1001, 1002])).toMatchObject({ applied: 4, gapsOpened: [{ from: 3, to: 1000 }] });
    for (let from = 3; from <= 1000; from += 200) {
      const seqs = Array.from({ length: Math.min(200, 1001 - from) }, (_, i) => from + i);
      expect(s.batch(seqs)).toMatchObject({ applied: seqs.length, late: seqs.length, seqConflicts: 0, gapsOpened: [] });
      const next = seqs.at(-1)! + 1;
      expect(s.ranges()).toEqual(next <= 1000 ? [[next, 1000, 'missing']] : []);
      expect(s.through()).toBe(next <= 1000 ? next - 1 : 1002);
    }
    expect(s.position).toEqual({ lastSeq: 1002, applied: 1002, duplicates: 0, late: 998, seqConflicts: 0 });
  });

  it('a late event inside a gap (not at its bottom) splits it in two', () => {
    const s = new Stream();
    s.batch([1, 10]);
    expect(s.batch([5])).toMatchObject({ applied: 1, late: 1 });
    expect(s.ranges()).toEqual([
      [2, 4, 'missing'],
      [6, 9, 'missing'],
    ]);
    expect(s.batch([9])).toMatchObject({ late: 1 });
    expect(s.ranges()).toEqual([
      [2, 4, 'missing'],
      [6, 8, 'missing'],
    ]);
  });

  it('a report replaces what was missing; a later jump over a reported range does not count it missing again', () => {
    const s = new Stream();
    s.batch([1, 2, 3, 8]);
    expect(s.batch([9], new Map([[9, { from: 4, to: 6 }]]))).toMatchObject({ gapsReported: [{ from: 4, to: 6 }] });
    expect(s.ranges()).toEqual([
      [4, 6, 'reported'],
      [7, 7, 'missing'],
    ]);
    expect(s.through()).toBe(6);
    s.batch([10], new Map([[10, { from: 12, to: 13 }]]));
    expect(s.batch([15]).gapsOpened).toEqual([
      { from: 11, to: 11 },
      { from: 14, to: 14 },
    ]);
    expect(s.ranges()).toEqual([
      [4, 6, 'reported'],
      [7, 7, 'missing'],
      [11, 11, 'missing'],
      [12, 13, 'reported'],
      [14, 14, 'missing'],
    ]);
  });

  it('a new event at a seq seen outside any gap is a conflict', () => {
    const s = new Stream();
    s.batch([1, 2, 3]);
    s.applied.delete(2); // the same seq under a new id
    expect(s.batch([2])).toMatchObject({ applied: 1, seqConflicts: 1, late: 0 });
  });

  it('dead letters count their seq as seen; one without a seq stays missing', () => {
    const account = new BatchAccount(fresh(), [], { from: 1, to: 4 }, 3, AT);
    account.applied(1, 5);
    account.deadLettered(undefined);
    account.deadLettered(3, true);
    const plan = account.plan();
    expect(plan).toMatchObject({ applied: 1, deadLettered: 2, refused: 1, maxLagMs: 5, gapsOpened: [{ from: 2, to: 2 }] });
    expect(plan.position.lastSeq).toBe(3);
  });

  it('asserts its invariants: every event accounted once, no seq outside the window the gaps were read for', () => {
    const short = new BatchAccount(fresh(), [], { from: 1, to: 3 }, 3, AT);
    short.applied(1, 0);
    short.duplicate();
    expect(() => short.plan()).toThrow(IngestInvariantError);
    expect(() => short.plan()).toThrow('3 events but 1 applied + 1 duplicates + 0 dead-lettered');
    const outside = new BatchAccount(fresh(), [], { from: 1, to: 3 }, 1, AT);
    expect(() => outside.applied(7, 0)).toThrow(/seqs 7..7 outside the window 1..3/);
    expect(
      () => new BatchAccount(fresh(), [{ from: 9, to: 9, kind: 'missing', reason: null, eventId: null, detectedAt: AT }], { from: 1, to: 3 }, 1, AT),
    ).toThrow(IngestInvariantError);
    expect(() => appliedThrough(3, 5)).toThrow(IngestInvariantError);
  });

  it('any delivery order, with redeliveries, in any batches: each seq applied once, the accounting adds up, nothing left missing', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }).chain((n) =>
          fc.tuple(
            fc.constant(n),
            fc.shuffledSubarray(
              [...Array(n).keys()].map((i) => i + 1).flatMap((s) => [s, s, s]),
              { minLength: 3 * n, maxLength: 3 * n },
            ),
            fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 20 }),
          ),
        ),
        ([n, order, sizes]) => {
          // Each seq delivered three times in a random order, cut into batches of random sizes, each batch in seq order.
          const s = new Stream();
          let delivered = 0;
          let lastThrough = 0;
          for (let b = 0, k = 0; k < order.length; b++) {
            const size = sizes[b % sizes.length]!;
            const seqs = [...new Set(order.slice(k, k + size))].sort((x, y) => x - y);
            k += size;
            delivered += seqs.length;
            const plan = s.batch(seqs);
            expect(plan.applied + plan.duplicates).toBe(seqs.length);
            expect(s.through()).toBeGreaterThanOrEqual(lastThrough); // an acknowledgement never goes back
            lastThrough = s.through();
          }
          expect(s.position.applied + s.position.duplicates).toBe(delivered);
          expect(s.position.applied).toBe(n);
          expect(s.position.lastSeq).toBe(n);
          expect(s.position.seqConflicts).toBe(0);
          expect(s.ranges()).toEqual([]);
          expect(s.through()).toBe(n);
        },
      ),
    );
  });
});

describe('IngestCore: turns, failures, acknowledgements, counters', () => {
  it('the messages of one turn are one group; the next turn starts empty', () => {
    const core = new IngestCore<string>(5);
    expect(core.arrive('a')).toBe(true); // the first of its turn: the driver schedules the turn's end
    expect(core.arrive('b')).toBe(false);
    expect(core.endTurn()).toEqual({ messages: ['a', 'b'], group: true, more: false });
    expect(core.arrive('c')).toBe(true);
    expect(core.endTurn()).toEqual({ messages: ['c'], group: false, more: false });
  });

  it('a group weighs at most maxGroupWeight (at least one message); the rest is the next group, in order', () => {
    const core = new IngestCore<string>(5, 10);
    expect(core.arrive('a', 4)).toBe(true);
    expect(core.arrive('b', 6)).toBe(false);
    expect(core.arrive('c', 1)).toBe(false);
    expect(core.arrive('big', 25)).toBe(false);
    expect(core.arrive('d', 3)).toBe(false);
    expect(core.endTurn()).toEqual({ messages: ['a', 'b'], group: true, more: true });
    expect(core.arrive('e', 2)).toBe(false); // still queued: the driver's next endTurn takes it
    expect(core.endTurn()).toEqual({ messages: ['c'], group: false, more: true });
    expect(core.endTurn()).toEqual({ messages: ['big'], group: false, more: true });
    expect(core.endTurn()).toEqual({ messages: ['d', 'e'], group: true, more: false });
    expect(core.arrive('f', 1)).toBe(true);
    expect(() => new IngestCore<string>(5, 0)).toThrow(/maxGroupWeight/);
  });

  it('acknowledges only what committed: a rolled-back position is never announced', () => {
    const core = new IngestCore<string>(5);
    expect(core.startAcks([{ gateway: 'gw-1', stream: 's-1', through: 4 }])).toEqual([{ gateway: 'gw-1', stream: 's-1', through: 4 }]);
    core.positioned('gw-1', 's-1', 9, 9);
    core.rolledBack(true);
    expect(core.committed()).toBe(false);
    expect(core.takeAcks()).toEqual([]);
    core.positioned('gw-1', 's-1', 7, 9);
    core.positioned('gw-2', 's-2', 3, 3);
    expect(core.committed(2)).toBe(true); // due: the driver takes them at the end of the turn
    core.positioned('gw-1', 's-1', 8, 9);
    expect(core.committed()).toBe(false); // already due: the same flush says the newer position
    expect(core.takeAcks()).toEqual([
      { gateway: 'gw-1', stream: 's-1', through: 8 },
      { gateway: 'gw-2', stream: 's-2', through: 3 },
    ]);
    expect(core.takeAcks()).toEqual([]);
    expect(core.stats().groups).toEqual({ committed: 1, messages: 2, rolledBack: 1 });
    core.stopAcks();
    core.positioned('gw-1', 's-1', 9, 9);
    expect(core.committed()).toBe(false);
    expect(core.takeAcks()).toEqual([]);
  });

  it('asserts an acknowledgement never goes back and never passes the highest seq seen', () => {
    const core = new IngestCore<string>(5);
    core.positioned('gw-1', 's-1', 5, 5);
    core.committed();
    expect(() => core.positioned('gw-1', 's-1', 4, 9)).toThrow(/through would go back from 5 to 4/);
    expect(() => core.positioned('gw-1', 's-1', 10, 9)).toThrow(/through 10 past the highest seq seen 9/);
  });

  it('takes a message event by event after maxApplyAttempts − 1 failures; a commit forgets its failures', () => {
    const core = new IngestCore<string>(3);
    expect(core.isolate('m')).toBe(false);
    expect(core.failed('m', 'gw-1')).toBe(1);
    expect(core.isolate('m')).toBe(false);
    expect(core.failed('m', 'gw-1')).toBe(2);
    expect(core.isolate('m')).toBe(true);
    expect(core.isolate('other')).toBe(false);
    const counts = { applied: 3, duplicates: 1, late: 1, seqConflicts: 0, deadLettered: 1, gapsOpened: [{ from: 8, to: 9 }], gapsReported: [], maxLagMs: 40 };
    core.countBatch('gw-1', 'm', counts, 5, true);
    expect(core.isolate('m')).toBe(false);
    core.countDeadLetter('gw-2', true);
    core.countStatus('gw-2');
    const stats = core.stats();
    expect(stats.gateways['gw-1']).toMatchObject({
      messages: 1,
      received: 5,
      applied: 3,
      duplicates: 1,
      late: 1,
      deadLettered: 1,
      missingSeqs: 2,
      applyFailures: 2,
      lastLagMs: 40,
    });
    expect(stats.totals).toMatchObject({ messages: 2, applied: 3, deadLettered: 2, statusUpdates: 1, applyFailures: 2 });
    expect(() => new IngestCore(0)).toThrow(/maxApplyAttempts must be an integer >= 1, got 0/);
  });
});

describe('decideMessage: what a message is to the ingest', () => {
  const S = 'stream-gw-1-0001';

  it('a batch, with its events that broke the contract set apart', () => {
    const events: unknown[] = doorEvents(S, 1, 3);
    events[1] = { ...(events[1] as object), door: 7 };
    const d = decideMessage('s1', topics.events('s1', 'gw-1'), JSON.stringify({ v: WIRE_VERSION, gateway: 'gw-1', stream: S, events }));
    expect(d.kind).toBe('batch');
    if (d.kind !== 'batch') return;
    expect(d.batch.events.map((e) => e.seq)).toEqual([1, 3]);
    expect(d.rejected).toMatchObject([{ index: 1, seq: 2 }]);
  });

  it('a status', () => {
    const d = decideMessage('s1', topics.status('s1', 'gw-1'), JSON.stringify({ v: WIRE_VERSION, gateway: 'gw-1', online: false }));
    expect(d).toMatchObject({ kind: 'status', status: { gateway: 'gw-1', online: false } });
  });

  it('a dead letter: bytes that break the contract, or a topic of another site', () => {
    expect(decideMessage('s1', topics.events('s1', 'gw-1'), 'not json')).toMatchObject({
      kind: 'dead-letter',
      cause: 'malformed',
      reason: 'json',
      gateway: 'gw-1',
      onEventsTopic: true,
    });
    const other = decideMessage('s1', topics.events('s2', 'gw-1'), JSON.stringify(batchOf('gw-1', S, doorEvents(S, 1, 1))));
    expect(other).toMatchObject({ kind: 'dead-letter', cause: 'topic', reason: 'topic', gateway: 'gw-1', onEventsTopic: false });
    expect(decideMessage('s1', 'elsewhere/x', '{}')).toMatchObject({ kind: 'dead-letter', cause: 'malformed', reason: 'topic', gateway: undefined });
  });
});
