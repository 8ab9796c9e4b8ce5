// Applying batches to a real PostgreSQL (started here): one batch leaves the same rows as the same records applied
// one at a time; a redelivered batch changes nothing; a gap stops the batch; a broken feed rolls the batch back.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEED_VERSION, type FeedRecord, type MoveChange } from '../../protocols/feed/index.js';
import { startPostgres, type TestPostgres } from '../testing/postgres.js';
import { applyBatch } from './apply.js';
import { migrateFleet } from './schema.js';

const ts = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

function feed(site: string): FeedRecord[] {
  const base = { v: FEED_VERSION, site };
  const move = (seq: number, m: Partial<MoveChange>): FeedRecord => ({
    ...base, seq, id: `m${seq}`, ts: ts(seq), kind: 'move',
    data: { sku: 'X', qty: 4, from: 'supplier', to: 'stock', fromKind: 'supplier', toKind: 'stock', fromVirtual: true, toVirtual: false, reason: 'receipt', reference: null, epc: null, occurredAt: ts(seq), valueDelta: 0, ...m },
  });
  const doc = (seq: number, kind: 'shipment.opened' | 'shipment.closed', door: string | null): FeedRecord => ({
    ...base, seq, id: `d${seq}`, ts: ts(seq), kind, data: { document: 'TR-1', door, party: 'site:other', lines: [{ sku: 'X', qty: 3, done: kind === 'shipment.closed' ? 3 : null }] },
  });
  const variance = (seq: number, kind: 'variance.opened' | 'variance.resolved', status: string): FeedRecord => ({
    ...base, seq, id: `v${seq}`, ts: ts(seq), kind, data: { variance: 1, type: 'short', status, door: 'door-2', reference: 'TR-1', sku: 'X', expected: 3, actual: 2, message: `${status} at ${seq}` },
  });
  return [
    move(1, {}),
    move(2, { sku: 'Y', qty: 9 }),
    doc(3, 'shipment.opened', 'door-2'),
    move(4, { qty: 3, from: 'stock', to: 'transit', fromKind: 'stock', toKind: 'transit', fromVirtual: false, toVirtual: true, reason: 'shipment', reference: 'TR-1' }),
    variance(5, 'variance.opened', 'open'),
    move(6, { qty: 1, from: 'transit', to: 'stock', fromKind: 'transit', toKind: 'stock', fromVirtual: true, toVirtual: false, reason: 'return', reference: 'TR-1' }),
    doc(7, 'shipment.closed', null),
    variance(8, 'variance.resolved', 'resolved'),
    move(9, { qty: 2, reference: 'PO-4' }),
    { ...base, seq: 10, id: 'c10', ts: ts(10), kind: 'count.posted', data: { count: 1, location: 'stock', results: [{ sku: 'X', book: 4, counted: 4, posted: false }] } },
  ];
}

describe('applyBatch against PostgreSQL', () => {
  let pgsrv: TestPostgres;
  let db: pg.Client;
  beforeAll(async () => {
    pgsrv = await startPostgres();
    db = new pg.Client({ connectionString: pgsrv.url });
    await db.connect();
    await migrateFleet(db);
  }, 60_000);
  afterAll(async () => {
    await db?.end();
    await pgsrv?.stop();
  });

  const tables = async (site: string) => {
    const q = async (sql: string) => (await db.query(sql, [site])).rows;
    return {
      changes: await q(`SELECT seq::int, id, kind, ts, data FROM fleet_changes WHERE site = $1 ORDER BY seq`),
      balances: await q(`SELECT sku, location, kind, virtual, qty::int FROM fleet_balances WHERE site = $1 ORDER BY sku, location`),
      transfers: await q(`SELECT reference, sku, side, qty::int, at FROM fleet_transfer_moves WHERE site = $1 ORDER BY reference, sku, side`),
      documents: await q(`SELECT kind, document, status, door, party, lines, opened_at, closed_at FROM fleet_documents WHERE site = $1`),
      variances: await q(`SELECT variance::int, type, status, door, reference, sku, message, opened_at, resolved_at FROM fleet_variances WHERE site = $1`),
      site: await q(`SELECT applied_through::int, last_change_at, gap_expected, gap_got, problem FROM fleet_sites WHERE site = $1`),
    };
  };

  it('one batch leaves exactly the rows the same records leave applied one at a time; a redelivery changes nothing', async () => {
    for (const r of feed('one-by-one')) expect(await applyBatch(db, 'one-by-one', [r])).toMatchObject({ applied: 1, duplicates: 0 });
    expect(await applyBatch(db, 'batched', feed('batched'))).toEqual({ applied: 10, duplicates: 0, deadLettered: false });
    const batched = await tables('batched');
    expect(batched).toEqual(await tables('one-by-one'));
    expect(batched.balances).toEqual([
      { sku: 'X', location: 'stock', kind: 'stock', virtual: false, qty: 4 - 3 + 1 + 2 },
      { sku: 'X', location: 'supplier', kind: 'supplier', virtual: true, qty: -6 },
      { sku: 'X', location: 'transit', kind: 'transit', virtual: true, qty: 2 },
      { sku: 'Y', location: 'stock', kind: 'stock', virtual: false, qty: 9 },
      { sku: 'Y', location: 'supplier', kind: 'supplier', virtual: true, qty: -9 },
    ]);
    expect(batched.documents[0]).toMatchObject({ status: 'closed', door: 'door-2' });
    expect(batched.variances[0]).toMatchObject({ status: 'resolved', message: 'open at 5' });
    expect(await applyBatch(db, 'batched', feed('batched'))).toEqual({ applied: 0, duplicates: 10, deadLettered: false });
    expect(await tables('batched')).toEqual(batched);
  });

  it('applies up to a gap and records it; a dead letter behind applied records is kept in the same transaction', async () => {
    const recs = feed('gappy');
    expect(await applyBatch(db, 'gappy', [...recs.slice(0, 3), ...recs.slice(4)], { streamSeq: 99, reason: 'not JSON', payload: '{' })).toEqual({ applied: 3, duplicates: 0, gap: { expected: 4, got: 5 }, deadLettered: false });
    expect((await tables('gappy')).site).toEqual([{ applied_through: 3, last_change_at: new Date(ts(3)), gap_expected: '4', gap_got: '5', problem: null }]);
    expect((await db.query(`SELECT COUNT(*)::int AS n FROM fleet_dead_letters WHERE site = 'gappy'`)).rows[0].n).toBe(0);
    expect(await applyBatch(db, 'gappy', recs.slice(3, 5), { streamSeq: 6, reason: '/seq: Expected integer', payload: '{"seq":"x"}' })).toEqual({ applied: 2, duplicates: 0, deadLettered: true });
    const after = await tables('gappy');
    expect(after.site).toEqual([{ applied_through: 5, last_change_at: new Date(ts(5)), gap_expected: null, gap_got: null, problem: 'stream message 6 is not a valid feed record: /seq: Expected integer' }]);
    expect((await db.query(`SELECT stream_seq::int, reason, payload FROM fleet_dead_letters WHERE site = 'gappy'`)).rows).toEqual([{ stream_seq: 6, reason: '/seq: Expected integer', payload: '{"seq":"x"}' }]);
  });

  it('rolls the whole batch back when a change id arrives again at another seq, naming it', async () => {
    const recs = feed('broken');
    await applyBatch(db, 'broken', recs.slice(0, 2));
    const before = await tables('broken');
    await expect(applyBatch(db, 'broken', [recs[2]!, { ...recs[3]!, id: 'm1' }])).rejects.toThrow(/site broken: a change arrives again at another seq \(Key \(site, id\)=\(broken, m1\) already exists\.\)/);
    expect(await tables('broken')).toEqual(before);
  });
});
