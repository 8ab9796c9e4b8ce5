// hub/ledger — the ledger's vocabulary: locations, items, moves, serials, reservations, as the API hands them out.
// Quantities are positive integers in the item's unit of measure. Money is an integer in minor units of the site's
// currency (e.g. cents) everywhere: no floating point ever touches a stored value.

export const REAL_LOCATION_KINDS = ['door', 'receiving', 'stock', 'zone', 'returns', 'quarantine'] as const;
export const VIRTUAL_LOCATION_KINDS = ['supplier', 'customer', 'adjustment', 'scrap', 'transit'] as const;
export type RealLocationKind = (typeof REAL_LOCATION_KINDS)[number];
export type VirtualLocationKind = (typeof VIRTUAL_LOCATION_KINDS)[number];
export type LocationKind = RealLocationKind | VirtualLocationKind;

/** The virtual locations every ledger has (seeded by the first migration); their id equals their kind. */
export const VIRTUAL = {
  supplier: 'supplier',
  customer: 'customer',
  adjustment: 'adjustment',
  scrap: 'scrap',
  transit: 'transit',
} as const satisfies Record<VirtualLocationKind, string>;

export interface Location {
  id: string;
  name: string;
  kind: LocationKind;
  /** Virtual locations (supplier, customer, …) are the other side of every entry; they are never on hand. */
  virtual: boolean;
  parent: string | null;
  /** Whether the balance may go below zero. Always true for virtual locations; false by default for real ones. */
  allowNegative: boolean;
  /** Whether stock here counts towards "available to sell". Always false for virtual locations. */
  sellable: boolean;
  createdAt: string;
  updatedAt: string;
}

export const TRACKINGS = ['serial', 'quantity'] as const;
export type Tracking = (typeof TRACKINGS)[number];
export const COST_METHODS = ['fifo', 'moving_average'] as const;
export type CostMethod = (typeof COST_METHODS)[number];
export const ABC_CLASSES = ['A', 'B', 'C'] as const;
export type AbcClass = (typeof ABC_CLASSES)[number];

export interface Item {
  sku: string;
  /** GTIN-14 (shorter GTINs are zero-padded), each unique across the catalog. */
  gtins: string[];
  name: string;
  uom: string;
  tracking: Tracking;
  costMethod: CostMethod;
  /** Minor currency units per unit. */
  standardCost: number;
  reorderPoint: number | null;
  abcClass: AbcClass | null;
  createdAt: string;
  updatedAt: string;
}

export const MOVE_REASONS = ['receipt', 'shipment', 'transfer', 'return', 'adjustment', 'count', 'scrap'] as const;
export type MoveReason = (typeof MOVE_REASONS)[number];
export const ACTOR_KINDS = ['gateway', 'scanner', 'api', 'system'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];
export interface Actor {
  kind: ActorKind;
  id: string;
}

/** What a caller asks the ledger to post. `id` comes from the cause (event id, idempotency key). */
export interface MoveInput {
  id: string;
  sku: string;
  qty: number;
  from: string;
  to: string;
  reason: MoveReason;
  reference?: string | null;
  actor: Actor;
  eventId?: string | null;
  /** Required for serial-tracked items (then qty is 1), forbidden for quantity-tracked ones. */
  epc?: string | null;
  /** Minor units per unit; only meaningful for moves into real locations from virtual ones. */
  unitCost?: number | null;
  /** When it physically happened, ISO-8601. */
  occurredAt: string;
  note?: string | null;
  /**
   * occurredAt falls in a closed period (hub/periods): book the move at the open period's first instant, its note
   * naming the original date, instead of refusing it (the default: a `closed_period` error). History is never re-posted.
   */
  intoOpenPeriod?: boolean;
}

export interface Move {
  /** Monotonic posting sequence (never reused): the order of the ledger and the moves cursor. */
  seq: number;
  id: string;
  sku: string;
  qty: number;
  from: string;
  to: string;
  reason: MoveReason;
  reference: string | null;
  actor: Actor;
  eventId: string | null;
  epc: string | null;
  /** The unit cost as the caller gave it (null if not given). */
  unitCostInput: number | null;
  /**
   * The unit cost the ledger used for new value: the layer price of an inbound move, or the price of units issued
   * beyond the cost layers (negative stock) for an outbound one. Null for transfers.
   */
  unitCost: number | null;
  /** Total cost booked: value brought in at its price (inbound) or COGS/expense (outbound). 0 for transfers. */
  valueCost: number;
  /** Signed change of the SKU's inventory value. */
  valueDelta: number;
  /** Inbound units that filled negative stock: their price minus the value booked when they were issued. */
  valueVariance: number;
  occurredAt: string;
  postedAt: string;
  note: string | null;
  reservationId: string | null;
}

export type PostResult = { status: 'created'; move: Move } | { status: 'exists'; move: Move };

export const SERIAL_STATES = [
  'in_stock',
  'returned',
  'quarantined',
  'shipped',
  'scrapped',
  'written_off',
  'returned_to_supplier',
  'in_transit',
] as const;
export type SerialState = (typeof SERIAL_STATES)[number];

export interface Serial {
  epc: string;
  sku: string;
  location: string;
  state: SerialState;
  lastMoveId: string;
  /** Cost of the unit when it last left stock (shipment, scrap …): what a return brings back. Null if never left. */
  lastIssueCost: number | null;
  updatedAt: string;
}

export const RESERVATION_STATES = ['pending', 'posted', 'voided', 'expired'] as const;
export type ReservationState = (typeof RESERVATION_STATES)[number];

export interface ReservationInput {
  id: string;
  sku: string;
  qty: number;
  /** Hold at one sellable location; omitted = anywhere sellable. */
  location?: string | null;
  channel?: string | null;
  reference: string;
  /** ms since epoch. */
  expiresAt: number;
}

export interface Reservation {
  id: string;
  sku: string;
  qty: number;
  location: string | null;
  channel: string | null;
  reference: string;
  state: ReservationState;
  expiresAt: number;
  createdAt: number;
  closedAt: number | null;
  closeReason: string | null;
  moveId: string | null;
}
