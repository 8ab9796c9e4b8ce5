// The ERP hand-off through the real hub: a receipt imported from an 856, received at door-1 over MQTT and closed
// becomes exactly one ERPNext Purchase Receipt (a local server speaking Frappe's REST API), even when an answer is
// lost; a signed webhook gets the closed receipt and every posted move once; failures show in the outbox, the status
// report and the metrics; bad ERP settings stop start-up naming the key.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from '../../channels/testing/server.js';
import { parseHubConfig } from '../../config/load.js';
import { BASE_SITE_YAML } from '../../testing/harness.js';
import { gtin, items, pass, scan, sscc, ssccEpc, startScenario, type Scenario } from '../../variances/scenario-support.js';
import { startFakeErpnext, type FakeErpnext } from '../testing/fake-erpnext.js';
import { frappeError, purchaseReceiptDoc } from './erpnext.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
const SITE = BASE_SITE_YAML.replace('  - { id: returns, kind: returns, parent: dc }', '  - { id: returns, kind: returns, parent: dc }\n  - { id: damaged, kind: quarantine, parent: dc }');
const yaml = (partners: string) => `${SITE}\npartners:\n  retryBaseMs: 20\n  retryMaxMs: 40\n  alertAfter: 2\n  list:\n    - { id: supplier-a, senderIds: [SUPPLIERA] }\n${partners}`;
const erpnext = (url: string) => `      erpnext: { url: '${url}', apiKey: k3y, apiSecret: s3cret, company: Acme DC, warehouse: Stores - DC, rejectedWarehouse: Rejected - DC, suppliers: { supplier-a: Acme Supplies Ltd }, submit: true }`;
const SECRET = 'a-long-webhook-secret';
const until = async (what: () => boolean, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** The 856's truck: pallet 1 passes door-1 (pallet 2 never came), two units of SKU-2 go to quarantine, the receipt closes. */
async function receiveAndClose(s: Scenario): Promise<void> {
  await items(s, [{ sku: 'SKU-1', tracking: 'quantity', gtin: gtin(1) }, { sku: 'SKU-2', tracking: 'quantity', gtin: gtin(2) }]);
  expect((await s.api('POST', '/api/v1/inbound/edi', fixture('856-pallet-level.edi'))).status).toBe(201);
  await s.send(scan('door-1', { codeType: 'purchase_order', raw: 'ASN-856-P' }));
  await s.send(pass('door-1', ssccEpc(sscc(101))));
  const moved = await s.api('POST', '/api/v1/moves', { sku: 'SKU-2', qty: 2, from: 'receiving', to: 'damaged', reason: 'transfer', reference: 'ASN-856-P', note: 'crushed' }, { 'idempotency-key': 'dmg-1' });
  expect(moved.status, JSON.stringify(moved.body)).toBe(201);
  expect((await s.api('POST', '/api/v1/receipts/ASN-856-P/close')).status).toBe(200);
}

const outboxRow = (s: Scenario, key: string) => s.t.hub.db.prepare('SELECT status, attempts, answer FROM partner_outbox WHERE key = ?').get(key) as { status: string; attempts: number; answer: string | null } | undefined;

describe('ERP hand-off', () => {
  let s: Scenario | undefined;
  let erp: FakeErpnext | undefined;
  let hook: LocalServer | undefined;
  afterEach(async () => {
    await s?.stop();
    await erp?.close();
    await hook?.close();
    s = erp = hook = undefined;
  });

  it('a closed receipt becomes exactly one ERPNext Purchase Receipt, though ERPNext first fails and then loses the answer to the create', async () => {
    erp = await startFakeErpnext('k3y:s3cret', ['SKU-1', 'SKU-2']);
    erp.failNext(1);
    erp.loseNextAnswer();
    s = await startScenario(yaml(`  erp:\n${erpnext(`${erp.url}/`)}`));
    await receiveAndClose(s);
    const key = 'erpnext:purchase-receipt:ASN-856-P';
    await until(() => outboxRow(s!, key)?.status === 'delivered');
    const made = erp.docs.get('Purchase Receipt')!;
    expect(made).toHaveLength(1);
    expect(made[0]).toEqual({
      doctype: 'Purchase Receipt',
      name: 'MAT-PRE-2026-00001',
      supplier: 'Acme Supplies Ltd',
      company: 'Acme DC',
      posting_date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      posting_time: expect.stringMatching(/^\d{2}:\d{2}:\d{2}$/),
      set_posting_time: 1,
      set_warehouse: 'Stores - DC',
      supplier_delivery_note: 'ASN-856-P',
      remarks: 'dockgate receipt ASN-856-P',
      docstatus: 1,
      items: [
        { item_code: 'SKU-1', received_qty: 24, qty: 24, rejected_qty: 0, warehouse: 'Stores - DC' },
        { item_code: 'SKU-2', received_qty: 12, qty: 10, rejected_qty: 2, warehouse: 'Stores - DC', rejected_warehouse: 'Rejected - DC' },
      ],
    });
    // 503 on the look-up; look-up, create (stored, answer lost); look-up finds it: no second create.
    expect(erp.requests.map((r) => r.method)).toEqual(['GET', 'GET', 'POST', 'GET']);
    expect(new Set(erp.requests.map((r) => `${r.path} ${r.auth}`))).toEqual(new Set(['/api/resource/Purchase%20Receipt token k3y:s3cret']));
    expect(outboxRow(s, key)).toEqual({ status: 'delivered', attempts: 3, answer: 'MAT-PRE-2026-00001' });
    const listed = (await s.api('GET', '/api/v1/partners/outbox')).body.deliveries;
    expect(listed).toMatchObject([{ key, partner: 'erp', kind: 'erpnext.purchase-receipt', status: 'delivered', answer: 'MAT-PRE-2026-00001' }]);
    const counted = await s.t.hub.metrics.registry.getSingleMetricAsString('dockgate_partner_deliveries_total');
    expect(counted).toContain('dockgate_partner_deliveries_total{kind="erpnext.purchase-receipt",result="failed"} 2');
    expect(counted).toContain('dockgate_partner_deliveries_total{kind="erpnext.purchase-receipt",result="delivered"} 1');
  });

  it('a signed webhook gets the closed receipt and every posted move exactly once, in ledger order, retried with the same key and bytes', async () => {
    const got: Array<{ key: string; status: number; body: string; signed: boolean }> = [];
    let fail = 2;
    hook = await startLocalServer((req, body, res) => {
      const signed = req.headers['x-dockgate-signature'] === `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
      const status = !signed ? 401 : fail-- > 0 ? 500 : 204;
      got.push({ key: String(req.headers['idempotency-key']), status, body: body.toString(), signed });
      res.writeHead(status).end();
    });
    s = await startScenario(yaml(`  erp:\n      webhook: { url: '${hook.url}/dockgate', secret: ${SECRET}, batch: 2 }`));
    await receiveAndClose(s);
    const seqs = () => (s!.t.hub.db.prepare('SELECT seq FROM moves ORDER BY seq').all() as Array<{ seq: number }>).map((m) => m.seq);
    const allMoves = seqs();
    expect(allMoves.length).toBeGreaterThanOrEqual(3); // pallet 101's two SKUs in, the damaged transfer
    await until(() => {
      const rows = s!.t.hub.db.prepare("SELECT status FROM partner_outbox WHERE partner = 'erp'").all() as Array<{ status: string }>;
      const cursor = s!.t.hub.db.prepare("SELECT seq FROM erp_cursor").get() as { seq: number } | undefined;
      return cursor?.seq === allMoves.at(-1) && rows.length > 0 && rows.every((r) => r.status === 'delivered');
    });
    expect(got.every((g) => g.signed)).toBe(true);
    expect(got.slice(0, 2).map((g) => g.status)).toEqual([500, 500]);
    // Each key was accepted once; a retry carried the same bytes.
    const accepted = got.filter((g) => g.status === 204);
    expect(new Set(accepted.map((g) => g.key)).size).toBe(accepted.length);
    for (const g of got) expect(accepted.find((a) => a.key === g.key)?.body).toBe(g.body);
    const bodies = accepted.map((g) => JSON.parse(g.body) as { type: string; key: string; site: string; moves?: Array<{ seq: number; id: string; sku: string; qty: number; from: string; to: string; reason: string; reference: string | null }>; receipt?: Record<string, unknown> });
    for (const b of bodies) expect(b.key).toBe(accepted[bodies.indexOf(b)]!.key);
    const batches = bodies.filter((b) => b.type === 'moves.posted');
    expect(batches.every((b) => b.moves!.length <= 2)).toBe(true);
    const delivered = batches.flatMap((b) => b.moves!);
    expect(delivered.map((m) => m.seq).sort((a, b) => a - b)).toEqual(allMoves);
    for (const b of batches) expect(b.key).toBe(`erp:moves:${b.moves![0]!.seq}-${b.moves!.at(-1)!.seq}`);
    expect(delivered.find((m) => m.to === 'damaged')).toMatchObject({ sku: 'SKU-2', qty: 2, from: 'receiving', reason: 'transfer', reference: 'ASN-856-P' });
    const closed = bodies.filter((b) => b.type === 'receipt.closed');
    expect(closed).toHaveLength(1);
    expect(closed[0]).toMatchObject({
      key: 'erp:receipt:ASN-856-P',
      site: s.t.hub.config.site,
      receipt: {
        id: 'ASN-856-P', kind: 'asn', supplier: 'supplier-a',
        lines: [
          { sku: 'SKU-1', expected: 48, received: 24, short: 24, over: 0, damaged: 0 },
          { sku: 'SKU-2', expected: 12, received: 12, short: 0, over: 0, damaged: 2 },
        ],
        pallets: [{ sscc: sscc(101), received: true }, { sscc: sscc(102), received: false }],
      },
    });
    // Moves posted later go in later batches; nothing is sent twice.
    expect((await s.api('POST', '/api/v1/moves', { sku: 'SKU-1', qty: 4, from: 'receiving', to: 'stock', reason: 'transfer', note: 'put away' }, { 'idempotency-key': 'put-1' })).status).toBe(201);
    const last = seqs().at(-1)!;
    await until(() => got.some((g) => g.key === `erp:moves:${last}-${last}` && g.status === 204));
    expect(got.filter((g) => g.status === 204).length).toBe(accepted.length + 1);
  });

  it('a Purchase Receipt ERPNext refuses is retried, and failing shows in the outbox, the status report and the metrics until ERPNext accepts it', async () => {
    erp = await startFakeErpnext('k3y:s3cret', ['SKU-1']);
    s = await startScenario(yaml(`  erp:\n${erpnext(erp.url)}`));
    await receiveAndClose(s);
    const key = 'erpnext:purchase-receipt:ASN-856-P';
    await until(() => (outboxRow(s!, key)?.attempts ?? 0) >= 2);
    const failing = (await s.api('GET', '/api/v1/partners/outbox')).body.deliveries.find((d: { key: string }) => d.key === key);
    expect(failing).toMatchObject({ status: 'failing', lastError: 'HTTP 417 LinkValidationError: Could not find Row #2: Item Code: SKU-2' });
    const status = (await s.api('GET', '/api/v1/status')).body;
    expect(status.reasons).toContainEqual({ level: 'degraded', code: 'partner_delivery', subject: 'erp', message: expect.stringMatching(/^delivery erpnext:purchase-receipt:ASN-856-P to erp failed \d+ times in a row \(HTTP 417 LinkValidationError: Could not find Row #2/) });
    expect(status.partnerDeliveries).toMatchObject({ pending: 1, failing: [{ key, partner: 'erp', kind: 'erpnext.purchase-receipt' }] });
    expect(await s.t.hub.metrics.registry.getSingleMetricAsString('dockgate_partner_outbox_failing')).toContain('dockgate_partner_outbox_failing{kind="erpnext.purchase-receipt"} 1');
    expect(erp.docs.get('Purchase Receipt')).toEqual([]);

    erp.items.add('SKU-2'); // the ERP's clerk creates the item
    await until(() => outboxRow(s!, key)?.status === 'delivered');
    expect(erp.docs.get('Purchase Receipt')).toHaveLength(1);
    const after = (await s.api('GET', '/api/v1/status')).body;
    expect(after.reasons.filter((r: { code: string }) => r.code === 'partner_delivery')).toEqual([]);
    expect(after.partnerDeliveries).toEqual({ pending: 0, failing: [] });
    expect(await s.t.hub.metrics.registry.getSingleMetricAsString('dockgate_partner_outbox_failing')).toContain('dockgate_partner_outbox_failing{kind="erpnext.purchase-receipt"} 0');
  });

  it('builds the Purchase Receipt from a closed receipt without failing the close, and reads Frappe\'s error bodies', () => {
    const settings = { url: 'https://erp.example', apiKey: 'k', apiSecret: 's', warehouse: 'Stores', suppliers: {}, submit: false };
    const doc = purchaseReceiptDoc({ id: 'PO-1', supplier: null, closedAtMs: Date.UTC(2026, 0, 2, 3, 4, 5), lines: [{ sku: 'A', received: 5, damaged: 2, unitCost: 1250 }, { sku: 'B', received: 0, damaged: 0, unitCost: null }] }, settings);
    // No supplier on the receipt: no supplier field (ERPNext will say so), no rejected units without a rejectedWarehouse.
    expect(doc).toEqual({ doctype: 'Purchase Receipt', posting_date: '2026-01-02', posting_time: '03:04:05', set_posting_time: 1, set_warehouse: 'Stores', supplier_delivery_note: 'PO-1', remarks: 'dockgate receipt PO-1', items: [{ item_code: 'A', received_qty: 5, qty: 5, rejected_qty: 0, warehouse: 'Stores', rate: 12.5 }] });
    expect(frappeError(417, JSON.stringify({ exc_type: 'MandatoryError', _server_messages: JSON.stringify([JSON.stringify({ message: 'Value missing for Purchase Receipt: Supplier' })]) }))).toBe('HTTP 417 MandatoryError: Value missing for Purchase Receipt: Supplier');
    expect(frappeError(403, JSON.stringify({ exception: 'frappe.exceptions.PermissionError' }))).toBe('HTTP 403: frappe.exceptions.PermissionError');
    expect(frappeError(502, '<html>Bad Gateway</html>')).toBe('HTTP 502: <html>Bad Gateway</html>');
  });

  it('bad ERP settings stop start-up naming the key and the problem', () => {
    const parse = (erpYaml: string) => () => parseHubConfig(`site: t\nbroker: { allowAnonymous: true }\n${SITE}\npartners:\n  erp:\n${erpYaml}`);
    expect(parse('    {}')).toThrow(/partners\.erp: say where closed receipts go: webhook, erpnext or both/);
    expect(parse(`    webhook: { url: 'http://erp.example/hook', secret: short }`)).toThrow(/partners\.erp\.webhook\.secret/);
    expect(parse(`    webhook: { url: 'ftp://erp.example/hook', secret: ${SECRET} }`)).toThrow(/partners\.erp\.webhook\.url: .*http\(s\) URL/);
    expect(parse(`    erpnext: { url: 'https://erp.example', apiKey: k, apiSecret: s }`)).toThrow(/partners\.erp\.erpnext\.warehouse/);
    expect(parse(`    erpnext: { url: 'https://erp.example', apiKey: k, apiSecret: s, warehouse: Stores, rejectedWarehouse: Stores }`)).toThrow(/partners\.erp\.erpnext\.rejectedWarehouse: damaged units must go to another warehouse/);
    expect(parse(`    erpnext: { url: 'https://erp.example/api/resource', apiKey: k, apiSecret: s, warehouse: Stores }`)).toThrow(/partners\.erp\.erpnext\.url: give the site's address without \/api/);
    expect(parse(`    erpnext: { url: 'https://erp.example', apiKey: k, apiSecret: s, warehouse: Stores, sumbit: true }`)).toThrow(/partners\.erp\.erpnext\.sumbit: unknown key \(did you mean submit\?\)/);
    expect(parseHubConfig(`site: t\nbroker: { allowAnonymous: true }\n${SITE}\npartners:\n  erp:\n    erpnext: { url: 'https://erp.example', apiKey: k, apiSecret: s, warehouse: Stores }`).partners.erp?.erpnext).toMatchObject({ submit: false, suppliers: {} });
  });
});
