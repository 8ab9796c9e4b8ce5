import { describe, expect, it } from 'vitest';
import { parse, topics } from '../../protocols/events/index.js';
import { batchPayload, takeBatch } from './batch.js';

const row = (seq: number, bytes = 10) => ({ seq, id: `id-${seq}`, body: JSON.stringify({ seq, pad: 'x'.repeat(bytes) }) });

describe('takeBatch', () => {
  it('cuts by count and by bytes, and always takes at least one row', () => {
    const rows = Array.from({ length: 10 }, (_, i) => row(i + 1, 100));
    expect(takeBatch(rows, { maxEvents: 4, maxBytes: 1_000_000 }).map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expect(takeBatch(rows, { maxEvents: 100, maxBytes: 400 }).length).toBe(2);
    expect(takeBatch([row(1, 5000)], { maxEvents: 100, maxBytes: 1024 }).length).toBe(1);
  });
});

describe('batchPayload', () => {
  it('builds a message the hub parses, from the stored JSON without re-serialising', () => {
    const ev = (seq: number) => ({ id: `019aab5c-1000-7000-8000-00000000000${seq}`, stream: 'Zq3uX9f2Kp0aLm7d', seq, ts: '2026-11-22T10:00:00.000Z', kind: 'door', door: 'dock-3', state: 'open' });
    const rows = [1, 2].map((s) => ({ seq: s, id: ev(s).id, body: JSON.stringify(ev(s)) }));
    const payload = batchPayload('dock-east', 'Zq3uX9f2Kp0aLm7d', rows);
    const r = parse(topics.events('acme', 'dock-east'), payload);
    expect(r.ok).toBe(true);
    expect(JSON.parse(payload)).toEqual({ v: 1, gateway: 'dock-east', stream: 'Zq3uX9f2Kp0aLm7d', events: [ev(1), ev(2)] });
  });

  it('refuses rows out of seq order (the hub would dead-letter the message)', () => {
    expect(() => batchPayload('g', 'Zq3uX9f2Kp0aLm7d', [row(2), row(1)])).toThrow(/out of seq order/);
  });
});
