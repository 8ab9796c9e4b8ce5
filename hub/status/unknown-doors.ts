// hub/status — passes at a door the hub does not know, logged after their commit: the first at once, then at most one
// line per gateway and door a minute with how many came since (a portal reads hundreds of passes an hour).
// A pass at a door the hub knows is never an unknown-door exception: its activity row is not read (`knownDoor`, asked
// once per door and delivery) — in a catch-up that read was one query per event, ~4 % of the hub's CPU.
import type { Logger } from '../../protocols/logging/index.js';
import type { AppliedEventBus } from './applied-bus.js';

const EVERY_MS = 60_000;

export function logUnknownDoors(bus: Pick<AppliedEventBus, 'on'>, log: Logger, clock: () => number, knownDoor: (door: string) => boolean): () => void {
  const last = new Map<string, { atMs: number; since: number }>();
  return bus.on((applied) => {
    const known = new Map<string, boolean>();
    const isKnown = (door: string): boolean => {
      let k = known.get(door);
      if (k === undefined) known.set(door, (k = knownDoor(door)));
      return k;
    };
    for (const a of applied) {
      if (a.event.kind !== 'tag.pass' || isKnown(a.event.door) || a.activity()?.outcome !== 'exception:unknown_door') continue;
      const door = a.event.door;
      const key = `${a.gateway}\u0000${door}`;
      const now = clock();
      const seen = last.get(key);
      if (seen && now - seen.atMs < EVERY_MS) {
        seen.since++;
        continue;
      }
      if (last.size > 10_000) last.clear();
      last.set(key, { atMs: now, since: 0 });
      log.warn(
        { gateway: a.gateway, door, eventId: a.event.id, passesSinceLastLine: seen?.since ?? 0 },
        `passes at unknown door ${door} from gateway ${a.gateway}: not configured on this hub (add it to doors in hub.yaml, or fix the gateway's portal.doors)`,
      );
    }
  });
}
