// hub/room — rooms register after the rooms they declare (ties by name, never the list's order), so their door
// observers run in that order inside a real hub; a room needing a room the hub does not run fails boot naming both,
// and stops what the rooms before it started; a cycle or a twice-used name is refused.
import { afterEach, describe, expect, it } from 'vitest';
import { isoTs, newEventId, type ScanEvent } from '../protocols/events/index.js';
import { HUB_ROOMS } from './modules.js';
import { orderRooms, type Room } from './room.js';
import { startTestHub, type TestHub } from './testing/harness.js';

const names = (rooms: readonly Room[]) => rooms.map((r) => r.name);

/** A room whose door observer notes its name when a station scan passes it, and which notes its own close. */
function listeningRoom(name: string, heard: string[], dependencies: string[] = []): Room {
  return {
    name,
    dependencies,
    register(app, { doors }) {
      doors.hooks.station.listen(() => {
        heard.push(name);
        return undefined;
      });
      app.addHook('onClose', async () => {
        heard.push(`${name} closed`);
      });
    },
  };
}

function stationScan(): ScanEvent {
  const ms = Date.UTC(2026, 0, 1);
  return {
    id: newEventId(ms),
    stream: 'room-test',
    seq: 1,
    ts: isoTs(ms),
    kind: 'scan',
    scanner: 'sc1',
    raw: ']C10109506000134352',
    codeType: 'gs1',
    gtin: '09506000134352',
    qty: 1,
  };
}

describe('orderRooms', () => {
  it('puts each room after the rooms it depends on, ties by name, whatever the order given', () => {
    const rooms: Room[] = [{ name: 'z', dependencies: ['b'] }, { name: 'b', dependencies: ['c'] }, { name: 'c' }, { name: 'a' }];
    expect(names(orderRooms(rooms))).toEqual(['a', 'c', 'b', 'z']);
    expect(names(orderRooms([...rooms].reverse()))).toEqual(['a', 'c', 'b', 'z']);
  });

  it("the hub's rooms: variances, counts, receiving, shipping observe passes in that order; the feed after the tables it watches", () => {
    const order = names(orderRooms(HUB_ROOMS));
    const observers = order.filter((n) => ['variances', 'counts', 'receiving', 'shipping'].includes(n));
    expect(observers).toEqual(['variances', 'counts', 'receiving', 'shipping']);
    for (const table of ['counts', 'receiving', 'shipping', 'variances']) expect(order.indexOf('feed')).toBeGreaterThan(order.indexOf(table));
    expect(names(orderRooms([...HUB_ROOMS].reverse()))).toEqual(order);
  });

  it('refuses a dependency cycle naming the rooms in it, and a name used twice', () => {
    expect(() => orderRooms([{ name: 'a', dependencies: ['b'] }, { name: 'b', dependencies: ['a'] }, { name: 'c' }])).toThrow(
      'hub rooms: dependency cycle among a (needs b); b (needs a)',
    );
    expect(() => orderRooms([{ name: 'a' }, { name: 'a' }])).toThrow('hub rooms: two rooms are named "a"');
  });

  it('leaves a dependency the list lacks for fastify to refuse', () => {
    expect(names(orderRooms([{ name: 'b', dependencies: ['absent'] }, { name: 'a' }]))).toEqual(['a', 'b']);
  });
});

describe('rooms in a real hub', () => {
  let t: TestHub | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('door observers run in the declared order, not the listed one, and each room closes with the hub', async () => {
    const heard: string[] = [];
    t = await startTestHub({ modules: { rooms: [listeningRoom('after', heard, ['before']), listeningRoom('before', heard)] } });
    const { db, doors } = t.hub;
    db.transaction(() => doors.apply(db, stationScan(), { gateway: 'gw-1' }))();
    expect(heard).toEqual(['before', 'after']);
    await t.stop();
    t = undefined;
    expect(heard.slice(2).sort()).toEqual(['after closed', 'before closed']);
  });

  it('a room needing a room the hub does not run fails boot naming both, and the rooms before it are stopped', async () => {
    const heard: string[] = [];
    const boot = startTestHub({ modules: { rooms: [listeningRoom('needy', heard, ['absent']), listeningRoom('early', heard)] } });
    await expect(boot).rejects.toThrow("The dependency 'absent' of plugin 'needy' is not registered");
    expect(heard).toEqual(['early closed']);
  });
});
