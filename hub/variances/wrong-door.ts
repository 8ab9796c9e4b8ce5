// hub/variances — `wrong_door`: a tag or pallet a document (receipt, shipment) open at one door expects passed
// another door. Receiving and shipping look the document up; this raises it (one open variance per door and tag).
import type { Db } from '../db/database.js';
import type { PassContext } from '../doors/interpreter.js';
import { raiseVariance } from './store.js';

export function raiseWrongDoor(db: Db, pass: PassContext, doc: { kind: 'receipt' | 'shipment'; id: string; door: string } | undefined, here: string | undefined, nowMs: number): void {
  if (!doc || doc.id === here) return;
  raiseVariance(db, {
    type: 'wrong_door',
    door: pass.door.id,
    reference: doc.id,
    sku: pass.item?.sku ?? null,
    epc: pass.epc ?? null,
    expected: 0,
    actual: pass.qty,
    message: `${pass.sscc ? `pallet ${pass.sscc}` : `EPC ${pass.epc}`} belongs to ${doc.kind} ${doc.id}, open at ${doc.door}, but passed ${pass.door.id}`,
    evidence: [pass.event.id],
    key: `wrong_door:${pass.door.id}:${pass.sscc ?? pass.epc}`,
  }, nowMs);
}
