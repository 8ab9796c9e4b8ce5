import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import epcTds from 'epc-tds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventDraft } from '../../protocols/events/index.js';
import { withCheckDigit } from '../../protocols/gs1/index.js';
import { hubModules } from '../modules.js';
import { closeOverRest } from '../periods/testing/rest-close.js';
import { call, epc, passDraft, TEST_GTIN } from '../status/test-support.js';
import { BASE_SITE_YAML, startTestHub, TestGateway, type TestHub } from '../testing/harness.js';
import { bizTransactionUri, epcUri, glnOfSgln } from './document.js';

// epc-tds is CommonJS whose module.exports is the TDS object its types call `default`.
const tds = epcTds as unknown as { valueOf(hex: string): { toIdURI(): string } };

const SITE_SGLN = 'urn:epc:id:sgln:4012345.00001.0';
const QTY_GTIN = withCheckDigit('0401234500002');
const YAML = `sgln: ${SITE_SGLN}
${BASE_SITE_YAML.replace('location: dock-1 }', 'location: dock-1, sgln: urn:epc:id:sgln:4012345.00011.0 }').replace('location: dock-2 }', 'location: dock-2, sgln: urn:epc:id:sgln:4012345.00012.0 }')}`;

function officialValidator(): ValidateFunction {
  const schema = JSON.parse(readFileSync(fileURLToPath(new URL('./schema/epcis-json-schema.json', import.meta.url)), 'utf8')) as object;
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats.default(ajv);
  return ajv.compile(schema);
}

type Doc = { '@context': string[]; type: string; epcisBody: { eventList: Array<Record<string, unknown>> } };

describe('EPCIS 2.0 export', () => {
  let t: TestHub;
  let gw: TestGateway;
  const validate = officialValidator();
  const epcis = async (query = '') => {
    const r = await call<Doc>(t.hub.url, 'GET', `/api/v1/epcis/events${query}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/ld\+json/);
    expect(validate(r.body), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    return r;
  };

  beforeAll(async () => {
    t = await startTestHub({ yaml: YAML, modulesFor: hubModules });
    gw = await TestGateway.connect(t.mqttUrl);
    const post = async (path: string, body: unknown) => expect((await call(t.hub.url, 'POST', path, { body })).status).toBeLessThan(300);
    await post('/api/v1/items', { sku: 'PAL-1', name: 'Pallet unit', tracking: 'serial', gtins: [TEST_GTIN] });
    await post('/api/v1/items', { sku: 'QTY-1', name: 'Carton', tracking: 'quantity', gtins: [QTY_GTIN], uom: 'EA' });
    await post('/api/v1/receipts', {
      po: 'PO-4711',
      lines: [
        { sku: 'PAL-1', qty: 2 },
        { sku: 'QTY-1', qty: 12 },
      ],
    });
    await post('/api/v1/receipts/PO-4711/open', { door: 'door-1' });
    const scan: EventDraft = { kind: 'scan', scanner: 'sc-1', door: 'door-1', raw: `]C101${QTY_GTIN}`, codeType: 'gs1', gtin: QTY_GTIN, qty: 12 };
    await gw.send([passDraft('door-1', epc('1'), 'in'), passDraft('door-1', epc('2'), 'in'), scan]);
    await gw.send([passDraft('door-2', epc('1'), 'out')]);
    await gw.send([passDraft('door-3', '30340000000000000000abcd', 'in')]); // not in the catalog: observed, no move
  });
  afterAll(async () => {
    await gw.close();
    await t.stop();
  });

  it('exports every pass and quantity receipt as an ObjectEvent that validates against the official schema', async () => {
    const doc = (await epcis()).body;
    expect(doc).toMatchObject({ '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld'], type: 'EPCISDocument', schemaVersion: '2.0' });
    const events = doc.epcisBody.eventList;
    expect(events.map((e) => e.bizStep)).toEqual(['receiving', 'receiving', 'receiving', 'shipping', 'arriving']);
    const gln = withCheckDigit('401234500001');
    expect(events[0]).toMatchObject({
      type: 'ObjectEvent',
      action: 'OBSERVE',
      eventTimeZoneOffset: '+00:00',
      eventID: expect.stringMatching(/^urn:uuid:[0-9a-f-]{36}$/),
      epcList: [tds.valueOf(epc('1')).toIdURI()],
      disposition: 'in_progress',
      readPoint: { id: 'urn:epc:id:sgln:4012345.00011.0' },
      bizLocation: { id: SITE_SGLN },
      bizTransactionList: [{ type: 'po', bizTransaction: `urn:epcglobal:cbv:bt:${gln}:PO-4711` }],
    });
    expect(events[2]).toMatchObject({ quantityList: [{ epcClass: `https://id.gs1.org/01/${QTY_GTIN}`, quantity: 12, uom: 'EA' }], bizStep: 'receiving' });
    expect(events[2]).not.toHaveProperty('epcList');
    expect(events[3]).toMatchObject({
      disposition: 'in_transit',
      readPoint: { id: 'urn:epc:id:sgln:4012345.00012.0' },
      epcList: [tds.valueOf(epc('1')).toIdURI()],
    });
    expect(events[4]).not.toHaveProperty('readPoint'); // door-3 has no SGLN configured
    expect(events[4]).not.toHaveProperty('disposition');
  });

  it('filters by bizStep, door and time, and pages with after', async () => {
    expect((await epcis('?bizStep=shipping')).body.epcisBody.eventList).toHaveLength(1);
    expect((await epcis('?door=door-1')).body.epcisBody.eventList).toHaveLength(3);
    expect((await epcis(`?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).body.epcisBody.eventList).toHaveLength(0);
    const first = await epcis('?bizStep=receiving&limit=2');
    expect(first.body.epcisBody.eventList).toHaveLength(2);
    const after = first.headers.get('x-next-after');
    expect(after).toMatch(/^\d+$/);
    const rest = await epcis(`?bizStep=receiving&after=${after}`);
    expect(rest.body.epcisBody.eventList).toHaveLength(1);
    expect(rest.headers.get('x-next-after')).toBeNull();
  });

  it('refuses bad filters naming them', async () => {
    const step = await call(t.hub.url, 'GET', '/api/v1/epcis/events?bizStep=flying');
    expect(step.status).toBe(400);
    expect(step.body).toMatchObject({ field: 'bizStep' });
    expect((await call(t.hub.url, 'GET', '/api/v1/epcis/events?since=yesterday')).status).toBe(400);
    expect((await call(t.hub.url, 'GET', '/api/v1/epcis/events?door=door-9')).body).toMatchObject({ statusCode: 404, field: 'door' });
  });

  it('the shipped schema really refuses a broken document (negative control)', async () => {
    const doc = (await epcis()).body;
    const broken = structuredClone(doc);
    delete broken.epcisBody.eventList[0]!.eventTimeZoneOffset;
    expect(validate(broken)).toBe(false);
    const badStep = structuredClone(doc);
    badStep.epcisBody.eventList[0]!.bizStep = 'teleporting';
    expect(validate(badStep)).toBe(false);
  });

  it('answers the same after a period close moved the moves to the archive (REST close, admin), as do the moves list and a unit history', async () => {
    const events = (await epcis()).body.epcisBody.eventList;
    const moves = (await call<{ moves: Array<{ id: string }> }>(t.hub.url, 'GET', '/api/v1/moves?limit=1000')).body.moves;
    const unit = (await call<{ moves: Array<{ id: string }> }>(t.hub.url, 'GET', `/api/v1/moves?epc=${epc('1')}`)).body.moves;
    expect(moves.length).toBeGreaterThan(0);
    expect(unit).toHaveLength(2);
    const closed = await closeOverRest(t.hub.url, new Date().toISOString());
    expect(closed.post.status).toBe(202);
    expect(closed.status).toMatchObject({ state: 'done', outcome: { action: 'close', archivedMoves: moves.length } });
    expect((await call<{ moves: unknown[] }>(t.hub.url, 'GET', '/api/v1/moves?limit=1000')).body.moves).toEqual(moves);
    expect((await call<{ moves: unknown[] }>(t.hub.url, 'GET', `/api/v1/moves?epc=${epc('1')}`)).body.moves).toEqual(unit);
    expect((await epcis()).body.epcisBody.eventList).toEqual(events);
    const late = { sku: 'QTY-1', qty: 1, from: 'adjustment', to: 'dock-1', reason: 'adjustment', note: 'found', occurredAt: '2020-01-01T00:00:00Z' };
    const back = await call(t.hub.url, 'POST', '/api/v1/moves', { body: late, headers: { 'idempotency-key': 'late-1' } });
    expect(back.status).toBe(409);
    expect(back.body).toMatchObject({ field: 'occurredAt', message: expect.stringMatching(/closed period start\.\./) });
    const into = { body: { ...late, intoOpenPeriod: true }, headers: { 'idempotency-key': 'late-2' } };
    const booked = await call<{ note: string }>(t.hub.url, 'POST', '/api/v1/moves', into);
    expect(booked.status).toBe(201);
    expect(booked.body.note).toMatch(/^found — booked in the open period; originally dated 2020-01-01T00:00:00.000Z/);
  });

  it('maps identifiers: raw EPCs, GLNs of SGLNs, business transaction URIs', () => {
    expect(epcUri('e2801160200074cf085509a5')).toBe('urn:epc:raw:96.xE2801160200074CF085509A5');
    expect(glnOfSgln(SITE_SGLN)).toBe(withCheckDigit('401234500001'));
    expect(glnOfSgln('urn:epc:id:sgln:4012345.0001.0')).toBeUndefined();
    const site = { site: 'dc 1', doorSglns: new Map<string, string>() };
    expect(bizTransactionUri('PO 47/11', site)).toBe('urn:dockgate:bt:dc%201:PO%2047%2F11');
    expect(bizTransactionUri('urn:epcglobal:cbv:bt:0614141000005:1234', site)).toBe('urn:epcglobal:cbv:bt:0614141000005:1234');
  });
});
