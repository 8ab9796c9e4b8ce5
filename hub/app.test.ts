import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isoTs, type EventDraft } from '../protocols/events/index.js';
import { encodeSgtin } from '../protocols/epc/index.js';
import { checkLedger } from './ledger/index.js';
import { startTestHub, TestGateway, type TestHub } from './testing/harness.js';

function epc(serial: string): string {
  const r = encodeSgtin({ gtin: '09506000134352', companyPrefixLength: 7, serial });
  if (!r.ok) throw new Error(r.reason);
  return r.hex;
}

function passDraft(door: string, tagEpc: string, direction: 'in' | 'out'): EventDraft {
  const now = isoTs(Date.now());
  return { kind: 'tag.pass', door, direction, epc: tagEpc, firstSeen: now, lastSeen: now, reads: 9, peakRssi: -50, antennas: [{ reader: 'r1', antenna: 1, reads: 9, peakRssi: -50 }], confidence: 0.95 };
}

describe('hub over real MQTT and HTTP', () => {
  let t: TestHub;
  let gw: TestGateway;
  const get = async (path: string) => {
    const res = await fetch(t.hub.url + path);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeEach(async () => {
    t = await startTestHub();
    gw = await TestGateway.connect(t.mqttUrl);
    const res = await fetch(t.hub.url + '/api/v1/items', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sku: 'PAL-1', name: 'Pallet unit', tracking: 'serial', gtins: ['09506000134352'], standardCost: 1200 }),
    });
    expect(res.status).toBe(201);
  });
  afterEach(async () => {
    expect(checkLedger(t.hub.db).ok).toBe(true);
    await gw.close();
    await t.stop();
  });

  it('turns passes published by a gateway into stock the REST API shows, once even when the batch comes twice', async () => {
    const events = gw.stamp([passDraft('door-1', epc('1'), 'in'), passDraft('door-1', epc('2'), 'in'), passDraft('door-1', epc('3'), 'in')]);
    await gw.publish(events);
    await gw.publish(events); // redelivery
    const stock = await get('/api/v1/stock?sku=PAL-1');
    expect(stock.body.stock).toMatchObject([{ sku: 'PAL-1', onHand: 3 }]);
    const moves = await get('/api/v1/moves?sku=PAL-1');
    expect((moves.body.moves as unknown[]).length).toBe(3);
  });

  it('ships a received unit through the shipping door and shows the audit trail', async () => {
    await gw.send([passDraft('door-1', epc('7'), 'in')]);
    await gw.send([passDraft('door-2', epc('7'), 'out')]);
    const moves = (await get('/api/v1/moves?sku=PAL-1')).body.moves as Array<{ from: string; to: string; reason: string; actor: { id: string } }>;
    expect(moves.map((m) => `${m.reason}:${m.from}>${m.to}`)).toEqual(['receipt:supplier>receiving', 'shipment:receiving>customer']);
    expect(moves[0]!.actor.id).toBe('gw-1');
  });

  it('answers bad REST input with a 4xx naming the field, and changes nothing', async () => {
    const bad = await fetch(t.hub.url + '/api/v1/moves', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'k1' },
      body: JSON.stringify({ sku: 'PAL-1', qty: -2, from: 'stock', to: 'scrap', reason: 'scrap', note: 'broken' }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/qty/);
    const missingKey = await fetch(t.hub.url + '/api/v1/moves', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sku: 'PAL-1', qty: 1, from: 'stock', to: 'scrap', reason: 'scrap', note: 'x' }) });
    expect(missingKey.status).toBe(400);
    expect(((await missingKey.json()) as { message: string }).message).toMatch(/idempotency-key/);
    expect(((await get('/api/v1/moves')).body.moves as unknown[]).length).toBe(0);
  });

  it('dead-letters a malformed payload and keeps going', async () => {
    await gw.client.publishAsync('dockgate/test-site/gw/gw-1/events', '{"v":1,"gateway":"gw-1"', { qos: 1 });
    const dl = await get('/api/v1/dead-letters');
    expect(dl.body.deadLetters).toMatchObject([{ reason: 'json', topic: 'dockgate/test-site/gw/gw-1/events' }]);
    await gw.send([passDraft('door-1', epc('9'), 'in')]);
    expect((await get('/api/v1/stock?sku=PAL-1')).body.stock).toMatchObject([{ onHand: 1 }]);
  });
});
