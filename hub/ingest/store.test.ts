import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isoTs, type GatewayStatus } from '../../protocols/events/index.js';
import { IngestStore, RedriveError, StreamOwnerError } from './store.js';
import { applyToTarget, batchOf, count, doorEvent, doorEvents, gapEvent, tempDb, type TempDb } from './test-support.js';

const NOW = Date.parse('2026-03-01T10:00:00.000Z');
const S = 'stream-aaaa';

function dump(t: TempDb): unknown {
  const q = (sql: string) => t.db.prepare(sql).all();
  return {
    target: q('SELECT * FROM applied_events ORDER BY rowid'),
    inbox: q('SELECT * FROM inbox ORDER BY event_id'),
    streams: q('SELECT stream, gateway, last_seq, applied, late, seq_conflicts FROM streams'),
    gaps: q('SELECT stream, from_seq, to_seq, kind FROM stream_gaps ORDER BY from_seq'),
  };
}

function gaps(t: TempDb): Array<[number, number, string]> {
  return (t.db.prepare('SELECT from_seq, to_seq, kind FROM stream_gaps WHERE stream = ? ORDER BY from_seq').all(S) as Array<{ from_seq: number; to_seq: number; kind: string }>).map(
    (g) => [g.from_seq, g.to_seq, g.kind],
  );
}

describe('IngestStore on a real SQLite file', () => {
  let t: TempDb;
  let store: IngestStore;
  beforeEach(() => {
    t = tempDb();
    store = new IngestStore(t.db, 's1', applyToTarget);
  });
  afterEach(() => t.cleanup());

  it('a batch applied twice changes nothing the second time', () => {
    const batch = batchOf('gw-1', S, doorEvents(S, 1, 50));
    const first = store.applyBatch(batch, NOW);
    expect(first).toMatchObject({ events: 50, applied: 50, duplicates: 0, gapsOpened: [] });
    const after1 = dump(t);
    const second = store.applyBatch(batch, NOW + 1000);
    expect(second).toMatchObject({ events: 50, applied: 0, duplicates: 50 });
    expect(dump(t)).toEqual(after1);
    expect(count(t.db, 'SELECT duplicates AS n FROM streams WHERE stream = ?', S)).toBe(50);
    expect(count(t.db, 'SELECT COUNT(*) AS n FROM applied_events')).toBe(50);
  });

  it('a partly seen batch applies only its new events', () => {
    const events = doorEvents(S, 1, 10);
    store.applyBatch(batchOf('gw-1', S, events.slice(0, 4)), NOW);
    const out = store.applyBatch(batchOf('gw-1', S, events), NOW);
    expect(out).toMatchObject({ applied: 6, duplicates: 4, gapsOpened: [] });
    expect(count(t.db, 'SELECT COUNT(DISTINCT event_id) AS n FROM applied_events')).toBe(10);
    expect(count(t.db, 'SELECT COUNT(*) AS n FROM applied_events')).toBe(10);
  });

  it('records a jump in seq as a missing gap, shrinks it as late events arrive', () => {
    const ev = doorEvents(S, 1, 12);
    store.applyBatch(batchOf('gw-1', S, [ev[0]!, ev[1]!, ev[9]!]), NOW); // 1, 2, 10
    expect(gaps(t)).toEqual([[3, 9, 'missing']]);
    const late = store.applyBatch(batchOf('gw-1', S, [ev[4]!, ev[5]!]), NOW); // 5, 6 fill the middle
    expect(late).toMatchObject({ applied: 2, late: 2, seqConflicts: 0 });
    expect(gaps(t)).toEqual([[3, 4, 'missing'], [7, 9, 'missing']]);
    store.applyBatch(batchOf('gw-1', S, [ev[2]!, ev[3]!, ev[6]!, ev[7]!, ev[8]!, ev[10]!]), NOW); // 3,4,7,8,9 late; 11 next
    expect(gaps(t)).toEqual([]);
    expect(t.db.prepare('SELECT last_seq, applied, late FROM streams').get()).toEqual({ last_seq: 11, applied: 11, late: 7 });
  });

  it('a stream first seen past seq 1 has its start missing', () => {
    const out = store.applyBatch(batchOf('gw-1', S, doorEvents(S, 4, 5)), NOW);
    expect(out.gapsOpened).toEqual([{ from: 1, to: 3 }]);
  });

  it("turns a gateway's gap report into a reported gap, replacing what was missing", () => {
    store.applyBatch(batchOf('gw-1', S, [...doorEvents(S, 1, 3), doorEvent(S, 8)]), NOW);
    expect(gaps(t)).toEqual([[4, 7, 'missing']]);
    const out = store.applyBatch(batchOf('gw-1', S, [gapEvent(S, 9, 4, 6)]), NOW);
    expect(out.gapsReported).toEqual([{ from: 4, to: 6 }]);
    expect(gaps(t)).toEqual([[4, 6, 'reported'], [7, 7, 'missing']]);
    const row = t.db.prepare("SELECT reason, event_id FROM stream_gaps WHERE kind = 'reported'").get() as { reason: string; event_id: string };
    expect(row.reason).toBe('outbox full');
    // A reported range is not counted missing again when a later jump passes over it.
    store.applyBatch(batchOf('gw-1', S, [gapEvent(S, 10, 12, 13)]), NOW);
    store.applyBatch(batchOf('gw-1', S, [doorEvent(S, 15)]), NOW);
    expect(gaps(t)).toEqual([[4, 6, 'reported'], [7, 7, 'missing'], [11, 11, 'missing'], [12, 13, 'reported'], [14, 14, 'missing']]);
    // The gap event itself is an event: applied like any other.
    expect(count(t.db, "SELECT COUNT(*) AS n FROM applied_events WHERE kind = 'gap'")).toBe(2);
  });

  it('counts a new id at a seq already seen outside any gap as a conflict, and still applies it', () => {
    store.applyBatch(batchOf('gw-1', S, doorEvents(S, 1, 3)), NOW);
    const out = store.applyBatch(batchOf('gw-1', S, [doorEvent(S, 2)]), NOW);
    expect(out).toMatchObject({ applied: 1, seqConflicts: 1, late: 0 });
    expect(count(t.db, 'SELECT seq_conflicts AS n FROM streams')).toBe(1);
  });

  it('rolls the whole batch back when apply throws', () => {
    let calls = 0;
    const failing = new IngestStore(t.db, 's1', (db, e, ctx) => {
      if (++calls === 3) throw new Error('ledger refused');
      applyToTarget(db, e, ctx);
    });
    expect(() => failing.applyBatch(batchOf('gw-1', S, doorEvents(S, 1, 5)), NOW)).toThrow('ledger refused');
    expect(dump(t)).toEqual({ target: [], inbox: [], streams: [], gaps: [] });
  });

  it('in isolation mode dead-letters only the events apply refuses, and applies the rest', () => {
    const events = doorEvents(S, 1, 4);
    const bad = events[2]!.id;
    const picky = new IngestStore(t.db, 's1', (db, e, ctx) => {
      if (e.id === bad) throw new Error('unknown door');
      applyToTarget(db, e, ctx);
    });
    const out = picky.applyBatch(batchOf('gw-1', S, events), NOW, true);
    expect(out).toMatchObject({ applied: 3, deadLettered: 1, duplicates: 0 });
    expect(count(t.db, 'SELECT COUNT(*) AS n FROM inbox')).toBe(3);
    const [dl] = picky.deadLetters();
    expect(dl).toMatchObject({ reason: 'apply', topic: 'dockgate/s1/gw/gw-1/events', gateway: 'gw-1' });
    expect(dl!.errors[0]!.message).toMatch(/unknown door/);
    // The dead letter is a one-event batch that can be replayed as it is.
    const replay = JSON.parse(dl!.payload.toString()) as { events: Array<{ id: string }> };
    expect(replay.events.map((e) => e.id)).toEqual([bad]);
  });

  it('runs each batch inside its batch scope, within the transaction; a scope that throws at the end rolls the batch back; isolated events have no scope', () => {
    const seen: Array<{ inTx: boolean; applied: number }> = [];
    let failAtEnd = false;
    const scoped = new IngestStore(t.db, 's1', applyToTarget, (db, fn) => {
      const out = fn();
      seen.push({ inTx: db.inTransaction, applied: count(db, 'SELECT COUNT(*) AS n FROM applied_events') });
      if (failAtEnd) throw new Error('invariant broken at the end of the batch');
      return out;
    });
    scoped.applyBatch(batchOf('gw-1', S, doorEvents(S, 1, 3)), NOW);
    expect(seen).toEqual([{ inTx: true, applied: 3 }]);
    failAtEnd = true;
    const before = dump(t);
    expect(() => scoped.applyBatch(batchOf('gw-1', S, doorEvents(S, 4, 5)), NOW)).toThrow('invariant broken at the end of the batch');
    expect(dump(t)).toEqual(before);
    expect(scoped.applyBatch(batchOf('gw-1', S, doorEvents(S, 4, 5)), NOW, true)).toMatchObject({ applied: 2, deadLettered: 0 });
    expect(seen).toHaveLength(2);
  });

  it('dead-letters an event the refusal check refuses, keeps the seq accounting exact, and re-drives it only once the refusal is lifted', () => {
    let refusing = true;
    const ev = doorEvents(S, 1, 3);
    const guarded = new IngestStore(t.db, 's1', applyToTarget, undefined, (e) => (refusing && e.seq === 2 ? 'door door-1 is watched by gateway gw-2' : undefined));
    expect(guarded.applyBatch(batchOf('gw-1', S, ev), NOW)).toMatchObject({ events: 3, applied: 2, deadLettered: 1, refused: 1, gapsOpened: [] });
    expect(gaps(t)).toEqual([]);
    expect(guarded.applyBatch(batchOf('gw-1', S, ev), NOW + 1)).toMatchObject({ applied: 0, duplicates: 3, deadLettered: 0 });
    const dl = t.db.prepare("SELECT id, seq, event_id AS eventId FROM dead_letters WHERE reason = 'refused'").all() as Array<{ id: number; seq: number; eventId: string }>;
    expect(dl).toEqual([{ id: dl[0]!.id, seq: 2, eventId: ev[1]!.id }]);
    expect(() => guarded.redrive(dl[0]!.id, 'test', undefined, NOW + 2)).toThrow(/still refused: door door-1 is watched by gateway gw-2/);
    expect(() => guarded.redrive(dl[0]!.id, 'test', undefined, NOW + 2)).toThrow(RedriveError);
    refusing = false;
    expect(guarded.redrive(dl[0]!.id, 'test', undefined, NOW + 3).retryResult).toMatchObject({ applied: 1 });
    expect(count(t.db, 'SELECT COUNT(*) AS n FROM applied_events')).toBe(3);
    expect(() => guarded.redrive(dl[0]!.id, 'test', undefined, NOW + 4)).toThrow(/was re-driven/);
  });

  it('refuses a stream id that belongs to another gateway', () => {
    store.applyBatch(batchOf('gw-1', S, doorEvents(S, 1, 1)), NOW);
    expect(() => store.applyBatch(batchOf('gw-2', S, doorEvents(S, 2, 2)), NOW)).toThrow(StreamOwnerError);
  });

  it('keeps gateway status, ignores a stale one, and a Last Will keeps what it does not say', () => {
    const status: GatewayStatus = {
      v: 1,
      gateway: 'gw-1',
      online: true,
      ts: isoTs(NOW + 1500),
      version: '1.2.3',
      readers: [{ id: 'r1', state: 'reading' }],
      scanners: [{ id: 'sc1', type: 'hid', state: 'open' }],
      outbox: { depth: 7, bytes: 900, oldestAgeS: 2.5, dropped: 0 },
      clockOffsetMs: 14000,
    };
    expect(store.recordStatus(status, NOW)).toBe('updated');
    const row = () => t.db.prepare('SELECT * FROM gateways WHERE gateway = ?').get('gw-1') as Record<string, unknown>;
    expect(row()).toMatchObject({ online: 1, version: '1.2.3', outbox_depth: 7, outbox_oldest_age_s: 2.5, clock_offset_ms: 14000, clock_skew_ms: 1500, last_seen_at: isoTs(NOW) });
    expect(JSON.parse(row().readers as string)).toEqual(status.readers);
    expect(store.recordStatus({ ...status, ts: isoTs(NOW - 60_000), version: 'old' }, NOW + 10)).toBe('stale');
    expect(row().version).toBe('1.2.3');
    expect(store.recordStatus({ v: 1, gateway: 'gw-1', online: false }, NOW + 20)).toBe('updated');
    expect(row()).toMatchObject({ online: 0, version: '1.2.3', outbox_depth: 7 });
  });
});
