// Bounded dead letters, through a real hub and real MQTT: a big payload that is not JSON (below the broker's packet
// limit) keeps at most its first 256 KiB, with its full size and SHA-256 and truncated: true; the list pages without
// payloads unless asked (payload=true, at most 20 a page); one dead letter by id carries the kept bytes.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../protocols/events/index.js';
import { call } from '../status/test-support.js';
import { startTestHub, TestGateway, TEST_SITE, type TestHub } from '../testing/harness.js';

interface DeadLetterView { id: number; reason: string; payloadBytes: number; payloadSha256: string | null; truncated: boolean; payload?: string }

describe('dead-letter payloads are bounded and listed without payloads', () => {
  let t: TestHub;
  let gw: TestGateway;
  beforeAll(async () => {
    t = await startTestHub();
    gw = await TestGateway.connect(t.mqttUrl);
  });
  afterAll(async () => {
    await gw?.close();
    await t?.stop();
  });

  it('keeps a 256 KiB prefix of a 3 MiB payload with its size and hash; pages without payloads by default', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 'x'); // not JSON
    const small = Buffer.from('{"v":1,'); // not JSON either, small
    await gw.client.publishAsync(topics.events(TEST_SITE, gw.gateway), big, { qos: 1 });
    await gw.client.publishAsync(topics.events(TEST_SITE, gw.gateway), small, { qos: 1 });

    const list = await call<{ deadLetters: DeadLetterView[]; next: number | null }>(t.hub.url, 'GET', '/api/v1/dead-letters?limit=1');
    expect(list.status).toBe(200);
    expect(list.body.deadLetters).toHaveLength(1);
    expect(list.body.deadLetters[0]).toMatchObject({ reason: 'json', payloadBytes: small.length, truncated: false });
    expect(list.body.deadLetters[0]).not.toHaveProperty('payload');
    expect(list.body.next).toBe(list.body.deadLetters[0]!.id);

    const older = await call<{ deadLetters: DeadLetterView[] }>(t.hub.url, 'GET', `/api/v1/dead-letters?limit=1&before=${list.body.next}`);
    const kept = older.body.deadLetters[0]!;
    expect(kept).toMatchObject({ payloadBytes: big.length, payloadSha256: createHash('sha256').update(big).digest('hex'), truncated: true });
    expect(kept).not.toHaveProperty('payload');

    const one = await call<DeadLetterView>(t.hub.url, 'GET', `/api/v1/dead-letters/${kept.id}`);
    const bytes = Buffer.from(one.body.payload!, 'base64');
    expect(bytes.length).toBe(256 * 1024);
    expect(bytes.equals(big.subarray(0, 256 * 1024))).toBe(true);

    const withPayloads = await call<{ deadLetters: DeadLetterView[] }>(t.hub.url, 'GET', '/api/v1/dead-letters?payload=true');
    expect(withPayloads.body.deadLetters.map((d) => Buffer.from(d.payload!, 'base64').length)).toEqual([small.length, 256 * 1024]);
    expect((await call(t.hub.url, 'GET', '/api/v1/dead-letters?payload=true&limit=21')).status).toBe(400);
  });
});
