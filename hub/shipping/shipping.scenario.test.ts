// Shipping through the real hub: outbound passes verified live, the door's light stack commanded over MQTT.
import { Value } from '@sinclair/typebox/value';
import { afterEach, describe, expect, it } from 'vitest';
import { Command, exampleGatewayStatus, topics } from '../../protocols/events/index.js';
import { waitFor } from '../broker/test-support.js';
import { TEST_GATEWAY, TEST_SITE } from '../testing/harness.js';
import { gtin, items, pass, scan, sscc, sgtinEpc, ssccEpc, startScenario, type Scenario } from '../variances/scenario-support.js';

describe('expected shipments through the hub', () => {
  let s: Scenario | undefined;
  afterEach(async () => {
    await s?.stop();
    s = undefined;
  });

  it('a wrong pallet at a shipping door raises unexpected_outbound and turns the light red on the gateway topic until acknowledged; all seen turns it green', async () => {
    s = await startScenario();
    await items(s, [{ sku: 'SP', tracking: 'serial', gtin: gtin(51), standardCost: 300 }]);
    const [e1, e2, e3] = [1, 2, 3].map((n) => sgtinEpc(gtin(51), n)) as [string, string, string];
    await s.send(pass('door-1', e1), pass('door-1', e2), pass('door-1', e3)); // received blind at the receiving door

    // The gateway listens on its command topic, as a gateway does.
    const commands: Array<{ cmd: string; door: string; color: string; at: number }> = [];
    await s.gw.client.subscribeAsync(topics.cmd(TEST_SITE, TEST_GATEWAY), { qos: 1 });
    s.gw.client.on('message', (topic, payload) => {
      const msg = JSON.parse(payload.toString()) as { cmd: string; door: string; color: string };
      expect(topic).toBe(`dockgate/${TEST_SITE}/gw/${TEST_GATEWAY}/cmd`);
      expect(Value.Check(Command, msg), payload.toString()).toBe(true);
      commands.push({ ...msg, at: Date.now() });
    });

    const right = sscc(10);
    expect((await s.api('POST', '/api/v1/shipments', { id: 'SH-1', customer: 'shop', lines: [{ sku: 'SP', qty: 2, epcs: [e1, e2] }], pallets: [{ sscc: right }] })).status).toBe(201);
    expect((await s.api('POST', '/api/v1/shipments/SH-1/open', { door: 'door-2' })).body).toMatchObject({ status: 'open', door: 'door-2', complete: false });

    const sentAt = Date.now();
    await s.send(pass('door-2', ssccEpc(sscc(11)), 'out')); // the wrong pallet
    const red = await waitFor(() => commands.find((c) => c.color === 'red'), 'a red light command');
    expect(red).toMatchObject({ cmd: 'light', door: 'door-2', color: 'red' });
    expect(red.at).toBeGreaterThanOrEqual(sentAt);
    const [v] = (await s.api('GET', '/api/v1/variances?type=unexpected_outbound')).body.variances;
    expect(v).toMatchObject({ door: 'door-2', reference: 'SH-1', status: 'open', expected: 0, actual: 1 });
    expect(v.message).toMatch(new RegExp(`pallet ${sscc(11)} is not on shipment SH-1`));
    expect((await s.api('GET', '/api/v1/shipments/SH-1')).body.alarm).toBe(true);

    // A unit of the right SKU that the shipment does not list is held too; nothing of it is shipped.
    await s.send(pass('door-2', e3, 'out'));
    await waitFor(() => commands.filter((c) => c.color === 'red').length === 2, 'red re-asserted for the unlisted unit');
    expect((await s.api('GET', `/api/v1/moves?epc=${e3}`)).body.moves.map((m: { to: string }) => m.to)).toEqual(['receiving']);

    // Ops acknowledge: the light leaves red (nothing complete yet: off).
    const ack = await s.api('POST', '/api/v1/shipments/SH-1/acknowledge', { reason: 'pallet pulled back' });
    expect(ack.body.alarm).toBe(false);
    await waitFor(() => commands.at(-1)?.color === 'off', 'the light turned off after acknowledgement');

    // The right pallet and both listed units: everything seen, green.
    await s.send(pass('door-2', ssccEpc(right), 'out'), pass('door-2', e1, 'out'), pass('door-2', e2, 'out'));
    await waitFor(() => commands.at(-1)?.color === 'green', 'a green light command');
    const sh = (await s.api('GET', '/api/v1/shipments/SH-1')).body;
    expect(sh).toMatchObject({ complete: true, lines: [{ sku: 'SP', expected: 2, shipped: 2 }], epcs: [{ epc: e1, shipped: true }, { epc: e2, shipped: true }] });

    // The held units are resolved: the pallet came back (dismiss), the extra unit too.
    for (const u of (await s.api('GET', '/api/v1/variances?type=unexpected_outbound&status=open')).body.variances) {
      expect((await s.api('POST', `/api/v1/variances/${u.id}/resolve`, { action: 'dismiss', reason: 'brought back to the dock' })).status).toBe(200);
    }
    const closed = await s.api('POST', '/api/v1/shipments/SH-1/close');
    expect(closed.body.missing).toEqual({ lines: [], epcs: [], pallets: [] });
    expect(closed.body.variances).toEqual([]);
    await waitFor(() => commands.at(-1)?.color === 'off', 'the light off at close');
    // Each held pass re-asserts red (the wrong pallet, then the unlisted unit).
    expect(commands.map((c) => c.color)).toEqual(['red', 'red', 'off', 'green', 'off']);
  });

  it('a light wanted while the gateway was away (its command taken by the broker, heard by nobody) reaches it when it comes online', async () => {
    s = await startScenario();
    await items(s, [{ sku: 'SP', tracking: 'serial', gtin: gtin(54), standardCost: 300 }]);
    expect((await s.api('POST', '/api/v1/shipments', { id: 'SH-9', lines: [{ sku: 'SP', qty: 1 }], pallets: [{ sscc: sscc(90) }] })).status).toBe(201);
    await s.api('POST', '/api/v1/shipments/SH-9/open', { door: 'door-2' });
    await s.send(pass('door-2', ssccEpc(sscc(91)), 'out')); // the wrong pallet: red, while nothing listens on the command topic
    const signals = s.t.hub.db.prepare("SELECT color, sent_version >= version AS sent FROM door_signals WHERE door = 'door-2'");
    await waitFor(() => (signals.get() as { sent: number } | undefined)?.sent === 1, 'the red light taken by the broker');

    // The gateway comes (back) online: it subscribes to its command topic, then says so in its status.
    const colors: string[] = [];
    await s.gw.client.subscribeAsync(topics.cmd(TEST_SITE, TEST_GATEWAY), { qos: 1 });
    s.gw.client.on('message', (_topic, payload) => colors.push((JSON.parse(payload.toString()) as { color: string }).color));
    const status = (online: boolean) => JSON.stringify({ ...exampleGatewayStatus(), gateway: TEST_GATEWAY, online, ts: new Date().toISOString() });
    await s.gw.client.publishAsync(topics.status(TEST_SITE, TEST_GATEWAY), status(true), { qos: 1, retain: true });
    await waitFor(() => colors.includes('red'), 'the wanted red light sent again');
    // Another status while online sends nothing more; going offline and back sends the wanted color once more.
    await s.gw.client.publishAsync(topics.status(TEST_SITE, TEST_GATEWAY), status(true), { qos: 1, retain: true });
    await s.gw.client.publishAsync(topics.status(TEST_SITE, TEST_GATEWAY), status(false), { qos: 1, retain: true });
    await s.gw.client.publishAsync(topics.status(TEST_SITE, TEST_GATEWAY), status(true), { qos: 1, retain: true });
    await waitFor(() => colors.length === 2, 'red sent again after offline → online');
    expect(colors).toEqual(['red', 'red']);
  });

  it('closing reports what is missing as missing_outbound; accepting an unexpected outbound ships it', async () => {
    s = await startScenario();
    await items(s, [{ sku: 'QS', tracking: 'quantity', gtin: gtin(52), standardCost: 40 }, { sku: 'QT', tracking: 'quantity', gtin: gtin(53), standardCost: 10 }]);
    await s.api('POST', '/api/v1/moves', { sku: 'QS', qty: 10, from: 'supplier', to: 'stock', reason: 'receipt', note: 'opening' }, { 'idempotency-key': 'o1' });
    await s.api('POST', '/api/v1/moves', { sku: 'QT', qty: 10, from: 'supplier', to: 'stock', reason: 'receipt', note: 'opening' }, { 'idempotency-key': 'o2' });
    await s.api('POST', '/api/v1/shipments', { id: 'SH-2', lines: [{ sku: 'QS', qty: 3 }], pallets: [{ sscc: sscc(20) }] });
    await s.api('POST', '/api/v1/shipments/SH-2/open', { door: 'door-2' });
    await s.send(scan('door-2', { gtin: gtin(52), qty: 2 }), scan('door-2', { gtin: gtin(53), qty: 4 }));
    const [u] = (await s.api('GET', '/api/v1/variances?type=unexpected_outbound')).body.variances;
    expect(u).toMatchObject({ sku: 'QT', actual: 4, plan: [{ sku: 'QT', qty: 4, from: 'stock', to: 'customer', reason: 'shipment' }] });
    const accepted = await s.api('POST', `/api/v1/variances/${u.id}/resolve`, { action: 'accept', reason: 'customer wants them' });
    expect(accepted.body.moves).toMatchObject([{ sku: 'QT', qty: 4, to: 'customer', reference: 'SH-2', valueCost: 40 }]);

    const closed = await s.api('POST', '/api/v1/shipments/SH-2/close');
    expect(closed.body.missing).toEqual({ lines: [{ sku: 'QS', expected: 3, shipped: 2 }], epcs: [], pallets: [sscc(20)] });
    expect(closed.body.variances.map((v: { type: string; sku: string | null; expected: number; actual: number }) => [v.type, v.sku, v.expected, v.actual])).toEqual([
      ['missing_outbound', 'QS', 3, 2],
      ['missing_outbound', null, 1, 0],
    ]);
    const before = s.snapshot();
    const twice = await s.api('POST', '/api/v1/shipments/SH-2/close');
    expect(twice.status).toBe(409);
    expect(twice.body.message).toMatch(/already closed/);
    const unknown = await s.api('POST', '/api/v1/shipments/NOPE/open', { door: 'door-2' });
    expect([unknown.status, unknown.body.message]).toEqual([404, 'shipment "NOPE" does not exist']);
    const negative = await s.api('POST', '/api/v1/shipments', { id: 'SH-3', lines: [{ sku: 'QS', qty: -1 }] });
    expect(negative.status).toBe(400);
    expect(negative.body.message).toMatch(/qty/);
    expect(s.snapshot()).toBe(before);
  });
});
