// hub/ledger — locations: the real places stock sits (doors, receiving, stock zones …) and the virtual other sides
// of every entry (supplier, customer, adjustment, scrap, transit), in a site tree.
import type { Db } from '../db/database.js';
import { isoTs } from '../../protocols/events/index.js';
import { LedgerError } from './errors.js';
import { cachedLocation, locationFromRow, type LocationRow } from './cache.js';
import { stmt, inTransaction } from './statements.js';
import {
  REAL_LOCATION_KINDS,
  VIRTUAL_LOCATION_KINDS,
  type Location,
  type LocationKind,
} from './types.js';
import { requireBoolean, requireId, requireOneOf, requireText } from './validate.js';

const KINDS: readonly LocationKind[] = [...REAL_LOCATION_KINDS, ...VIRTUAL_LOCATION_KINDS];

export interface LocationInput {
  id: string;
  name: string;
  kind: LocationKind;
  parent?: string | null;
  /** Real locations only; default false (refuse negative on-hand). */
  allowNegative?: boolean;
  /** Real locations only; default true for `stock` and `zone`, false otherwise. */
  sellable?: boolean;
}

export type LocationPatch = Partial<Pick<LocationInput, 'name' | 'parent' | 'allowNegative' | 'sellable'>>;

export function isVirtualKind(kind: LocationKind): boolean {
  return (VIRTUAL_LOCATION_KINDS as readonly string[]).includes(kind);
}

export function getLocation(db: Db, id: string): Location | undefined {
  return cachedLocation(db, id);
}

/** The location or a not_found error naming the field that referred to it. */
export function requireLocation(db: Db, id: unknown, field: string): Location {
  const loc = typeof id === 'string' ? getLocation(db, id) : undefined;
  if (!loc) throw new LedgerError('not_found', `${field}: unknown location ${JSON.stringify(id)}`, field);
  return loc;
}

export function listLocations(db: Db, filter: { kind?: string; parent?: string } = {}): Location[] {
  const rows = stmt(db, `SELECT * FROM locations WHERE (@kind IS NULL OR kind = @kind) AND (@parent IS NULL OR parent = @parent) ORDER BY id`)
    .all({ kind: filter.kind ?? null, parent: filter.parent ?? null }) as LocationRow[];
  return rows.map(locationFromRow);
}

export function createLocation(db: Db, input: LocationInput, nowMs: number): Location {
  const id = requireId(input.id, 'id');
  const name = requireText(input.name, 'name', 200);
  const kind = requireOneOf(input.kind, KINDS, 'kind');
  const virtual = isVirtualKind(kind);
  const { allowNegative, sellable } = policy(kind, virtual, input.allowNegative, input.sellable);
  return inTransaction(db, () => {
    if (getLocation(db, id)) throw new LedgerError('conflict', `location ${id} already exists`, 'id');
    const parent = input.parent == null ? null : requireLocation(db, input.parent, 'parent').id;
    const at = isoTs(nowMs);
    stmt(db, `INSERT INTO locations (id, name, kind, virtual, parent, allow_negative, sellable, created_at, updated_at)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(id, name, kind, virtual ? 1 : 0, parent, allowNegative ? 1 : 0, sellable ? 1 : 0, at, at);
    return getLocation(db, id)!;
  });
}

export function updateLocation(db: Db, id: string, patch: LocationPatch, nowMs: number): Location {
  return inTransaction(db, () => {
    const cur = requireLocation(db, id, 'id');
    const name = patch.name === undefined ? cur.name : requireText(patch.name, 'name', 200);
    const { allowNegative, sellable } = policy(cur.kind, cur.virtual, patch.allowNegative ?? cur.allowNegative, patch.sellable ?? cur.sellable);
    let parent = cur.parent;
    if (patch.parent !== undefined) {
      parent = patch.parent === null ? null : requireLocation(db, patch.parent, 'parent').id;
      for (let p: string | null = parent; p !== null; p = getLocation(db, p)!.parent) {
        if (p === id) throw new LedgerError('invalid', `parent ${parent} would put location ${id} inside itself`, 'parent');
      }
    }
    if (!allowNegative && cur.allowNegative) {
      const neg = stmt(db, 'SELECT sku, qty FROM balances WHERE location = ? AND qty < 0 LIMIT 1').get(id) as { sku: string; qty: number } | undefined;
      if (neg) throw new LedgerError('negative_on_hand', `location ${id} holds ${neg.qty} of ${neg.sku}: correct it before refusing negative on-hand`, 'allowNegative');
    }
    stmt(db, 'UPDATE locations SET name = ?, parent = ?, allow_negative = ?, sellable = ?, updated_at = ? WHERE id = ?')
      .run(name, parent, allowNegative ? 1 : 0, sellable ? 1 : 0, isoTs(nowMs), id);
    return getLocation(db, id)!;
  });
}

function policy(kind: LocationKind, virtual: boolean, allowNegative: unknown, sellable: unknown): { allowNegative: boolean; sellable: boolean } {
  if (virtual) {
    if (allowNegative === false) throw new LedgerError('invalid', `a ${kind} location is virtual and always allows negative balances`, 'allowNegative');
    if (sellable === true) throw new LedgerError('invalid', `a ${kind} location is virtual and never sellable`, 'sellable');
    return { allowNegative: true, sellable: false };
  }
  return {
    allowNegative: allowNegative === undefined ? false : requireBoolean(allowNegative, 'allowNegative'),
    sellable: sellable === undefined ? kind === 'stock' || kind === 'zone' : requireBoolean(sellable, 'sellable'),
  };
}
