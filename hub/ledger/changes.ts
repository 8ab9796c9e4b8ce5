// hub/ledger — who wants to know that a SKU's stock changed (channel sync, the live dashboard). Listeners are called
// synchronously inside the posting transaction, so they must only take note (mark dirty, queue a push) and never
// assume the change is committed yet: a listener that acts later reads committed state; a rolled-back change only
// costs it a recomputation that finds nothing new.
import { signalPer } from '../../runtime/signal.js';
import type { Db } from '../db/database.js';

export type SkuChangeWhy = 'move' | 'reservation';

/** Stock changes on this database: `skuChanged(db).listen((sku, why) => …)` returns the function that stops listening. */
export const skuChanged = signalPer<Db, [sku: string, why: SkuChangeWhy]>();
