// hub/status — the providers of the optional rooms as this hub runs them: open variances (hub/variances), the receipt
// or shipment open at each door with its progress (hub/receiving, hub/shipping), channel health (hub/channels).
// A room of its own in hubModules(), attached after the others.
import type { HubModules } from '../app.js';
import type { ChannelSync } from '../channels/sync.js';
import type { HubConfig } from '../config/schema.js';
import type { Db } from '../db/database.js';
import { getReceipt, openReceiptAt } from '../receiving/store.js';
import { getShipment, openShipmentAt } from '../shipping/store.js';
import { VARIANCE_EXCEPTION_TYPES } from '../variances/door-exceptions.js';
import type { DoorWork, VarianceProvider } from './providers.js';

export function openVariances(db: Db): VarianceProvider {
  const byType = db.prepare("SELECT type AS k, COUNT(*) AS n FROM variances WHERE status = 'open' GROUP BY type");
  const byDoor = db.prepare("SELECT door AS k, COUNT(*) AS n FROM variances WHERE status = 'open' AND door IS NOT NULL GROUP BY door");
  const toRecord = (rows: unknown[]) => Object.fromEntries((rows as Array<{ k: string; n: number }>).map((r) => [r.k, r.n]));
  return { openByType: () => toRecord(byType.all()), openByDoor: () => toRecord(byDoor.all()), exceptionTypes: VARIANCE_EXCEPTION_TYPES };
}

export function doorWork(db: Db, config: HubConfig): (door: string) => DoorWork | undefined {
  return (door) => {
    const r = openReceiptAt(db, door);
    const receipt = r && getReceipt(db, r.id, config.receiving.tolerances);
    if (receipt) {
      return { kind: 'receipt', id: receipt.id, reference: receipt.id, expected: receipt.lines.reduce((s, l) => s + l.expected, 0), done: receipt.lines.reduce((s, l) => s + l.received, 0) };
    }
    const s = openShipmentAt(db, door);
    const shipment = s && getShipment(db, s.id);
    if (shipment) {
      return { kind: 'shipment', id: shipment.id, reference: shipment.id, expected: shipment.lines.reduce((n, l) => n + l.expected, 0), done: shipment.lines.reduce((n, l) => n + l.shipped, 0) };
    }
    return undefined;
  };
}

export function dockProvidersModule(config: HubConfig, channels: () => ChannelSync | undefined): HubModules {
  return {
    attach(hub) {
      hub.providers.variances = openVariances(hub.db);
      hub.providers.doorWork = doorWork(hub.db, config);
      hub.providers.channels = () => channels()?.health() ?? [];
    },
  };
}
