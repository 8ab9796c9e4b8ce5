// hub/ledger — the catalog (items, GTINs) and the locations as the posting path reads them: kept in memory per
// connection, valid for exactly one catalog version.
//
// The version is a stamp in the database (table catalog_version) that triggers set to a fresh random number on every
// write to items, item_gtins or locations — whoever writes, raw SQL included — and that a rollback restores with the
// rest of the transaction. A cache filled under stamp X holds what the database held while the stamp was X; any
// change since moved the stamp, and a rolled-back stamp never comes back (it was random). So one read of the stamp
// (one row) stands in for the item and location lookups of a posting, and a stale row is never used. Inside an ingest
// batch the stamp itself is read once (hub/db/batch-reads.ts), and again after any write to catalog_version.
import type { Statement } from 'better-sqlite3';
import { batchRead } from '../db/batch-reads.js';
import type { Db } from '../db/database.js';
import type { AbcClass, CostMethod, Item, Location, LocationKind, Tracking } from './types.js';

interface ItemRow {
  sku: string;
  name: string;
  uom: string;
  tracking: Tracking;
  cost_method: CostMethod;
  standard_cost: number;
  reorder_point: number | null;
  abc_class: AbcClass | null;
  created_at: string;
  updated_at: string;
}

interface LocationRow {
  id: string;
  name: string;
  kind: LocationKind;
  virtual: number;
  parent: string | null;
  allow_negative: number;
  sellable: number;
  created_at: string;
  updated_at: string;
}

/** Entries per map before a snapshot starts over (a catalog larger than this is read, not kept). */
const MAX_ENTRIES = 50_000;

interface Snapshot {
  stamp: number;
  /** null: looked up and absent. */
  items: Map<string, Item | null>;
  /** GTIN-14 → SKU, or null when no item has it. */
  gtins: Map<string, string | null>;
  locations: Map<string, Location | null>;
}

interface Reads {
  stamp: () => number;
  item: Statement;
  gtinsOf: Statement;
  skuOfGtin: Statement;
  location: Statement;
}

const snapshots = new WeakMap<Db, Snapshot>();
const reads = new WeakMap<Db, Reads>();

function readsOf(db: Db): Reads {
  let r = reads.get(db);
  if (!r) {
    r = {
      stamp: batchRead<number>(db, 'catalog_version', db.prepare('SELECT v FROM catalog_version WHERE id = 1').pluck()),
      item: db.prepare('SELECT * FROM items WHERE sku = ?'),
      gtinsOf: db.prepare('SELECT gtin FROM item_gtins WHERE sku = ? ORDER BY position').pluck(),
      skuOfGtin: db.prepare('SELECT sku FROM item_gtins WHERE gtin = ?').pluck(),
      location: db.prepare('SELECT * FROM locations WHERE id = ?'),
    };
    reads.set(db, r);
  }
  return r;
}

/** The snapshot for the catalog version the database holds now (within the caller's transaction, if any). */
function snapshot(db: Db): Snapshot {
  const stamp = readsOf(db).stamp();
  let s = snapshots.get(db);
  if (!s || s.stamp !== stamp || s.items.size > MAX_ENTRIES || s.gtins.size > MAX_ENTRIES || s.locations.size > MAX_ENTRIES) {
    s = { stamp, items: new Map(), gtins: new Map(), locations: new Map() };
    snapshots.set(db, s);
  }
  return s;
}

function itemIn(db: Db, s: Snapshot, sku: string): Item | undefined {
  let item = s.items.get(sku);
  if (item === undefined) {
    const r = readsOf(db);
    const row = r.item.get(sku) as ItemRow | undefined;
    item = row ? itemFromRow(row, r.gtinsOf.all(sku) as string[]) : null;
    s.items.set(sku, item);
  }
  return item ?? undefined;
}

function locationIn(db: Db, s: Snapshot, id: string): Location | undefined {
  let loc = s.locations.get(id);
  if (loc === undefined) {
    const row = readsOf(db).location.get(id) as LocationRow | undefined;
    loc = row ? locationFromRow(row) : null;
    s.locations.set(id, loc);
  }
  return loc ?? undefined;
}

/**
 * What a posting needs to know about its SKU and both locations, read through the cache. Shared objects: read them,
 * never change them (the public getters below hand out copies).
 */
export function postingFacts(db: Db, sku: string, from: string, to: string): { item?: Item; from?: Location; to?: Location } {
  const s = snapshot(db);
  const out: { item?: Item; from?: Location; to?: Location } = {};
  const item = itemIn(db, s, sku);
  if (item) out.item = item;
  const f = locationIn(db, s, from);
  if (f) out.from = f;
  const t = locationIn(db, s, to);
  if (t) out.to = t;
  return out;
}

export function cachedItem(db: Db, sku: string): Item | undefined {
  const item = itemIn(db, snapshot(db), sku);
  return item && { ...item, gtins: [...item.gtins] };
}

/** The item a GTIN-14 belongs to. */
export function cachedItemByGtin14(db: Db, gtin14: string): Item | undefined {
  const s = snapshot(db);
  let sku = s.gtins.get(gtin14);
  if (sku === undefined) {
    sku = (readsOf(db).skuOfGtin.get(gtin14) as string | undefined) ?? null;
    s.gtins.set(gtin14, sku);
  }
  const item = sku === null ? undefined : itemIn(db, s, sku);
  return item && { ...item, gtins: [...item.gtins] };
}

export function cachedLocation(db: Db, id: string): Location | undefined {
  const loc = locationIn(db, snapshot(db), id);
  return loc && { ...loc };
}

export function itemFromRow(r: ItemRow, gtins: string[]): Item {
  return {
    sku: r.sku,
    gtins,
    name: r.name,
    uom: r.uom,
    tracking: r.tracking,
    costMethod: r.cost_method,
    standardCost: r.standard_cost,
    reorderPoint: r.reorder_point,
    abcClass: r.abc_class,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function locationFromRow(r: LocationRow): Location {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    virtual: r.virtual === 1,
    parent: r.parent,
    allowNegative: r.allow_negative === 1,
    sellable: r.sellable === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export type { ItemRow, LocationRow };
