// hub/status — the providers of the optional rooms as this hub runs them: open variances (hub/variances), the receipt
// or shipment open at each door with its progress (hub/receiving, hub/shipping). A room of its own (hub/room.ts),
// after the rooms whose tables it reads; channel health is the channels room's own.
import type { HubConfig } from '../config/schema.js';
import type { Db } from '../db/database.js';
import { getReceipt, openReceiptAt } from '../receiving/store.js';
import { getShipment, openShipmentAt } from '../shipping/store.js';
import { VARIANCE_EXCEPTION_TYPES } from '../variances/door-exceptions.js';
import type { Room } from '../room.js';
import type { DoorWork, VarianceProvider } from './providers.js';

export function openVariances(db: Db): VarianceProvider {
  const byType = db.prepare("SELECT type AS k, COUNT(*) AS n FROM variances WHERE status = 'open' GROUP BY type");
  const byDoor = db.prepare("SELECT door AS k, COUNT(*) AS n FROM variances WHERE status = 'open' AND door IS NOT NULL GROUP BY door");
  const toRecord = (rows: unknown[]) => Object.fromEntries((rows as Array<{ k: string; n: number }>).map((r) => [r.k, r.n]));
  return { openByType: () => toRecord(byType.all()), openByDoor: () => toRecord(byDoor.all()), exceptionTypes: VARIANCE_EXCEPTION_TYPES };
}

/** A receipt's or shipment's progress at its door, in units. */
function progress<L extends { expected: number }>(kind: 'receipt' | 'shipment', id: string, lines: readonly L[], done: (l: L) => number): DoorWork {
  return { kind, id, reference: id, expected: lines.reduce((n, l) => n + l.expected, 0), done: lines.reduce((n, l) => n + done(l), 0) };
}

export function doorWork(db: Db, config: HubConfig): (door: string) => DoorWork | undefined {
  return (door) => {
    const r = openReceiptAt(db, door);
    const receipt = r && getReceipt(db, r.id, config.receiving.tolerances);
    if (receipt) return progress('receipt', receipt.id, receipt.lines, (l) => l.received);
    const s = openShipmentAt(db, door);
    const shipment = s && getShipment(db, s.id);
    return shipment ? progress('shipment', shipment.id, shipment.lines, (l) => l.shipped) : undefined;
  };
}

export const dockProvidersRoom: Room = {
  name: 'dock-providers',
  dependencies: ['variances', 'receiving', 'shipping'],
  register(_app, { config, db, providers }) {
    providers.variances = openVariances(db);
    providers.doorWork = doorWork(db, config);
  },
};
