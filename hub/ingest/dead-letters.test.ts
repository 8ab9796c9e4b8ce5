// Per-event dead letters: one bad event of a batch goes alone to dead_letters (reason, JSON path, stream, seq), the good
// ones apply, the stream's seq accounting stays exact, and a fixed dead letter re-drives exactly once.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { topics, type Event } from '../../protocols/events/index.js';
import { silentLogger } from '../../protocols/logging/index.js';
import type { HubMqtt, MessageHandler } from '../broker/hub-mqtt.js';
import { Ingest } from './ingest.js';
import { RedriveError } from './store.js';
import { applyToTarget, batchOf, count, doorEvents, tempDb, type TempDb } from './test-support.js';

const SITE = 's1';
const GW = 'gw-1';
const S = 'stream-gw-1-0001';

class DirectMqtt implements HubMqtt {
  readonly mode = 'embedded' as const;
  readonly handlers = new Map<string, MessageHandler>();
  subscribe(filter: string, handler: MessageHandler) {
    this.handlers.set(filter, handler);
    return Promise.resolve();
  }
  unsubscribe(filter: string) {
    this.handlers.delete(filter);
    return Promise.resolve();
  }
  detach(filter: string) {
    this.handlers.delete(filter);
  }
  publish() {
    return Promise.resolve();
  }
  close() {
    return Promise.resolve();
  }
  deliver(payload: string): Promise<Error | undefined> {
    return new Promise((resolve) => this.handlers.get(topics.allEvents(SITE))!(topics.events(SITE, GW), Buffer.from(payload), (err) => resolve(err ?? undefined)));
  }
}

describe('per-event dead letters', () => {
  let t: TempDb;
  let mqtt: DirectMqtt;
  let ingest: Ingest;
  beforeEach(async () => {
    t = tempDb();
    mqtt = new DirectMqtt();
    ingest = new Ingest({ db: t.db, mqtt, site: SITE, logger: silentLogger(), apply: applyToTarget });
    await ingest.start();
  });
  afterEach(async () => {
    await ingest.stop();
    t.cleanup();
  });
  const applied = () => (t.db.prepare('SELECT seq FROM applied_events ORDER BY seq').pluck().all() as number[]);

  it('applies the good events of a batch, dead-letters the bad one with its path and seq, and keeps the seq accounting exact', async () => {
    const events = doorEvents(S, 1, 3);
    const bad = { ...events[1]!, state: 'ajar' } as unknown as Event;
    const msg = JSON.stringify(batchOf(GW, S, [events[0]!, bad, events[2]!]));
    expect(await mqtt.deliver(msg)).toBeUndefined(); // acknowledged
    expect(applied()).toEqual([1, 3]);
    const [dl] = ingest.tables.deadLetters();
    expect(dl).toMatchObject({ reason: 'schema', stream: S, seq: 2, eventId: bad.id, gateway: GW, retriedAt: null });
    expect(dl!.errors.map((e) => e.path)).toContain('/events/1/state');
    expect(count(t.db, 'SELECT COUNT(*) AS n FROM stream_gaps')).toBe(0);
    expect(ingest.tables.appliedThrough(S)).toBe(3);
    expect(ingest.stats().gateways[GW]).toMatchObject({ received: 3, applied: 2, deadLettered: 1, missingSeqs: 0 });

    // The same message again (a gateway that missed the ack): nothing new, no second dead letter.
    expect(await mqtt.deliver(msg)).toBeUndefined();
    expect(applied()).toEqual([1, 3]);
    expect(count(t.db, 'SELECT COUNT(*) AS n FROM dead_letters')).toBe(1);
    expect(ingest.stats().gateways[GW]).toMatchObject({ duplicates: 3 });

    // Re-driven with the corrected event: applied once; a second re-drive is refused and changes nothing.
    const fixed = { ...bad, state: 'open' };
    expect(() => ingest.tables.redrive(dl!.id, 'test', { ...bad, state: 'half' }, Date.now())).toThrow(RedriveError);
    const r = ingest.tables.redrive(dl!.id, 'test', fixed, Date.now());
    expect(r.retryResult).toEqual({ applied: 1, duplicates: 0, deadLettered: 0 });
    expect(applied()).toEqual([1, 2, 3]);
    try {
      ingest.tables.redrive(dl!.id, 'test', fixed, Date.now());
      expect.unreachable();
    } catch (err) {
      expect((err as RedriveError).status).toBe(409);
    }
    expect(applied()).toEqual([1, 2, 3]);
    expect(t.db.prepare('SELECT applied, late, seq_conflicts FROM streams').get()).toEqual({ applied: 3, late: 0, seq_conflicts: 0 });
    expect(ingest.tables.appliedThrough(S)).toBe(3);
  });

  it('infers the seq of an event whose seq cannot be read from its neighbours: no gap opens', async () => {
    const events = doorEvents(S, 1, 4);
    const bad = { ...events[2]!, seq: 'three' } as unknown as Event;
    expect(await mqtt.deliver(JSON.stringify(batchOf(GW, S, [events[0]!, events[1]!, bad, events[3]!])))).toBeUndefined();
    expect(applied()).toEqual([1, 2, 4]);
    expect(ingest.tables.deadLetters()[0]).toMatchObject({ seq: 3, stream: S });
    expect(count(t.db, 'SELECT COUNT(*) AS n FROM stream_gaps')).toBe(0);
    expect(ingest.tables.appliedThrough(S)).toBe(4);
  });

  it('re-drives an apply refusal once its cause is fixed, from the stored payload', async () => {
    let refuse = true;
    const events = doorEvents(S, 1, 3);
    const picky = new Ingest({
      db: t.db,
      mqtt: new DirectMqtt(),
      site: SITE,
      logger: silentLogger(),
      maxApplyAttempts: 1,
      apply: (db, e, ctx) => {
        if (refuse && e.seq === 2) throw new Error('unknown door');
        applyToTarget(db, e, ctx);
      },
    });
    picky.receive(topics.events(SITE, GW), Buffer.from(JSON.stringify(batchOf(GW, S, events))));
    expect(applied()).toEqual([1, 3]);
    const [dl] = picky.tables.deadLetters();
    expect(dl).toMatchObject({ reason: 'apply', seq: 2 });
    expect(() => picky.tables.redrive(dl!.id, 'test', undefined, Date.now())).toThrow(/apply refused it again: unknown door/);
    refuse = false;
    picky.tables.redrive(dl!.id, 'test', undefined, Date.now());
    expect(applied()).toEqual([1, 2, 3]);
    expect(picky.tables.deadLetters()[0]!.retriedAt).not.toBeNull();
  });
});
