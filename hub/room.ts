// hub — the shape of an optional hub room (receiving, shipping, channels …): a fastify plugin, fastify-plugin style,
// with a name, the rooms it needs before it, its migrations, and a body that adds its routes, registers its door
// observers and signal listeners, starts its loops, and stops them in an onClose hook (the hub's stop closes the HTTP
// server after the ingest and before the broker and the database). Rooms register in their declared dependency order
// (ties by name), so which room's door observer comes first is declared where it matters, never implied by a list;
// fastify refuses a room whose dependency this hub does not run, naming both.
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { ApiContext } from './api/context.js';
import type { Hub } from './app.js';
import type { MigrationSet } from './db/database.js';

/** What a room is given: the running core (no HTTP server, no stop: the room's onClose hook is its stop). */
export type RoomHost = Pick<Hub, 'config' | 'db' | 'log' | 'clock' | 'runtime' | 'doors' | 'ingest' | 'events' | 'providers' | 'metrics' | 'sendCommand'> & {
  /** What the core's route plugins are given (route factories take it). */
  api: ApiContext;
};

export interface Room {
  /** Its fastify plugin name, which other rooms' `dependencies` name. */
  name: string;
  /** Rooms registered before this one: their tables exist, their door observers and listeners run first. */
  dependencies?: readonly string[];
  /** Its schema, applied with the core's before anything registers (in the rooms' order). */
  migrations?: readonly MigrationSet[];
  /** Routes, observers, listeners, loops; cleanup as `app.addHook('onClose', …)`. */
  register?(app: FastifyInstance, host: RoomHost): Promise<void> | void;
}

/**
 * The rooms with each after the rooms it depends on, ties by name (so the order of the list given never matters).
 * A dependency the list lacks is left for fastify to refuse at registration; a cycle or a name used twice is refused here.
 */
export function orderRooms(rooms: readonly Room[]): Room[] {
  const byName = new Map<string, Room>();
  for (const r of rooms) {
    if (byName.has(r.name)) throw new Error(`hub rooms: two rooms are named ${JSON.stringify(r.name)}`);
    byName.set(r.name, r);
  }
  const out: Room[] = [];
  const placed = new Set<string>();
  while (out.length < rooms.length) {
    const ready = [...byName.values()]
      .filter((r) => !placed.has(r.name) && (r.dependencies ?? []).every((d) => placed.has(d) || !byName.has(d)))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const next = ready[0];
    if (!next) {
      const stuck = [...byName.values()].filter((r) => !placed.has(r.name)).map((r) => `${r.name} (needs ${(r.dependencies ?? []).join(', ')})`);
      throw new Error(`hub rooms: dependency cycle among ${stuck.join('; ')}`);
    }
    placed.add(next.name);
    out.push(next);
  }
  return out;
}

/** The room as a fastify plugin: named, with its dependencies checked by fastify, not encapsulated (like fastify-plugin). */
export function roomPlugin(room: Room): FastifyPluginAsync<RoomHost> {
  const plugin: FastifyPluginAsync<RoomHost> = async (app, host) => {
    await room.register?.(app, host);
  };
  return Object.assign(plugin, {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: room.name,
    [Symbol.for('plugin-meta')]: { name: room.name, dependencies: [...(room.dependencies ?? [])] },
  });
}

/** Register the rooms, in their declared order, on the hub's API. */
export async function registerRooms(app: FastifyInstance, rooms: readonly Room[], host: RoomHost): Promise<void> {
  for (const room of orderRooms(rooms)) await app.register(roomPlugin(room), host);
}
