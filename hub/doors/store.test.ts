import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, openDatabase, type Db } from '../db/database.js';
import { DoorStore, doorsMigrations } from './store.js';

const T0 = Date.UTC(2025, 2, 1, 8);
const door = { id: 'door-1', mode: 'receiving' as const, gateway: 'gw-1', location: 'dock-1', receiving: 'receiving', stock: 'stock', returns: 'returns' };
let dir: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'doors-store-'));
  db = openDatabase(join(dir, 'hub.db'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('door store', () => {
  it('reads a door as the database holds it: mode set by ops, by raw SQL, by another connection, and not a rolled-back one', () => {
    migrate(db, [doorsMigrations]);
    const store = new DoorStore(db);
    expect(store.getDoor('door-1')).toBeUndefined();
    store.upsertDoor(door, T0);
    expect(store.getDoor('door-1')?.mode).toBe('receiving');
    store.setMode('door-1', 'shipping', 'api:ops', T0);
    expect(store.getDoor('door-1')).toMatchObject({ mode: 'shipping', modeSetBy: 'api:ops' });
    db.prepare("UPDATE doors SET mode = 'off' WHERE id = 'door-1'").run();
    expect(store.getDoor('door-1')?.mode).toBe('off');
    store.recordDoorState('door-1', 'open', '2025-03-01T08:00:00.000Z', T0);
    expect(store.getDoor('door-1')?.sensor).toBe('open');

    expect(() => db.transaction(() => {
      store.setMode('door-1', 'returns', 'api:ops', T0);
      expect(store.getDoor('door-1')?.mode).toBe('returns');
      throw new Error('rolled back');
    })()).toThrow('rolled back');
    expect(store.getDoor('door-1')?.mode).toBe('off');

    const other = openDatabase(join(dir, 'hub.db'));
    other.prepare("UPDATE doors SET mode = 'transfer' WHERE id = 'door-1'").run();
    other.close();
    expect(store.getDoor('door-1')?.mode).toBe('transfer');

    const copy = store.getDoor('door-1')!;
    copy.mode = 'count';
    expect(store.getDoor('door-1')?.mode).toBe('transfer');
  });

  it('migrates a version 1 doors schema with doors and activity on it', () => {
    migrate(db, [{ module: 'doors', migrations: doorsMigrations.migrations.slice(0, 1) }]);
    db.prepare(`INSERT INTO doors (id, mode, gateway, location, receiving, stock, returns, mode_set_at, mode_set_by)
                VALUES ('door-1', 'shipping', 'gw-1', 'dock-1', 'receiving', 'stock', 'returns', 'x', 'api:ops')`).run();
    db.prepare(`INSERT INTO door_activity (event_id, kind, door, gateway, epc, outcome, occurred_at, recorded_at)
                VALUES ('e1', 'pass', 'door-1', 'gw-1', '3034257bf400b7800004cb2f', 'moved', 'x', 'x')`).run();
    expect(migrate(db, [doorsMigrations])).toEqual([2, 3].map((v) => `doors#${v} ${doorsMigrations.migrations[v - 1]!.name}`));
    const store = new DoorStore(db);
    expect(store.getDoor('door-1')?.mode).toBe('shipping');
    expect(store.recentActivity('door-1')).toHaveLength(1);
    // The activity written before names no stream (its event has its inbox row); the ingest's record finds it by id.
    expect(db.prepare("SELECT stream, stream_seq FROM door_activity WHERE event_id = 'e1'").get()).toEqual({ stream: null, stream_seq: null });
    expect(store.hasActivity('e1')).toBe(true);
    expect(store.hasActivity('e2')).toBe(false);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'door_activity_epc'").get()).toBeUndefined();
  });
});
