// hub/channels/testing — a small real site for channel-sync tests and benches: a SQLite file in a temp dir with the
// ledger's and channels' migrations, two sellable stock locations, items, and helpers to receive stock.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openDatabase, type Db } from '../../db/database.js';
import { createItem, createLocation, ledgerMigrations, postMove } from '../../ledger/index.js';
import type { ChannelConfig } from '../../../protocols/channels/config.js';
import { channelsMigrations } from '../store.js';

export const LOCATION_GID = 'gid://shopify/Location/7001';
export const itemGid = (sku: string) => `gid://shopify/InventoryItem/${sku.replace(/\W/g, '')}`;

export interface Site {
  db: Db;
  dir: string;
  path: string;
  /** post a move of qty units of sku (supplier → stock by default) */
  receive(sku: string, qty: number, to?: string): void;
  ship(sku: string, qty: number, from?: string): void;
  close(): void;
}

let moveNo = 0;

export function makeSite(skus: readonly string[], t0 = Date.now()): Site {
  const dir = mkdtempSync(join(tmpdir(), 'channels-'));
  const path = join(dir, 'hub.db');
  const db = openDatabase(path);
  migrate(db, [ledgerMigrations, channelsMigrations]);
  createLocation(db, { id: 'stock', name: 'Stock', kind: 'stock' }, t0);
  createLocation(db, { id: 'stock-b', name: 'Stock B', kind: 'stock' }, t0);
  createLocation(db, { id: 'quarantine', name: 'Quarantine', kind: 'quarantine' }, t0);
  db.transaction(() => {
    for (const sku of skus) createItem(db, { sku, name: sku, tracking: 'quantity' }, t0);
  })();
  const move = (sku: string, qty: number, from: string, to: string, reason: 'receipt' | 'shipment') =>
    postMove(db, { id: `mv-${process.pid}-${++moveNo}`, sku, qty, from, to, reason, actor: { kind: 'system', id: 'test' }, occurredAt: new Date().toISOString() }, Date.now());
  return {
    db,
    dir,
    path,
    receive: (sku, qty, to = 'stock') => void move(sku, qty, 'supplier', to, 'receipt'),
    ship: (sku, qty, from = 'stock') => void move(sku, qty, from, 'customer', 'shipment'),
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function shopifyChannel(id: string, url: string, token: string, skus: readonly string[], over: Partial<ChannelConfig> = {}): ChannelConfig {
  return {
    id,
    connector: 'shopify',
    mode: 'live',
    locations: ['stock', 'stock-b'],
    rule: { pct: 1, channelBuffer: 0, endWhen: 0 },
    skus: Object.fromEntries(skus.map((s) => [s, { item: itemGid(s) }])),
    shopify: { endpoint: url, apiVersion: '2026-04', accessToken: token, locationId: LOCATION_GID, batchSize: 50 },
    http: { timeoutMs: 2000, maxTries: 3, backoffBaseMs: 5, backoffMaxMs: 50 },
    ...over,
  };
}

/** Poll until `cond` holds; fail naming `what` after the deadline. No fixed sleeps. */
export async function waitFor(cond: () => boolean, what: string, deadlineMs = 10_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
