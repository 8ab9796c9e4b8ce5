// The unknown-door log: a line for the first pass at a door the hub does not know, then at most one a minute per
// gateway and door; passes at known doors cost no activity read.
import { describe, expect, it } from 'vitest';
import type { Event } from '../../protocols/events/index.js';
import { captureLogger } from '../../protocols/logging/capture.js';
import type { AppliedEvent, AppliedListener, DoorActivity } from './applied-bus.js';
import { logUnknownDoors } from './unknown-doors.js';

const T0 = Date.parse('2026-03-01T10:00:00.000Z');

function pass(id: string, door: string): Event {
  return {
    v: 1,
    id,
    stream: 's-1',
    seq: 1,
    ts: '2026-03-01T10:00:00.000Z',
    kind: 'tag.pass',
    door,
    direction: 'in',
    epc: '30340242201d8c0000000001',
    firstSeen: '2026-03-01T09:59:59.000Z',
    lastSeen: '2026-03-01T10:00:00.000Z',
    reads: 3,
    peakRssi: -50,
    antennas: [],
    confidence: 0.9,
  } as Event;
}

describe('logUnknownDoors', () => {
  it('logs passes at an unknown door once a minute per gateway and door, and reads no activity for passes at known doors', () => {
    const { logger: log, lines } = captureLogger('info');
    let listener: AppliedListener | undefined;
    const bus = {
      on: (l: AppliedListener) => {
        listener = l;
        return () => undefined;
      },
    };
    let now = T0;
    const asked: string[] = [];
    logUnknownDoors(
      bus,
      log,
      () => now,
      (door) => {
        asked.push(door);
        return door !== 'door-9';
      },
    );
    let reads = 0;
    const applied = (id: string, door: string): AppliedEvent => ({
      event: pass(id, door),
      gateway: 'gw-1',
      receivedAt: now,
      committedAt: now,
      activity: () => {
        reads++;
        return { outcome: door === 'door-9' ? 'exception:unknown_door' : 'moved' } as DoorActivity;
      },
    });
    listener!([applied('e1', 'door-1'), applied('e2', 'door-1'), applied('e3', 'door-9'), applied('e4', 'door-9'), applied('e5', 'door-2')]);
    expect(asked).toEqual(['door-1', 'door-9', 'door-2']); // once per door and delivery
    expect(reads).toBe(2); // only the passes at door-9
    now += 61_000;
    listener!([applied('e6', 'door-9')]);
    const warned = lines.filter((l) => String(l.msg).includes('unknown door'));
    expect(warned.map((l) => [l.eventId, l.passesSinceLastLine])).toEqual([
      ['e3', 0],
      ['e6', 1],
    ]);
  });
});
