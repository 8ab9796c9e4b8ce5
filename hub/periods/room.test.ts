// hub/periods — the periods room in a real hub (SQLite file, embedded broker, HTTP): its routes come with the room,
// not with the core API.
import { afterEach, describe, expect, it } from 'vitest';
import { HUB_ROOMS } from '../modules.js';
import { call } from '../status/test-support.js';
import { startTestHub, type TestHub } from '../testing/harness.js';
import { periodsRoom } from './module.js';

let t: TestHub | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

describe('the periods room', () => {
  it('serves the period routes when the hub runs it, and a hub without it has none', async () => {
    expect(HUB_ROOMS.map((r) => r.name)).toContain('periods');
    t = await startTestHub({ modules: { rooms: [] } });
    expect((await call(t.hub.url, 'GET', '/api/v1/periods')).status).toBe(404);
    expect((await call(t.hub.url, 'POST', '/api/v1/periods/close', { body: { through: '2020-01-01T00:00:00Z' } })).status).toBe(404);
    await t.stop();
    t = await startTestHub({ modules: { rooms: [periodsRoom] } });
    const state = await call(t.hub.url, 'GET', '/api/v1/periods');
    expect(state).toMatchObject({ status: 200, body: { period: null, closedThrough: null, snapshotSeq: 0, archivedSeq: 0 } });
  });
});
