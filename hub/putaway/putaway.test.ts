// Put-away over real HTTP on a real hub fed over MQTT: units named by EPC, GTIN + serial and SSCC pallet go to one
// location in one request (operator may), all or nothing, idempotent by key; plus the bulk variance resolve and
// GET /api/v1/me the console signs in with.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withCheckDigit } from '../../protocols/gs1/index.js';
import { hubModules } from '../modules.js';
import { call, epc, passDraft, TEST_GTIN } from '../status/test-support.js';
import { startTestHub, TestGateway, type TestHub } from '../testing/harness.js';

const VIEWER = 'v-token-1';
const OPERATOR = 'o-token-1';
const ADMIN = 'a-token-1';
const SSCC = withCheckDigit('00950600013400001');

describe('POST /api/v1/putaway, POST /api/v1/variances/resolve, GET /api/v1/me', () => {
  let t: TestHub;
  let gw: TestGateway;
  const put = (body: unknown, key: string, token = OPERATOR) => call<Record<string, unknown>>(t.hub.url, 'POST', '/api/v1/putaway', { token, body, headers: { 'idempotency-key': key } });
  const where = async (serial: string) => (await call<{ moves: Array<{ to: string }> }>(t.hub.url, 'GET', `/api/v1/moves?epc=${epc(serial)}`, { token: VIEWER })).body.moves.at(-1)?.to;

  beforeAll(async () => {
    t = await startTestHub({ modulesFor: hubModules, env: { DOCKGATE_API_TOKENS: `wall:viewer:${VIEWER},floor:operator:${OPERATOR},boss:admin:${ADMIN}` } });
    gw = await TestGateway.connect(t.mqttUrl);
    expect((await call(t.hub.url, 'POST', '/api/v1/items', { token: ADMIN, body: { sku: 'PAL-1', name: 'Pallet', tracking: 'serial', gtins: [TEST_GTIN] } })).status).toBe(201);
    const receipt = { po: 'PO-9', lines: [{ sku: 'PAL-1', qty: 5, unitCost: 100 }], pallets: [{ sscc: SSCC, contents: [{ sku: 'PAL-1', qty: 2, epcs: [epc('4'), epc('5')] }] }] };
    const created = await call(t.hub.url, 'POST', '/api/v1/receipts', { token: OPERATOR, body: receipt });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await call(t.hub.url, 'POST', '/api/v1/receipts/PO-9/open', { token: OPERATOR, body: { door: 'door-1' } })).status).toBe(200);
    await gw.send(['1', '2', '3', '4', '5'].map((s) => passDraft('door-1', epc(s), 'in')));
    await gw.send([passDraft('door-1', '30340000000000000000abcd', 'in'), passDraft('door-1', '30340000000000000000abce', 'in')]);
  });
  afterAll(async () => {
    await gw?.close();
    await t?.stop();
  });

  it('says who the token is', async () => {
    expect((await call(t.hub.url, 'GET', '/api/v1/me', { token: OPERATOR })).body).toEqual({ name: 'floor', role: 'operator', tokens: true });
    expect((await call(t.hub.url, 'GET', '/api/v1/me', { token: VIEWER })).body).toMatchObject({ name: 'wall', role: 'viewer' });
    expect((await call(t.hub.url, 'GET', '/api/v1/me')).status).toBe(401);
  });

  it('moves every unit a scan names, one move each, in one request; the operator may, a viewer may not', async () => {
    expect(await where('1')).toBe('receiving');
    expect((await put({ to: 'stock', units: [{ epc: epc('1') }] }, 'k0', VIEWER)).status).toBe(403);
    const r = await put({ to: 'stock', units: [{ epc: epc('1').toUpperCase() }, { gtin: TEST_GTIN, serial: '2' }, { sscc: SSCC }, { epc: epc('4') }] }, 'k1');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ to: 'stock', epcs: [epc('1'), epc('2'), epc('4'), epc('5')], created: 4, replayed: 0, alreadyThere: [] });
    for (const s of ['1', '2', '4', '5']) expect(await where(s)).toBe('stock');
    expect(await where('3')).toBe('receiving');
    const stock = (await call<{ stock: Array<{ available: number }> }>(t.hub.url, 'GET', '/api/v1/stock?sku=PAL-1', { token: VIEWER })).body.stock[0]!;
    expect(stock.available).toBe(4);
    // The same key and body again: the original answer, nothing doubled; other units under the key: 409, none moved.
    const again = await put({ to: 'stock', units: [{ epc: epc('1').toUpperCase() }, { gtin: TEST_GTIN, serial: '2' }, { sscc: SSCC }, { epc: epc('4') }] }, 'k1');
    expect(again.status).toBe(200);
    expect(again.body).toEqual(r.body);
    expect((await put({ to: 'stock', units: [{ epc: epc('3') }] }, 'k1')).status).toBe(409);
    expect(await where('3')).toBe('receiving');
    // A unit already there moves nothing.
    expect((await put({ to: 'stock', units: [{ epc: epc('1') }] }, 'k2')).body).toMatchObject({ created: 0, alreadyThere: [epc('1')] });
  });

  it('refuses the whole put-away when one unit or the location is wrong, naming it', async () => {
    const unknown = await put({ to: 'stock', units: [{ epc: epc('3') }, { epc: '30340000000000000000ffff' }] }, 'k3');
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toContain('units[1].epc');
    expect(await where('3')).toBe('receiving'); // the good one did not move either
    expect((await put({ to: 'stock', units: [{ gtin: TEST_GTIN, serial: '99' }] }, 'k4')).body.message).toContain('units[0]: no unit of GTIN');
    expect((await put({ to: 'stock', units: [{ sscc: withCheckDigit('00950600013400002') }] }, 'k5')).body.message).toContain('units[0].sscc: no receipt expected pallet');
    expect((await put({ to: 'nowhere', units: [{ epc: epc('3') }] }, 'k6')).body.message).toContain('to: location nowhere does not exist');
    expect((await put({ to: 'supplier', units: [{ epc: epc('3') }] }, 'k7')).body.message).toContain('virtual');
    const noKey = await call<{ message: string }>(t.hub.url, 'POST', '/api/v1/putaway', { token: OPERATOR, body: { to: 'stock', units: [{ epc: epc('3') }] } });
    expect(noKey.status).toBe(400);
    expect(noKey.body.message).toContain('idempotency-key');
    expect((await put({ to: 'stock', units: [{ sku: 'PAL-1' }] }, 'k8')).status).toBe(400);
  });

  it('resolves many variances with one reason, one result each; accept refused where it would post nothing', async () => {
    const open = (await call<{ variances: Array<{ id: number; type: string }> }>(t.hub.url, 'GET', '/api/v1/variances?status=open&type=unknown_tag&order=newest', { token: VIEWER })).body.variances;
    expect(open).toHaveLength(2);
    expect(open[0]!.id).toBeGreaterThan(open[1]!.id); // newest first
    const ids = open.map((v) => v.id);
    const accept = await call<{ results: Array<{ ok: boolean; message?: string }>; resolved: number }>(t.hub.url, 'POST', '/api/v1/variances/resolve', { token: OPERATOR, body: { ids, action: 'accept', reason: 'x' } });
    expect(accept.body.resolved).toBe(0);
    expect(accept.body.results[0]!.message).toContain('nothing to accept');
    expect((await call(t.hub.url, 'POST', `/api/v1/variances/${ids[0]}/resolve`, { token: OPERATOR, body: { action: 'dismiss', reason: 'first' } })).status).toBe(200);
    const bulk = await call<{ results: Array<{ id: number; ok: boolean; message?: string }>; resolved: number; failed: number }>(t.hub.url, 'POST', '/api/v1/variances/resolve', { token: OPERATOR, body: { ids, action: 'dismiss', reason: 'stray tags' } });
    expect(bulk.body).toMatchObject({ resolved: 1, failed: 1 });
    expect(bulk.body.results[0]).toMatchObject({ id: ids[0], ok: false });
    expect(bulk.body.results[0]!.message).toContain('already dismissed');
    expect(bulk.body.results[1]).toMatchObject({ id: ids[1], ok: true, status: 'dismissed' });
    expect((await call(t.hub.url, 'POST', '/api/v1/variances/resolve', { token: VIEWER, body: { ids, action: 'dismiss', reason: 'x' } })).status).toBe(403);
    expect((await call(t.hub.url, 'POST', '/api/v1/variances/resolve', { token: OPERATOR, body: { ids, action: 'dismiss', reason: '' } })).status).toBe(400);
  });
});
