// hub/ledger — who wants to know that a SKU's stock changed (channel sync, the live dashboard). Listeners are called
// synchronously inside the posting transaction, so they must only take note (mark dirty, queue a push) and never
// assume the change is committed yet: a listener that acts later reads committed state; a rolled-back change only
// costs it a recomputation that finds nothing new.
import { signalPer } from '../../runtime/signal.js';
import type { Db } from '../db/database.js';

export type SkuChangeWhy = 'move' | 'reservation';

/**
 * Stock changes on this database: `skuChanged(db).listen((sku, why, sellable) => …)` returns the function that stops
 * listening. `sellable`: whether the change can alter what is available to sell — false for a move between two
 * locations that are not sellable (a receipt to the dock, a putaway to a reserve), true for every hold placed or closed.
 */
export const skuChanged = signalPer<Db, [sku: string, why: SkuChangeWhy, sellable: boolean]>();
