import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hubMigrations } from '../app.js';
import { hubModules } from '../modules.js';
import { parseHubConfig } from '../config/load.js';
import { migrate, openDatabase, type MigrationSet } from './database.js';

const v1: MigrationSet = { module: 'thing', migrations: [{ version: 1, name: 'things', sql: 'CREATE TABLE things (id TEXT PRIMARY KEY)' }] };
const v2: MigrationSet = {
  module: 'thing',
  migrations: [...v1.migrations, { version: 2, name: 'thing colour', sql: "ALTER TABLE things ADD COLUMN colour TEXT NOT NULL DEFAULT 'grey'" }],
};

describe('hub database migrations', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hub-db-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('builds every module of the hub from an empty database, and a second start applies nothing', () => {
    const config = parseHubConfig('site: s1\n', { env: {} });
    const sets = hubMigrations(hubModules(config));
    const db = openDatabase(join(dir, 'hub.db'));
    const applied = migrate(db, sets);
    expect(applied.length).toBe(sets.reduce((n, s) => n + s.migrations.length, 0));
    expect(migrate(db, sets)).toEqual([]);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(10_000);
    expect(db.pragma('cache_size', { simple: true })).toBe(-64 * 1024); // KiB: 64 MiB, not SQLite's 2 MiB
    db.close();
  });

  it('upgrades a database of the previous version, keeping its rows', () => {
    const path = join(dir, 'hub.db');
    let db = openDatabase(path);
    migrate(db, [v1]);
    db.prepare("INSERT INTO things (id) VALUES ('a')").run();
    db.close();
    db = openDatabase(path);
    expect(migrate(db, [v2])).toEqual(['thing#2 thing colour']);
    expect(db.prepare('SELECT id, colour FROM things').all()).toEqual([{ id: 'a', colour: 'grey' }]);
    db.close();
  });

  it('refuses to run an older build on a newer database, naming the module and versions', () => {
    const db = openDatabase(join(dir, 'hub.db'));
    migrate(db, [v2]);
    expect(() => migrate(db, [v1])).toThrow(/thing schema version 2, newer than this build's 1/);
    db.close();
  });

  it('rolls a failing migration back whole and records nothing for it', () => {
    const db = openDatabase(join(dir, 'hub.db'));
    const broken: MigrationSet = { module: 'thing', migrations: [...v1.migrations, { version: 2, name: 'broken', sql: 'ALTER TABLE things ADD COLUMN x TEXT; SELECT * FROM nowhere' }] };
    expect(() => migrate(db, [broken])).toThrow(/nowhere/);
    expect((db.prepare("SELECT MAX(version) v FROM schema_migrations WHERE module = 'thing'").get() as { v: number }).v).toBe(1);
    expect(db.prepare('PRAGMA table_info(things)').all()).toHaveLength(1);
    db.close();
  });

  it('refuses migrations that are not numbered 1, 2, 3 …', () => {
    const db = openDatabase(join(dir, 'hub.db'));
    expect(() => migrate(db, [{ module: 'bad', migrations: [{ version: 2, name: 'x', sql: 'SELECT 1' }] }])).toThrow(/numbered 1, 2, 3/);
    db.close();
  });
});
