// hub/ledger — who wants to know that a SKU's stock changed (channel sync, the live dashboard). Listeners are called
// synchronously inside the posting transaction, so they must only take note (mark dirty, queue a push) and never
// assume the change is committed yet: a listener that acts later reads committed state; a rolled-back change only
// costs it a recomputation that finds nothing new.
import type { Db } from '../db/database.js';

export type SkuChangeListener = (sku: string, why: 'move' | 'reservation') => void;

const listeners = new WeakMap<Db, Set<SkuChangeListener>>();

/** Listen for stock changes on this database; returns the function that stops listening. */
export function onSkuChanged(db: Db, fn: SkuChangeListener): () => void {
  let set = listeners.get(db);
  if (!set) listeners.set(db, (set = new Set()));
  set.add(fn);
  return () => set.delete(fn);
}

export function notifySkuChanged(db: Db, sku: string, why: 'move' | 'reservation'): void {
  const set = listeners.get(db);
  if (set) for (const fn of set) fn(sku, why);
}
