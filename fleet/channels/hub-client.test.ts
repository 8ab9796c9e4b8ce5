// The fleet's calls to a site's hub, against a real hub with bearer tokens over real HTTP: the token is sent, a hub
// that says no is `refused` (nothing held), a hub that cannot be reached is `unknown`, and the same order twice is
// one hold.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubModules } from '../../hub/modules.js';
import { startTestHub, type TestHub } from '../../hub/testing/harness.js';
import { freePort } from '../testing/ports.js';
import { holdAtHub, releaseAtHub } from './hub-client.js';

describe('fleet → hub holds', () => {
  let t: TestHub;
  const admin = () => ({ url: t.hub.url, token: 'boss-token-1' });
  beforeAll(async () => {
    t = await startTestHub({ modulesFor: hubModules, env: { DOCKGATE_API_TOKENS: 'floor:operator:floor-token-1,boss:admin:boss-token-1' } });
    const post = (url: string, body: unknown, key?: string) => t.hub.http.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', authorization: 'Bearer boss-token-1', ...(key ? { 'idempotency-key': key } : {}) }, payload: JSON.stringify(body) });
    expect((await post('/api/v1/items', { sku: 'X', name: 'X', tracking: 'quantity', standardCost: 1, costMethod: 'fifo' })).statusCode).toBe(201);
    expect((await post('/api/v1/moves', { sku: 'X', qty: 3, from: 'adjustment', to: 'stock', reason: 'adjustment', note: 't' }, 'in')).statusCode).toBe(201);
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('holds with the admin token, once per order; says refused for a missing token, a too-small role or too little stock', async () => {
    const lines = [{ sku: 'X', qty: 2 }];
    expect(await holdAtHub({ url: t.hub.url }, 'shop', 'o-1', lines, 5000)).toMatchObject({ kind: 'refused', status: 401 });
    expect(await holdAtHub({ url: t.hub.url, token: 'floor-token-1' }, 'shop', 'o-1', lines, 5000)).toMatchObject({ kind: 'refused', status: 403 });
    expect(await holdAtHub(admin(), 'shop', 'o-1', lines, 5000)).toEqual({ kind: 'held', status: 'created', reservations: [{ id: 'ch:fleet:shop:o-1:X', sku: 'X', qty: 2 }] });
    expect(await holdAtHub(admin(), 'shop', 'o-1', lines, 5000)).toMatchObject({ kind: 'held', status: 'exists' });
    expect(await holdAtHub(admin(), 'shop', 'o-2', lines, 5000)).toMatchObject({ kind: 'refused', status: 409, message: expect.stringContaining('only 1 of X available') });
    expect(t.hub.db.prepare("SELECT id, state FROM reservations ORDER BY id").all()).toEqual([{ id: 'ch:fleet:shop:o-1:X', state: 'pending' }]);
    expect(await releaseAtHub(admin(), 'shop', 'o-1', ['X'], 'test', 5000)).toEqual({ ok: true });
    expect(await holdAtHub(admin(), 'shop', 'o-1', lines, 5000)).toMatchObject({ kind: 'refused', status: 409, message: expect.stringContaining('was released here') });
    expect(await holdAtHub({ url: `http://127.0.0.1:${await freePort()}` }, 'shop', 'o-3', lines, 2000)).toMatchObject({ kind: 'unknown' });
  }, 60_000);
});
