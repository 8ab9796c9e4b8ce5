// protocols/events — tests of event ids: UUIDv7 shape, uniqueness, order by creation time.
import { describe, expect, it } from 'vitest';
import { EVENT_ID_PATTERN } from './schema.js';
import { eventIdTime, newEventId } from './ids.js';

const UUID7 = new RegExp(EVENT_ID_PATTERN);

describe('newEventId', () => {
  it('makes canonical lowercase UUIDv7s carrying the creation time', () => {
    const before = Date.now();
    const id = newEventId();
    const after = Date.now();
    expect(id).toMatch(UUID7);
    expect(eventIdTime(id)).toBeGreaterThanOrEqual(before);
    expect(eventIdTime(id)).toBeLessThanOrEqual(after);
  });

  it('makes ids that are unique and strictly increasing, also many within one millisecond', () => {
    const ids: string[] = [];
    for (let i = 0; i < 20_000; i++) ids.push(newEventId());
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!, `${ids[i - 1]} then ${ids[i]}`).toBe(true);
    for (const id of ids) expect(id).toMatch(UUID7);
  });

  it('orders ids made at one fixed instant by a counter and carries past its overflow into the next ms', () => {
    const t = Date.now() + 1000; // ahead of every id made so far in this file
    const ids = Array.from({ length: 10_000 }, () => newEventId(t));
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
    expect(eventIdTime(ids[0]!)).toBe(t);
    // 4096 ids fit one millisecond's 12-bit counter; the rest borrow the following milliseconds.
    expect(eventIdTime(ids[4095]!)).toBe(t);
    expect(eventIdTime(ids[4096]!)).toBe(t + 1);
    expect(eventIdTime(ids[9_999]!)).toBe(t + 2);
  });

  it('never goes backwards when the clock does', () => {
    const ahead = newEventId(Date.now() + 5000);
    const behind = newEventId(Date.now() - 60_000);
    expect(behind > ahead).toBe(true);
    expect(eventIdTime(behind)).toBeGreaterThanOrEqual(eventIdTime(ahead));
  });

  it('sorts by time part across milliseconds: string order equals time order', () => {
    const a = newEventId(Date.now() + 10_000);
    const b = newEventId(Date.now() + 20_000);
    expect(a < b).toBe(true);
    expect(eventIdTime(b) - eventIdTime(a)).toBeGreaterThanOrEqual(9_000);
  });

  it('puts random bits in the tail so that two processes do not collide', () => {
    const tails = new Set(Array.from({ length: 1000 }, () => newEventId().slice(19)));
    expect(tails.size).toBe(1000);
  });
});
