// hub/variances — `wrong_door` through the real hub (MQTT in, REST out): a pallet or unit that a receipt or shipment
// open at one door expects passes another door of the same kind → one open variance naming the door, the document,
// the SKU and the pass's event; at the document's own door, none.
import { afterEach, describe, expect, it } from 'vitest';
import { BASE_SITE_YAML } from '../testing/harness.js';
import { gtin, items, pass, sgtinEpc, sscc, ssccEpc, startScenario, type Scenario } from './scenario-support.js';

// Two receiving doors and two shipping doors, so a document can be open at one while its goods pass the other.
const TWO_OF_EACH = BASE_SITE_YAML.replace('  - { id: receiving,', '  - { id: dock-4, kind: door, parent: dc }\n  - { id: dock-5, kind: door, parent: dc }\n  - { id: receiving,')
  + '  - { id: door-4, mode: receiving, gateway: gw-1, location: dock-4 }\n  - { id: door-5, mode: shipping, gateway: gw-1, location: dock-5 }\n';

interface V { id: number; type: string; door: string; reference: string; sku: string | null; epc: string | null; evidence: string[]; occurrences: number; status: string; message: string }

describe('wrong_door through the hub', () => {
  let s: Scenario | undefined;
  afterEach(async () => {
    await s?.stop();
    s = undefined;
  });

  it('a pallet and a unit of a receipt open at door-1 passing door-4 raise one wrong_door each (a repeat grows it); at door-1 none', async () => {
    s = await startScenario(TWO_OF_EACH);
    await items(s, [{ sku: 'WR', tracking: 'serial', gtin: gtin(61) }]);
    const [u1, u2, u3] = [1, 2, 3].map((n) => sgtinEpc(gtin(61), n)) as [string, string, string];
    const pallet = sscc(61);
    const created = await s.api('POST', '/api/v1/receipts', {
      po: 'ASN-WD',
      kind: 'asn',
      lines: [{ sku: 'WR', qty: 3, unitCost: 100, epcs: [u3] }],
      pallets: [{ sscc: pallet, contents: [{ sku: 'WR', qty: 2, epcs: [u1, u2] }] }],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await s.api('POST', '/api/v1/receipts/ASN-WD/open', { door: 'door-1' })).body).toMatchObject({ status: 'open', door: 'door-1' });

    const [palletPass] = await s.gw.send([pass('door-4', ssccEpc(pallet))]);
    const afterPallet = (await s.api('GET', '/api/v1/variances?type=wrong_door')).body.variances as V[];
    expect(afterPallet).toHaveLength(1);
    expect(afterPallet[0]).toMatchObject({ door: 'door-4', reference: 'ASN-WD', sku: null, status: 'open', expected: 0, actual: 1, occurrences: 1, evidence: [palletPass!.id] });
    expect(afterPallet[0]!.message).toBe(`pallet ${pallet} belongs to receipt ASN-WD, open at door-1, but passed door-4`);

    const [unitPass] = await s.gw.send([pass('door-4', u3)]);
    const [again] = await s.gw.send([pass('door-4', ssccEpc(pallet))]);
    const wrong = (await s.api('GET', '/api/v1/variances?type=wrong_door&door=door-4&reference=ASN-WD')).body.variances as V[];
    expect(wrong.map((v) => [v.sku, v.epc, v.occurrences, v.evidence])).toEqual([
      [null, ssccEpc(pallet), 2, [palletPass!.id, again!.id]],
      ['WR', u3, 1, [unitPass!.id]],
    ]);
    expect(wrong[1]!.message).toBe(`EPC ${u3} belongs to receipt ASN-WD, open at door-1, but passed door-4`);

    // The right door: the pallet and the unit are received, and no further wrong_door.
    await s.gw.send([pass('door-1', ssccEpc(pallet)), pass('door-1', u1), pass('door-1', u2)]);
    expect((await s.api('GET', '/api/v1/receipts/ASN-WD')).body.pallets[0].receivedAt).not.toBeNull();
    expect(((await s.api('GET', '/api/v1/variances?type=wrong_door')).body.variances as V[]).map((v) => v.id)).toEqual(wrong.map((v) => v.id));
  });

  it('a unit of a shipment open at door-2 leaving through door-5 raises one wrong_door (and, with another shipment open there, that shipment holds it); at door-2 none', async () => {
    s = await startScenario(TWO_OF_EACH);
    await items(s, [{ sku: 'WS', tracking: 'serial', gtin: gtin(62) }]);
    const [e1, e2, e3] = [1, 2, 3].map((n) => sgtinEpc(gtin(62), n)) as [string, string, string];
    await s.send(pass('door-1', e1), pass('door-1', e2), pass('door-1', e3)); // received blind
    const right = sscc(62);
    expect((await s.api('POST', '/api/v1/shipments', { id: 'SH-WD', lines: [{ sku: 'WS', qty: 2, epcs: [e1, e2] }], pallets: [{ sscc: right }] })).status).toBe(201);
    expect((await s.api('POST', '/api/v1/shipments/SH-WD/open', { door: 'door-2' })).status).toBe(200);
    expect((await s.api('POST', '/api/v1/shipments', { id: 'SH-OTHER', lines: [{ sku: 'WS', qty: 1, epcs: [e3] }] })).status).toBe(201);
    expect((await s.api('POST', '/api/v1/shipments/SH-OTHER/open', { door: 'door-5' })).status).toBe(200);

    // The right door first: nothing of the kind.
    await s.gw.send([pass('door-2', e1, 'out')]);
    expect((await s.api('GET', '/api/v1/variances')).body.variances).toEqual([]);

    const [wrongUnit] = await s.gw.send([pass('door-5', e2, 'out')]);
    const [wrongPallet] = await s.gw.send([pass('door-5', ssccEpc(right), 'out')]);
    const wrong = (await s.api('GET', '/api/v1/variances?type=wrong_door')).body.variances as V[];
    expect(wrong.map((v) => [v.door, v.reference, v.sku, v.epc, v.evidence])).toEqual([
      ['door-5', 'SH-WD', 'WS', e2, [wrongUnit!.id]],
      ['door-5', 'SH-WD', null, ssccEpc(right), [wrongPallet!.id]],
    ]);
    expect(wrong[0]!.message).toBe(`EPC ${e2} belongs to shipment SH-WD, open at door-2, but passed door-5`);
    // SH-OTHER does not list them: held there, not shipped.
    const held = (await s.api('GET', '/api/v1/variances?type=unexpected_outbound')).body.variances as V[];
    expect(held.map((v) => [v.door, v.reference, v.evidence])).toEqual([
      ['door-5', 'SH-OTHER', [wrongUnit!.id]],
      ['door-5', 'SH-OTHER', [wrongPallet!.id]],
    ]);
    expect((await s.api('GET', `/api/v1/moves?epc=${e2}`)).body.moves.map((m: { to: string }) => m.to)).toEqual(['receiving']);

    // The unit goes back and out through door-2: shipped, and no new wrong_door.
    await s.gw.send([pass('door-2', e2, 'out'), pass('door-5', e3, 'out')]);
    expect((await s.api('GET', `/api/v1/moves?epc=${e2}`)).body.moves.map((m: { to: string }) => m.to)).toEqual(['receiving', 'customer']);
    expect((await s.api('GET', '/api/v1/variances?type=wrong_door')).body.variances).toHaveLength(2);
  });
});
