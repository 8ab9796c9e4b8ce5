// hub/ingest — the applied record (AppliedRecord): for the kinds the apply side records itself, no inbox row; new by
// the seq watermark, looked up only at a seq seen before; nothing applied twice, nothing lost, on a real SQLite file.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Event } from '../../protocols/events/index.js';
import { IngestStore } from './store.js';
import { batchOf, count, doorEvents, gapEvent, recordingApply, tempDb, type TempDb } from './test-support.js';

const NOW = Date.parse('2026-03-01T10:00:00.000Z');
const S = 'stream-rec1';
const GW = 'gw-1';

describe('IngestStore with an applied record', () => {
  let t: TempDb;
  let store: IngestStore;
  let lookups: () => number;
  const recorded = () => count(t.db, 'SELECT COUNT(*) AS n FROM recorded_events');
  const inbox = () => count(t.db, 'SELECT COUNT(*) AS n FROM inbox');
  const position = () => t.db.prepare('SELECT last_seq, applied, duplicates, late, seq_conflicts FROM streams WHERE stream = ?').get(S);

  beforeEach(() => {
    t = tempDb();
    const r = recordingApply(t.db, ['door']);
    store = new IngestStore(t.db, 's1', r.apply, undefined, undefined, r.record);
    lookups = r.lookups;
  });
  afterEach(() => t.cleanup());

  it('applies new events without an inbox row or a lookup, and a redelivered batch changes nothing', () => {
    const batch = batchOf(GW, S, doorEvents(S, 1, 50));
    expect(store.applyBatch(batch, NOW)).toMatchObject({ applied: 50, duplicates: 0, through: 50 });
    expect({ recorded: recorded(), inbox: inbox(), lookups: lookups() }).toEqual({ recorded: 50, inbox: 0, lookups: 0 });
    // Every seq is now seen: each event is looked up in the record, found, and counted a duplicate.
    expect(store.applyBatch(batch, NOW + 1000)).toMatchObject({ applied: 0, duplicates: 50, through: 50 });
    expect({ recorded: recorded(), inbox: inbox(), lookups: lookups() }).toEqual({ recorded: 50, inbox: 0, lookups: 50 });
    expect(position()).toEqual({ last_seq: 50, applied: 50, duplicates: 50, late: 0, seq_conflicts: 0 });
  });

  it('a backlog behind fresh events fills its gap without lookups; the same backlog again is all duplicates', () => {
    const ev = doorEvents(S, 1, 100);
    store.applyBatch(batchOf(GW, S, ev.slice(95)), NOW); // the fresh lane went ahead: 96..100, gap 1..95
    const backlog = batchOf(GW, S, ev.slice(0, 95));
    expect(store.applyBatch(backlog, NOW)).toMatchObject({ applied: 95, late: 95, through: 100 });
    expect(lookups()).toBe(0);
    expect(store.applyBatch(backlog, NOW)).toMatchObject({ applied: 0, duplicates: 95 });
    expect({ recorded: recorded(), lookups: lookups() }).toEqual({ recorded: 100, lookups: 95 });
  });

  it('duplicates within one batch and across batches of one transaction are found in the record written so far', () => {
    const ev = doorEvents(S, 1, 3);
    const out = t.db.transaction(() => [store.applyBatch(batchOf(GW, S, [ev[0]!, ev[1]!, ev[0]!]), NOW), store.applyBatch(batchOf(GW, S, ev), NOW)])();
    expect(out.map((o) => [o.applied, o.duplicates])).toEqual([
      [2, 1],
      [1, 2],
    ]);
    expect(recorded()).toBe(3);
  });

  it('a new event at a seq seen before (a seq conflict) is applied and counted, not taken for a duplicate', () => {
    store.applyBatch(batchOf(GW, S, doorEvents(S, 1, 3)), NOW);
    const other = doorEvents(S, 2, 2)[0]!; // a new id at seq 2
    expect(store.applyBatch(batchOf(GW, S, [other]), NOW)).toMatchObject({ applied: 1, duplicates: 0, seqConflicts: 1 });
    expect(recorded()).toBe(4);
  });

  it('an event id sent again under a new seq is refused by the record, and in isolation counted a duplicate: never applied twice', () => {
    const [first] = doorEvents(S, 1, 1);
    store.applyBatch(batchOf(GW, S, [first!]), NOW);
    const again: Event = { ...first!, seq: 2 };
    // In a group (the caller's transaction, or its own) the record's unique key fails the batch: it rolls back whole.
    expect(() => store.applyBatch(batchOf(GW, S, [again]), NOW)).toThrow(/UNIQUE constraint failed: recorded_events.event_id/);
    expect(position()).toMatchObject({ last_seq: 1, applied: 1 });
    // Event by event (what the ingest does with a message that keeps failing): a duplicate, as the inbox called it (a
    // duplicate sees no seq: seq 2 stays unseen).
    expect(store.applyBatch(batchOf(GW, S, [again]), NOW, true)).toMatchObject({ applied: 0, duplicates: 1, deadLettered: 0, through: 1 });
    expect(recorded()).toBe(1);
    expect(store.deadLetters()).toEqual([]);
  });

  it('kinds the record does not keep still go through the inbox', () => {
    const gap = gapEvent(S, 1, 5, 9);
    const batch = batchOf(GW, S, [gap, ...doorEvents(S, 2, 3)]);
    expect(store.applyBatch(batch, NOW)).toMatchObject({ applied: 3 });
    expect({ inbox: inbox(), recorded: recorded() }).toEqual({ inbox: 1, recorded: 2 });
    expect(store.applyBatch(batch, NOW)).toMatchObject({ applied: 0, duplicates: 3 });
    expect(count(t.db, 'SELECT COUNT(*) AS n FROM applied_events')).toBe(1);
  });

  it('a seq inside a gap the gateway reported is looked up: it may have been sent before it was dropped', () => {
    const ev = doorEvents(S, 1, 4);
    store.applyBatch(batchOf(GW, S, ev.slice(0, 3)), NOW); // 1..3 applied
    store.applyBatch(batchOf(GW, S, [gapEvent(S, 5, 2, 4), ev[3]!]), NOW); // the gateway reports 2..4 dropped; 4 came
    const before = lookups();
    expect(store.applyBatch(batchOf(GW, S, [ev[1]!]), NOW)).toMatchObject({ applied: 0, duplicates: 1 });
    expect(lookups()).toBe(before + 1);
    expect(recorded()).toBe(4);
  });

  it('a dead-lettered event re-driven applies once; its redelivery is a duplicate', () => {
    const ev = doorEvents(S, 1, 3);
    const r = recordingApply(t.db, ['door']);
    let refuse = true;
    const picky = new IngestStore(t.db, 's1', r.apply, undefined, (e) => (refuse && e.seq === 2 ? 'not now' : undefined), r.record);
    expect(picky.applyBatch(batchOf(GW, S, ev), NOW)).toMatchObject({ applied: 2, deadLettered: 1, through: 3 });
    refuse = false;
    const [dl] = picky.deadLetters();
    expect(picky.redrive(dl!.id, 'test', undefined, NOW).retryResult).toEqual({ applied: 1, duplicates: 0, deadLettered: 0 });
    expect(picky.applyBatch(batchOf(GW, S, ev), NOW)).toMatchObject({ applied: 0, duplicates: 3 });
    expect(recorded()).toBe(3);
  });
});
