// Partner documents through the real hub: an 856 imported over REST, a truck received at door-1 over MQTT, the
// variances its contents deserve, and the 861 the partner gets; rejections with their 997 / CONTRL; duplicates; the
// watched folder; the outbox retrying a partner URL.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from '../channels/testing/server.js';
import { BASE_SITE_YAML } from '../testing/harness.js';
import { gtin, items, pass, scan, sscc, ssccEpc, startScenario, type Scenario } from '../variances/scenario-support.js';
import { parseX12 } from './edi/x12.js';
import { parseEdifact } from './edi/edifact.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const yaml = (partners: string) => `${BASE_SITE_YAML.replace("  - { id: returns, kind: returns, parent: dc }", "  - { id: returns, kind: returns, parent: dc }\n  - { id: damaged, kind: quarantine, parent: dc }")}
partners:
${partners}`;
const until = async (what: () => boolean, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('partner documents through the hub', () => {
  let s: Scenario | undefined;
  let server: LocalServer | undefined;
  afterEach(async () => {
    await s?.stop();
    await server?.close();
    s = server = undefined;
  });

  it('a truck received at door-1 against an imported 856 raises exactly the variances its contents deserve, and the partner gets a correct 861', async () => {
    const out = `/tmp/dockgate-861-${process.pid}-${Date.now()}`;
    s = await startScenario(yaml(`  retryBaseMs: 10\n  list:\n    - { id: supplier-a, senderIds: [SUPPLIERA], advice: '861', deliver: { folder: ${out} } }`));
    await items(s, [{ sku: 'SKU-1', tracking: 'quantity', gtin: gtin(1) }, { sku: 'SKU-2', tracking: 'quantity', gtin: gtin(2) }, { sku: 'SKU-3', tracking: 'quantity', gtin: gtin(3) }]);
    const imported = await s.api('POST', '/api/v1/inbound/edi', fixture('856-pallet-level.edi'));
    expect(imported.status, JSON.stringify(imported.body)).toBe(201);
    expect(imported.body).toMatchObject({ status: 'applied', sender: 'SUPPLIERA', control: '000000905', documents: [{ type: '856', kind: 'asn', number: 'ASN-856-P', receipt: 'ASN-856-P', created: true }], ack: { type: '997' } });
    expect(imported.body.ack.text).toMatch(/AK1\*SH\*905~\nST|AK1\*SH\*905~/);
    expect(imported.body.ack.text).toMatch(/AK2\*856\*0001~\nAK5\*A~\nAK9\*A\*1\*1\*1~/);
    expect(parseX12(imported.body.ack.text).problems).toEqual([]);
    const receipt = (await s.api('GET', '/api/v1/receipts/ASN-856-P')).body;
    expect(receipt).toMatchObject({ kind: 'asn', supplier: 'supplier-a', status: 'expected' });
    expect(receipt.lines.map((l: { sku: string; expected: number }) => [l.sku, l.expected])).toEqual([['SKU-1', 48], ['SKU-2', 12]]);
    expect(receipt.pallets.map((p: { sscc: string; contents: unknown }) => [p.sscc, p.contents])).toEqual([
      [sscc(101), [{ sku: 'SKU-1', qty: 24, epcs: [] }, { sku: 'SKU-2', qty: 12, epcs: [] }]],
      [sscc(102), [{ sku: 'SKU-1', qty: 24, epcs: [] }]],
    ]);

    // The truck: the ASN number scanned at the door, pallet 1 passes (pallet 2 never came), a carton of SKU-3 nobody ordered.
    await s.send(scan('door-1', { codeType: 'purchase_order', raw: 'ASN-856-P' }));
    await s.send(pass('door-1', ssccEpc(sscc(101))));
    await s.send(scan('door-1', { gtin: gtin(3), qty: 6 }));
    // Two units of SKU-2 are found damaged and put aside.
    const moved = await s.api('POST', '/api/v1/moves', { sku: 'SKU-2', qty: 2, from: 'receiving', to: 'damaged', reason: 'transfer', reference: 'ASN-856-P', note: 'crushed cartons' }, { 'idempotency-key': 'dmg-1' });
    expect(moved.status, JSON.stringify(moved.body)).toBe(201);
    const closed = await s.api('POST', '/api/v1/receipts/ASN-856-P/close');
    expect(closed.status).toBe(200);
    const variances = (await s.api('GET', '/api/v1/variances?reference=ASN-856-P')).body.variances;
    expect(variances.map((v: { type: string; sku: string; expected: number; actual: number }) => [v.type, v.sku, v.expected, v.actual])).toEqual([['unexpected_item', 'SKU-3', 0, 6], ['short', 'SKU-1', 48, 24]]);
    expect((await s.api('GET', '/api/v1/variances')).body.variances).toHaveLength(2);

    // The 861, delivered to the partner's folder by the outbox.
    const file = join(out, 'ASN-856-P.861.edi');
    await until(() => existsSync(file));
    const edi = readFileSync(file, 'utf8');
    const parsed = parseX12(edi);
    expect(parsed.problems).toEqual([]);
    expect(parsed.interchange).toMatchObject({ sender: { id: 'DOCKGATE' }, receiver: { id: 'SUPPLIERA' } });
    const set = parsed.interchange!.groups[0]!.sets[0]!;
    expect(set.type).toBe('861');
    expect(set.segments.map((x) => [x.tag, ...x.elements.map((e) => e.join('>'))].join('*'))).toEqual([
      expect.stringMatching(/^BRA\*ASN-856-P\*\d{8}\*00\*1$/),
      'REF*SI*ASN-856-P',
      'REF*PO*PO-4711',
      expect.stringMatching(/^DTM\*050\*\d{8}$/),
      'RCD*1*24*EA***24*EA*02', // SKU-1: 24 of 48 received, 24 short
      `LIN**UK*${gtin(1)}*BP*SKU-1`,
      'RCD*2*10*EA***2*EA*01', // SKU-2: 12 received, 2 of them damaged
      `LIN**UK*${gtin(2)}*BP*SKU-2`,
      'RCD*001012*24*EA',
      `LIN**UK*${gtin(1)}*BP*SKU-1`,
      `MAN*GM*${sscc(101)}`,
      'RCD*001012*12*EA',
      `LIN**UK*${gtin(2)}*BP*SKU-2`,
      `MAN*GM*${sscc(101)}`,
      'RCD*001029*0*EA***24*EA*02', // pallet 2 never came
      `LIN**UK*${gtin(1)}*BP*SKU-1`,
      `MAN*GM*${sscc(102)}`,
      'CTT*5',
    ]);
    const deliveries = (await s.api('GET', '/api/v1/partners/outbox')).body.deliveries;
    expect(deliveries).toMatchObject([{ key: 'advice:ASN-856-P', partner: 'supplier-a', kind: '861', status: 'delivered', attempts: 1 }]);
  });

  it('the same interchange control number from the same sender twice answers "exists" and changes nothing', async () => {
    s = await startScenario(yaml('  list: []'));
    await items(s, [{ sku: 'SKU-1', tracking: 'quantity', gtin: gtin(1) }, { sku: 'SKU-2', tracking: 'quantity', gtin: gtin(2) }]);
    expect((await s.api('POST', '/api/v1/inbound/edi', fixture('856-pallet-level.edi'))).status).toBe(201);
    const before = s.snapshot();
    const count = s.t.hub.db.prepare('SELECT COUNT(*) AS n FROM edi_interchanges').get();
    const again = await s.api('POST', '/api/v1/inbound/edi', fixture('856-pallet-level.edi'));
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'exists', documents: [{ receipt: 'ASN-856-P', created: false }], ack: null });
    expect(s.snapshot()).toBe(before);
    expect(s.t.hub.db.prepare('SELECT COUNT(*) AS n FROM edi_interchanges').get()).toEqual(count);
  });

  it('a bad document is rejected whole, stored with segment, element and problem, and answered with a 997 / CONTRL naming the error', async () => {
    s = await startScenario(yaml('  list: []'));
    // The catalog is empty: the 850's SKU-1 is unknown.
    const before = s.snapshot();
    const bad = await s.api('POST', '/api/v1/inbound/edi', fixture('broken-856-qualifier.edi'));
    expect(bad.status).toBe(422);
    expect(bad.body.problems[0]).toEqual({ at: 'LIN02 (segment 15)', level: 'set', group: 0, set: 0, segment: 'LIN', position: 15, element: 2, code: 'invalid-code', problem: expect.stringMatching(/unknown product id qualifier "XX"/) });
    expect(bad.body.problems[1]).toMatchObject({ at: 'HL (segment 14)', code: 'segment-missing' }); // the item is left without a GTIN
    expect(bad.body.ack.type).toBe('997');
    expect(bad.body.ack.text).toContain('AK2*856*0001~\nAK3*LIN*15**8~\nAK4*2**7~\nAK3*HL*14**3~\nAK5*R*5~\nAK9*R*1*1*0~');
    const stored = (await s.api('GET', `/api/v1/inbound/edi/${bad.body.interchange}`)).body;
    expect(stored).toMatchObject({ status: 'rejected', sender: 'SUPPLIERA', ack_type: '997', problems: [{ segment: 'LIN', element: 2 }, { segment: 'HL', position: 14 }] });

    // An item the catalog does not know: the receipt check's error is traced back to its PO1 line.
    const po = await s.api('POST', '/api/v1/inbound/edi', fixture('850-po.edi'));
    expect(po.status).toBe(422);
    expect(po.body.problems).toMatchObject([{ at: 'PO1 (segment 3)', code: 'unknown-item', problem: expect.stringMatching(/lines\[0\]\.sku: unknown item "SKU-1"|unknown item/) }]);
    expect(po.body.ack.text).toContain('AK3*PO1*3**8~');

    // A control total wrong: SE01 (X12) → AK5 code 4; UNT (EDIFACT) → CONTRL UCM with 29; a truncated file → TA1 023.
    const se = await s.api('POST', '/api/v1/inbound/edi', fixture('broken-856-se-count.edi'));
    expect(se.body.ack.text).toContain('AK5*R*4~');
    const unt = await s.api('POST', '/api/v1/inbound/edi', fixture('broken-desadv-unt.edi'));
    expect(unt.status).toBe(422);
    expect(unt.body.ack.type).toBe('CONTRL');
    expect(unt.body.ack.text).toContain("UCM+M1+DESADV:D:96A:UN:EAN005+4+29'");
    expect(parseEdifact(unt.body.ack.text).problems).toEqual([]);
    const qualifier = await s.api('POST', '/api/v1/inbound/edi', fixture('broken-desadv-qualifier.edi'));
    expect(qualifier.body.ack.text).toContain("UCS+23'\nUCD+12+1'");
    const truncated = await s.api('POST', '/api/v1/inbound/edi', fixture('broken-856-truncated.edi'));
    expect(truncated.body.ack.type).toBe('TA1');
    expect(truncated.body.ack.text).toMatch(/TA1\*000000905\*240115\*1030\*R\*023~/);
    expect(s.snapshot()).toBe(before);
    expect((await s.api('GET', '/api/v1/receipts/ASN-856-P')).status).toBe(404);
  });

  it('imports files dropped in the watched folder, moving them to processed/ or rejected/ with their acks', async () => {
    const inbox = `/tmp/dockgate-edi-in-${process.pid}-${Date.now()}`;
    mkdirSync(inbox, { recursive: true });
    s = await startScenario(yaml(`  inboundFolder: ${inbox}\n  pollMs: 50\n  list:\n    - { id: supplier-d, senderIds: ['4012345500004'] }`));
    await items(s, [{ sku: 'SKU-6', tracking: 'quantity', gtin: gtin(6) }]);
    writeFileSync(join(inbox, 'desadv.edi'), fixture('desadv-carton-level.edi'));
    writeFileSync(join(inbox, 'bad.edi'), fixture('broken-desadv-unz.edi'));
    await until(() => existsSync(join(inbox, 'processed', 'desadv.edi')) && existsSync(join(inbox, 'rejected', 'bad.edi')));
    expect(readdirSync(join(inbox, 'processed')).sort()).toEqual(['desadv.edi', 'desadv.edi.contrl']);
    expect(readFileSync(join(inbox, 'processed', 'desadv.edi.contrl'), 'utf8')).toMatch(/UCI\+DESADV1\+4012345500004:14\+5412345000013:14\+7'/);
    expect(readdirSync(join(inbox, 'rejected')).sort()).toEqual(['bad.edi', 'bad.edi.contrl', 'bad.edi.problems.json']);
    expect(JSON.parse(readFileSync(join(inbox, 'rejected', 'bad.edi.problems.json'), 'utf8'))[0]).toMatchObject({ at: 'UNZ02', code: 'control-mismatch' });
    const r = (await s.api('GET', '/api/v1/receipts/DES-587441')).body;
    expect(r).toMatchObject({ supplier: 'supplier-d', lines: [{ sku: 'SKU-6', expected: 20 }], pallets: [{ sscc: sscc(401), contents: [{ sku: 'SKU-6', qty: 20 }] }] });
  });

  it('a RECADV POSTed to a failing partner URL is retried with the same idempotency key, loud while it fails, delivered once', async () => {
    const seen: Array<{ key: string; status: number }> = [];
    let fail = 3;
    server = await startLocalServer((req, body, res) => {
      const status = fail-- > 0 ? 503 : 200;
      seen.push({ key: String(req.headers['idempotency-key']), status });
      expect(body.toString()).toMatch(/^UNA/);
      res.writeHead(status).end();
    });
    s = await startScenario(yaml(`  retryBaseMs: 20\n  retryMaxMs: 40\n  alertAfter: 2\n  list:\n    - { id: supplier-d, senderIds: ['4012345500004'], advice: RECADV, deliver: { url: '${server.url}/recadv' } }`));
    await items(s, [{ sku: 'SKU-6', tracking: 'quantity', gtin: gtin(6) }]);
    expect((await s.api('POST', '/api/v1/inbound/edi', fixture('desadv-carton-level.edi'))).status).toBe(201);
    await s.api('POST', '/api/v1/receipts/DES-587441/open', { door: 'door-1' });
    await s.send(pass('door-1', ssccEpc(sscc(401))));
    expect((await s.api('POST', '/api/v1/receipts/DES-587441/close')).body.variances).toEqual([]);
    await until(() => seen.length >= 2);
    const failing = (await s.api('GET', '/api/v1/partners/outbox')).body.deliveries[0];
    expect(failing).toMatchObject({ kind: 'RECADV', lastError: expect.stringMatching(/HTTP 503/) });
    await until(() => seen.some((x) => x.status === 200));
    expect(new Set(seen.map((x) => x.key))).toEqual(new Set(['advice:DES-587441']));
    expect(seen.map((x) => x.status)).toEqual([503, 503, 503, 200]);
    await until(() => (s!.t.hub.db.prepare("SELECT status FROM partner_outbox").get() as { status: string }).status === 'delivered');
    const delivered = (await s.api('GET', '/api/v1/partners/outbox')).body.deliveries[0];
    expect(delivered).toMatchObject({ status: 'delivered', attempts: 4 });
    const metrics = await s.t.hub.metrics.registry.getSingleMetricAsString('dockgate_partner_deliveries_total');
    expect(metrics).toMatch(/result="failed"} 3/);
  });
  it('pushes an EPCIS 2.0 capture (ObjectEvents and pallet → carton → unit AggregationEvents) that GS1\'s JSON Schema accepts, retried with the same eventIDs', async () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats.default(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(new URL('../epcis/schema/epcis-json-schema.json', import.meta.url), 'utf8')) as object);
    const captures: Array<{ path: string; doc: { epcisBody: { eventList: Array<Record<string, unknown>> } } }> = [];
    let fail = 1;
    server = await startLocalServer((req, body, res) => {
      const doc = JSON.parse(body.toString()) as (typeof captures)[number]['doc'];
      if (!validate(doc)) {
        res.writeHead(400).end(JSON.stringify(validate.errors));
        return;
      }
      captures.push({ path: req.url ?? '', doc });
      res.writeHead(fail-- > 0 ? 500 : 202).end();
    });
    s = await startScenario(yaml(`  retryBaseMs: 20\n  retryMaxMs: 40\n  list:\n    - { id: supplier-d, senderIds: ['4012345500004'], epcisCaptureUrl: '${server.url}/epcis' }`));
    await items(s, [{ sku: 'SKU-6', tracking: 'quantity', gtin: gtin(6) }]);
    expect((await s.api('POST', '/api/v1/inbound/edi', fixture('desadv-carton-level.edi'))).status).toBe(201);
    await s.api('POST', '/api/v1/receipts/DES-587441/open', { door: 'door-1' });
    await s.send(pass('door-1', ssccEpc(sscc(401))));
    await s.api('POST', '/api/v1/receipts/DES-587441/close');
    await until(() => captures.length >= 2);
    await until(() => (s!.t.hub.db.prepare("SELECT status FROM partner_outbox WHERE key = 'epcis:DES-587441'").get() as { status: string }).status === 'delivered');
    expect(captures.map((c) => c.path)).toEqual(['/epcis/capture', '/epcis/capture']);
    const [first, second] = captures.map((c) => c.doc.epcisBody.eventList);
    expect(second!.map((e) => e.eventID)).toEqual(first!.map((e) => e.eventID));
    expect(new Set(first!.map((e) => e.eventID)).size).toBe(first!.length);
    expect(first!.map((e) => [e.type, e.action, e.bizStep])).toEqual([['ObjectEvent', 'OBSERVE', 'receiving'], ['AggregationEvent', 'ADD', 'receiving'], ['AggregationEvent', 'ADD', 'receiving'], ['AggregationEvent', 'ADD', 'receiving']]);
    expect(first![0]!.epcList).toEqual(['urn:epc:id:sscc:9506000.0000000401']);
    expect(first!.slice(1).map((e) => [e.parentID, e.childEPCs ?? null, e.childQuantityList ?? null])).toEqual([
      [`https://id.gs1.org/00/${sscc(401)}`, [`https://id.gs1.org/00/${sscc(402)}`, `https://id.gs1.org/00/${sscc(403)}`], null],
      [`https://id.gs1.org/00/${sscc(402)}`, null, [{ epcClass: `https://id.gs1.org/01/${gtin(6)}/10/B77`, quantity: 10 }]],
      [`https://id.gs1.org/00/${sscc(403)}`, null, [{ epcClass: `https://id.gs1.org/01/${gtin(6)}/10/B77`, quantity: 10 }]],
    ]);
  });
});
