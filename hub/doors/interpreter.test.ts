import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isoTs, newEventId, type ScanEvent, type TagPassEvent } from '../../protocols/events/index.js';
import { encodeSgtin } from '../../protocols/epc/index.js';
import { migrate } from '../db/database.js';
import { IngestStore, type ApplyFn } from '../ingest/store.js';
import { ingestMigrations } from '../ingest/migrations.js';
import { checkLedger, createItem, getSerial, getStock, listMoves, withBatchedInvariants } from '../ledger/index.js';
import { makeFixture, T0, type Fixture } from '../ledger/test-fixture.js';
import { DoorInterpreter } from './interpreter.js';
import { doorsMigrations } from './store.js';

const STREAM = 'stream-test-0001';
let seq = 0;

function epcOf(serial: string, gtin = '09506000134352'): string {
  const r = encodeSgtin({ gtin, companyPrefixLength: 7, serial });
  if (!r.ok) throw new Error(r.reason);
  return r.hex;
}

/** What every event of the test stream carries: the next seq, an id and a time made from it. */
function next(): { id: string; stream: string; seq: number; ts: string } {
  seq++;
  return { id: newEventId(T0 + seq * 1000), stream: STREAM, seq, ts: isoTs(T0 + seq * 1000) };
}

function pass(door: string, epc: string, direction: 'in' | 'out' | 'unknown'): TagPassEvent {
  const head = next();
  const antennas = [{ reader: 'r1', antenna: 1, reads: 12, peakRssi: -48 }];
  return {
    ...head,
    kind: 'tag.pass',
    door,
    direction,
    epc,
    firstSeen: head.ts,
    lastSeen: head.ts,
    reads: 12,
    peakRssi: -48,
    antennas,
    confidence: direction === 'unknown' ? 0.2 : 0.9,
  };
}

function scan(door: string, gtin: string, qty: number, context: ScanEvent['context'] = []): ScanEvent {
  return { ...next(), kind: 'scan', scanner: 'sc1', door, raw: `]C101${gtin}30${qty}`, codeType: 'gs1', gtin, qty, context };
}

describe('door interpreter', () => {
  let f: Fixture;
  let doors: DoorInterpreter;
  const apply = (e: TagPassEvent | ScanEvent) => f.db.transaction(() => doors.apply(f.db, e, { gateway: 'gw-1' }))();
  const onHand = (sku: string, location: string) =>
    getStock(f.db, { sku })
      .find((s) => s.sku === sku)
      ?.locations.find((l) => l.location === location)?.onHand ?? 0;

  beforeEach(() => {
    f = makeFixture();
    migrate(f.db, [doorsMigrations]);
    doors = new DoorInterpreter(f.db, () => T0);
    doors.configure([
      { id: 'door-1', mode: 'receiving', gateway: 'gw-1', location: 'dock-1', receiving: 'receiving', stock: 'stock', returns: 'returns' },
      { id: 'door-2', mode: 'shipping', gateway: 'gw-1', location: 'dock-1', receiving: 'receiving', stock: 'stock', returns: 'returns' },
      { id: 'door-3', mode: 'returns', gateway: 'gw-1', location: 'dock-1', receiving: 'receiving', stock: 'stock', returns: 'returns' },
    ]);
  });
  afterEach(() => {
    expect(checkLedger(f.db).ok).toBe(true);
    f.close();
  });

  it('sees a catalog or door change made earlier in the same ingest batch (the stamps it reads once per batch are read again after a write)', () => {
    migrate(f.db, [ingestMigrations]);
    const newGtin = '09506000134376';
    const events = [pass('door-1', epcOf('2001', newGtin), 'in'), pass('door-1', epcOf('2001', newGtin), 'in'), pass('door-1', epcOf('2002'), 'in')];
    // After the first pass (GTIN not in the catalog yet) its item is created; after the second the door is turned off.
    const after: Record<string, () => void> = {
      [events[0]!.id]: () => createItem(f.db, { sku: 'T', name: 'New pallet', tracking: 'serial', gtins: [newGtin] }, T0),
      [events[1]!.id]: () => doors.store.setMode('door-1', 'off', 'test', T0),
    };
    const apply: ApplyFn = (db, e, ctx) => {
      doors.apply(db, e, ctx);
      after[e.id]?.();
    };
    new IngestStore(f.db, 'site', apply, withBatchedInvariants, doors.refusal).applyBatch({ v: 1, gateway: 'gw-1', stream: STREAM, events }, T0);
    expect(doors.store.recentActivity('door-1').map((a) => a.outcome)).toEqual(['exception:door_off', 'moved', 'exception:unknown_tag']);
    expect(getSerial(f.db, epcOf('2001', newGtin))).toMatchObject({ sku: 'T', location: 'receiving' });
    expect(getSerial(f.db, epcOf('2002'))).toBeUndefined();
  });

  it("is the ingest's record of passes and scans: no inbox row, each activity names its stream and seq, a redelivery applies nothing", () => {
    migrate(f.db, [ingestMigrations]);
    const events = [
      pass('door-1', epcOf('3001'), 'in'),
      pass('door-1', epcOf('3001'), 'in'),
      pass('door-9', epcOf('3002'), 'in'),
      scan('door-1', '09506000134352', 2),
    ];
    const store = new IngestStore(f.db, 'site', doors.apply, withBatchedInvariants, doors.refusal, doors.record);
    const batch = { v: 1 as const, gateway: 'gw-1', stream: STREAM, events };
    expect(store.applyBatch(batch, T0)).toMatchObject({ applied: 4, duplicates: 0 });
    const rows = () => f.db.prepare('SELECT outcome, stream, stream_seq AS seq FROM door_activity ORDER BY seq').all();
    const first = rows();
    expect(first).toEqual(
      events.map((e, i) => ({ outcome: ['moved', 'repeat', 'exception:unknown_door', 'exception:tracking_mismatch'][i], stream: STREAM, seq: e.seq })),
    );
    expect(f.db.prepare('SELECT COUNT(*) FROM inbox').pluck().get()).toBe(0);
    const exceptions = () => f.db.prepare('SELECT COUNT(*) FROM door_exceptions').pluck().get();
    expect(exceptions()).toBe(2);
    // The same message again: every seq seen, every id in the door activity: duplicates, nothing written twice.
    expect(store.applyBatch(batch, T0 + 1000)).toMatchObject({ applied: 0, duplicates: 4 });
    expect(rows()).toEqual(first);
    expect(exceptions()).toBe(2);
    expect(listMoves(f.db, {}).moves).toHaveLength(1);
  });

  it('receives a serialized unit on an inbound pass at a receiving door, once, however often it is read', () => {
    const epc = epcOf('1001');
    apply(pass('door-1', epc, 'in'));
    apply(pass('door-1', epc, 'in'));
    expect(getSerial(f.db, epc)).toMatchObject({ sku: 'S', location: 'receiving' });
    expect(onHand('S', 'receiving')).toBe(1);
    expect(listMoves(f.db, {}).moves).toHaveLength(1);
    const activity = doors.store.recentActivity('door-1');
    expect(activity.map((a) => a.outcome)).toEqual(['repeat', 'moved']);
  });

  it('moves stock exactly as often as a pallet really moved when it is driven in, out and in again', () => {
    const epc = epcOf('1002');
    apply(pass('door-1', epc, 'in'));
    apply(pass('door-1', epc, 'out'));
    apply(pass('door-1', epc, 'in'));
    expect(onHand('S', 'receiving')).toBe(1);
    const moves = listMoves(f.db, {}).moves;
    expect(moves.map((m) => `${m.from}>${m.to}`)).toEqual(['supplier>receiving', 'receiving>supplier', 'supplier>receiving']);
  });

  it('ships a unit from wherever it is through a shipping door, and a return brings it to returns', () => {
    const epc = epcOf('1003');
    apply(pass('door-1', epc, 'in'));
    apply(pass('door-2', epc, 'out'));
    expect(getSerial(f.db, epc)).toMatchObject({ location: 'customer', state: 'shipped' });
    apply(pass('door-3', epc, 'in'));
    expect(getSerial(f.db, epc)).toMatchObject({ location: 'returns' });
    expect(onHand('S', 'returns')).toBe(1);
  });

  it('turns tags it cannot place into exceptions and moves nothing', () => {
    apply(pass('door-1', 'e28011700000020b1a2b3c4d', 'in'));
    apply(pass('door-1', epcOf('7', '04006381333931'), 'in')); // GTIN of a quantity-tracked item
    apply(pass('door-1', epcOf('8', '00012345600012'), 'in')); // valid GTIN, not in the catalog
    apply(pass('door-1', epcOf('9'), 'unknown'));
    apply(pass('door-2', epcOf('10'), 'out')); // never received
    apply(pass('door-9', epcOf('11'), 'in')); // not a door of this hub
    expect(listMoves(f.db, {}).moves).toHaveLength(0);
    const types = doors.store.listExceptions().map((e) => e.type);
    expect(types).toEqual(['unknown_tag', 'tracking_mismatch', 'unknown_tag', 'unknown_direction', 'unknown_unit', 'unknown_door']);
    expect(doors.store.listExceptions()[0]!.message).toMatch(/not a GS1 EPC/);
    expect(doors.store.recentActivity('door-9')[0]!.outcome).toBe('exception:unknown_door');
  });

  it('treats an interrupted pass as an exception for ops, not a confident move, even when it names a direction', () => {
    const epc = epcOf('1201');
    apply({ ...pass('door-1', epc, 'in'), interrupted: true, confidence: 0.5 });
    expect(listMoves(f.db, {}).moves).toHaveLength(0);
    const ex = doors.store.listExceptions();
    expect(ex.map((e) => e.type)).toEqual(['unknown_direction']);
    expect(ex[0]!.message).toMatch(/interrupted.*reader outage.*in.*nothing moved/);
    // the next clean pass of the same unit moves it as usual
    apply(pass('door-1', epc, 'in'));
    expect(onHand('S', 'receiving')).toBe(1);
  });

  it('refuses a pass that contradicts where the unit is, naming both places', () => {
    const epc = epcOf('1004');
    apply(pass('door-1', epc, 'in'));
    apply(pass('door-2', epc, 'out'));
    apply(pass('door-1', epc, 'in')); // a shipped unit coming back through the receiving door
    expect(getSerial(f.db, epc)).toMatchObject({ location: 'customer' });
    const e = doors.store.listExceptions().at(-1)!;
    expect(e.type).toBe('unexpected_location');
    expect(e.message).toMatch(/is at customer.*from supplier/);
  });

  it('receives quantity-tracked goods from a scan with a count, referencing the scanner context', () => {
    apply(scan('door-1', '04006381333931', 24, [{ type: 'purchase_order', value: 'PO-4711', scannedAt: isoTs(T0) }]));
    expect(onHand('A', 'receiving')).toBe(24);
    expect(listMoves(f.db, {}).moves[0]).toMatchObject({ reason: 'receipt', reference: 'PO-4711', actor: { kind: 'scanner', id: 'sc1' } });
  });

  it('a door that ops switched off records passes and moves nothing', () => {
    expect(doors.store.setMode('door-1', 'off', 'api:alice', T0)).toBe(true);
    apply(pass('door-1', epcOf('1005'), 'in'));
    expect(listMoves(f.db, {}).moves).toHaveLength(0);
    expect(doors.store.getDoor('door-1')).toMatchObject({ mode: 'off', modeSetBy: 'api:alice' });
  });

  it('keeps the mode ops set when the configuration is applied again', () => {
    doors.store.setMode('door-1', 'transfer', 'api:alice', T0);
    doors.configure([{ id: 'door-1', mode: 'receiving', gateway: 'gw-1', location: 'dock-1', receiving: 'receiving', stock: 'stock', returns: 'returns' }]);
    expect(doors.store.getDoor('door-1')!.mode).toBe('transfer');
  });
});
