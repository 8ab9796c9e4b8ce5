// hub/status — the applied-event bus on a real database: listeners hear an event once its transaction committed,
// once, and never one whose transaction rolled back (a group commit that failed and was taken again message by message).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../protocols/logging/index.js';
import { migrate } from '../db/database.js';
import { doorsMigrations } from '../doors/store.js';
import { IngestStore, type ApplyFn } from '../ingest/store.js';
import { applyToTarget, batchOf, doorEvents, tempDb, type TempDb } from '../ingest/test-support.js';
import { AppliedEventBus, type AppliedEvent } from './applied-bus.js';

const NOW = Date.parse('2026-03-01T10:00:00.000Z');
/** A microtask turn: the bus tells its listeners after the synchronous transaction. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('AppliedEventBus', () => {
  let t: TempDb;
  let bus: AppliedEventBus;
  let heard: AppliedEvent[];
  beforeEach(() => {
    t = tempDb();
    migrate(t.db, [doorsMigrations]); // the bus reads door activity
    bus = new AppliedEventBus(t.db, () => NOW + 5, silentLogger());
    heard = [];
    bus.on((applied) => heard.push(...applied));
  });
  afterEach(() => t.cleanup());

  it('tells the events of committed transactions, each once, and none of a transaction that rolled back', async () => {
    let poison: string | undefined;
    const apply: ApplyFn = (db, e, ctx) => {
      if (e.id === poison) throw new Error('poison');
      applyToTarget(db, e, ctx);
    };
    const store = new IngestStore(t.db, 's1', bus.wrap(apply));
    const a = doorEvents('stream-a', 1, 3);
    const b = doorEvents('stream-b', 1, 2);
    poison = b[1]!.id;
    // One group transaction: a's batch applies, b's throws and the whole group rolls back; then a alone commits.
    expect(() => t.db.transaction(() => [a, b].map((events, i) => store.applyBatch(batchOf(`gw-${i}`, events[0]!.stream, events), NOW)))()).toThrow('poison');
    store.applyBatch(batchOf('gw-0', 'stream-a', a), NOW);
    await settle();
    expect(heard.map((h) => h.event.id)).toEqual(a.map((e) => e.id));
    expect(heard.every((h) => h.gateway === 'gw-0' && h.committedAt === NOW + 5)).toBe(true);
    // b comes again without the poison: heard now, and a's redelivery (duplicates, not applied) is not heard again.
    poison = undefined;
    heard = [];
    t.db.transaction(() => [a, b].map((events, i) => store.applyBatch(batchOf(`gw-${i}`, events[0]!.stream, events), NOW)))();
    await settle();
    expect(heard.map((h) => h.event.id)).toEqual(b.map((e) => e.id));
  });
});
