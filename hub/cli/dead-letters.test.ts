// Re-driving a dead letter against a real hub: over REST (POST /api/v1/dead-letters/:id/retry) and with the CLI
// (`dockgate-hub dead-letters …`, which talks to the same API); applied exactly once.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventDraft } from '../../protocols/events/index.js';
import { startTestHub, TestGateway, type TestHub } from '../testing/harness.js';
import { deadLettersCommand } from './dead-letters.js';

describe('re-driving dead letters', () => {
  let t: TestHub;
  let gw: TestGateway;
  let dir: string;
  beforeEach(async () => {
    t = await startTestHub();
    gw = await TestGateway.connect(t.mqttUrl);
    dir = mkdtempSync(join(tmpdir(), 'dl-cli-'));
  });
  afterEach(async () => {
    await gw.close();
    await t.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const inbox = () => t.hub.db.prepare('SELECT COUNT(*) FROM inbox').pluck().get() as number;
  async function oneBadEvent() {
    const events = gw.stamp([1, 2, 3].map((i) => ({ kind: 'door', door: 'door-1', state: i % 2 ? 'open' : 'closed' }) as EventDraft));
    const bad = { ...events[1]!, state: 'ajar' };
    await gw.publish([events[0]!, bad as never, events[2]!]);
    return { events, bad };
  }

  it('POST /api/v1/dead-letters/:id/retry applies the corrected event once; the list pages without payloads', async () => {
    const { bad } = await oneBadEvent();
    expect(inbox()).toBe(2);
    const list = (await (await fetch(`${t.hub.url}/api/v1/dead-letters?limit=1`)).json()) as { deadLetters: Array<Record<string, unknown>> };
    expect(list.deadLetters).toHaveLength(1);
    expect(list.deadLetters[0]).not.toHaveProperty('payload');
    expect(list.deadLetters[0]).toMatchObject({ seq: 2, reason: 'schema', truncated: false, retriedAt: null });
    const id = list.deadLetters[0]!.id as number;

    const still = await fetch(`${t.hub.url}/api/v1/dead-letters/${id}/retry`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(still.status).toBe(422);
    expect(((await still.json()) as { errors: Array<{ path: string }> }).errors[0]!.path).toBe('/events/0/state');
    expect(inbox()).toBe(2);

    const post = () => fetch(`${t.hub.url}/api/v1/dead-letters/${id}/retry`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ event: { ...bad, state: 'closed' } }) });
    const [a, b] = await Promise.all([post(), post()]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect(inbox()).toBe(3);
    const audit = t.hub.db.prepare("SELECT COUNT(*) FROM audit_log WHERE action = 'dead-letter.retry'").pluck().get();
    expect(audit).toBe(1);
  });

  it('the CLI lists and re-drives through the running hub', async () => {
    const { bad } = await oneBadEvent();
    const out: string[] = [];
    const err: string[] = [];
    const io = { url: t.hub.url, out: (s: string) => out.push(s), err: (s: string) => err.push(s) };
    expect(await deadLettersCommand(['list', '--open', '--config', 'x.yaml'], io)).toBe(0);
    const id = (JSON.parse(out.pop()!) as { deadLetters: Array<{ id: number }> }).deadLetters[0]!.id;
    const file = join(dir, 'fixed.json');
    writeFileSync(file, JSON.stringify({ ...bad, state: 'open' }));
    expect(await deadLettersCommand(['retry', String(id), '--event', file, '--config', 'x.yaml'], io)).toBe(0);
    expect(JSON.parse(out.pop()!)).toMatchObject({ id, retryResult: { applied: 1, duplicates: 0, deadLettered: 0 } });
    expect(await deadLettersCommand(['retry', String(id), '--event', file], io)).toBe(1);
    expect(err.pop()).toMatch(/409.*re-driven/);
    expect(inbox()).toBe(3);
    expect(await deadLettersCommand(['retry', 'x'], io)).toBe(64);
  });
});
