// hub/variances — the bridge from the doors: a pass the door rules could not place (a tag that is not a GS1 EPC or
// not in the catalog, a pass of unknown direction) stays in the door's own exception log (hub/doors, the low-level
// record of every refusal, incl. doors that are off) and becomes a variance ops resolve. The same stray tag read
// again at the same door is the same open variance, seen once more.
import type { Db } from '../db/database.js';
import type { DoorHooks, PassContext } from '../doors/interpreter.js';
import type { PassOutcome } from '../doors/store.js';
import { raiseVariance, type VarianceType } from './store.js';

/** Door exception types that are variances, and the variance type each becomes. */
const AS_VARIANCE: Record<string, VarianceType> = {
  unknown_tag: 'unknown_tag',
  tracking_mismatch: 'unknown_tag',
  unknown_direction: 'unknown_direction',
};

export const VARIANCE_EXCEPTION_TYPES: ReadonlySet<string> = new Set(Object.keys(AS_VARIANCE));

/** Door exceptions that are variances become variances (listening to every outcome); returns the stop. */
export function listenForDoorExceptions(hooks: DoorHooks): () => void {
  return hooks.outcome.listen((db: Db, pass: PassContext, outcome: PassOutcome, nowMs: number): void => {
    if (outcome.kind !== 'exception') return;
    const type = AS_VARIANCE[outcome.type];
    if (!type) return;
    const what = pass.epc ?? pass.sscc ?? pass.gtin ?? pass.event.id;
    raiseVariance(
      db,
      {
        type,
        door: pass.door.id,
        reference: pass.references.purchase_order ?? null,
        sku: pass.item?.sku ?? null,
        epc: pass.epc ?? null,
        expected: type === 'unknown_direction' ? null : 0,
        actual: pass.qty,
        message: outcome.message,
        evidence: [pass.event.id],
        key: `${type}:${pass.door.id}:${what}`,
      },
      nowMs,
    );
  });
}
