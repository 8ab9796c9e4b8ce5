// hub/status — what optional rooms tell the ops surface, when they run: channel sync health, open variances, the
// work open at each door. Each room sets its provider when it registers (hub/room.ts); status, metrics and the dashboard show
// what is there and leave out what is not.
import type { ChannelHealth } from '../../protocols/channels/health.js';

/** A receipt, shipment or count open at a door, with its progress in units. */
export interface DoorWork {
  kind: 'receipt' | 'shipment' | 'count';
  id: string;
  /** The PO, ASN or shipment number. */
  reference: string;
  expected: number;
  done: number;
}

export interface VarianceProvider {
  /** Open variances per type. */
  openByType(): Record<string, number>;
  /** Open variances per door. */
  openByDoor(): Record<string, number>;
  /** Door exception types that become variances (counted as variances, not again as exceptions). */
  exceptionTypes: ReadonlySet<string>;
}

/** Partner documents (EDI advice, EPCIS, ERP hand-off) waiting in the partner outbox; `failing` failed alertAfter times or more in a row. */
export interface PartnerDeliveries {
  pending: number;
  failing: Array<{ key: string; partner: string; kind: string; attempts: number; lastError: string | null }>;
}

export interface OpsProviders {
  partnerDeliveries?: () => PartnerDeliveries;
  channels?: () => readonly ChannelHealth[];
  variances?: VarianceProvider;
  doorWork?: (door: string) => DoorWork | undefined;
}
