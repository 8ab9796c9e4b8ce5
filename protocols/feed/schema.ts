// protocols/feed — the hub's change feed, version 1: what a site's hub publishes to NATS JetStream after each
// committed ledger change, and what dockgate-fleet applies to PostgreSQL. One TypeBox source gives the types and the
// JSON Schemas. hub/ writes these records and fleet/ reads them; neither imports the other.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Id, Timestamp } from '../events/schema.js';

/** The feed version this build writes, and the newest it understands. */
export const FEED_VERSION = 1;

/** A ledger location id or SKU as the hub's ledger spells it (non-empty text). */
const Ref = Type.String({ minLength: 1, maxLength: 200 });
const NullableText = Type.Union([Type.String({ maxLength: 2000 }), Type.Null()]);
const LocationKind = Type.Union(
  ['door', 'receiving', 'stock', 'zone', 'returns', 'quarantine', 'supplier', 'customer', 'adjustment', 'scrap', 'transit'].map((k) => Type.Literal(k)),
);

export const MoveChange = Type.Object(
  {
    sku: Ref,
    qty: Type.Integer({ minimum: 1 }),
    from: Ref,
    to: Ref,
    fromKind: LocationKind,
    toKind: LocationKind,
    /** True for supplier, customer, adjustment, scrap, transit: not on hand. */
    fromVirtual: Type.Boolean(),
    toVirtual: Type.Boolean(),
    reason: Type.String({ minLength: 1, maxLength: 40 }),
    reference: NullableText,
    epc: NullableText,
    occurredAt: Timestamp,
    /** Change of the site's stock value in minor units (cents), as the hub booked it. */
    valueDelta: Type.Integer(),
  },
  { additionalProperties: false },
);

export const DocumentChange = Type.Object(
  {
    /** The receipt's or shipment's id (a PO, an ASN, a shipment number). */
    document: Ref,
    door: Type.Union([Ref, Type.Null()]),
    /** Receipts: the supplier; shipments: the customer. `site:<id>` names another site of the fleet (a transfer). */
    party: NullableText,
    /** The document's lines: units expected, and (once closed) units received or shipped against each. */
    lines: Type.Array(
      Type.Object({ sku: Ref, qty: Type.Integer({ minimum: 0 }), done: Type.Union([Type.Integer(), Type.Null()]) }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);

export const VarianceChange = Type.Object(
  {
    variance: Type.Integer({ minimum: 1 }),
    type: Type.String({ minLength: 1, maxLength: 60 }),
    status: Type.String({ minLength: 1, maxLength: 20 }),
    door: Type.Union([Ref, Type.Null()]),
    reference: NullableText,
    sku: NullableText,
    expected: Type.Union([Type.Integer(), Type.Null()]),
    actual: Type.Union([Type.Integer(), Type.Null()]),
    message: Type.String({ maxLength: 4000 }),
  },
  { additionalProperties: false },
);

export const CountChange = Type.Object(
  {
    count: Type.Integer({ minimum: 1 }),
    location: Ref,
    /** The count's results per SKU: book, counted and whether the difference was posted. */
    results: Type.Array(
      Type.Object({ sku: Ref, book: Type.Integer(), counted: Type.Integer(), posted: Type.Boolean() }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);

/** A hold on available stock (hub/ledger reservations): made pending, then posted (shipped), voided or expired. */
export const ReservationChange = Type.Object(
  {
    reservation: Ref,
    sku: Ref,
    qty: Type.Integer({ minimum: 1 }),
    /** The sellable location held at, or null: held at none in particular (drawn from any sellable location). */
    location: Type.Union([Ref, Type.Null()]),
    state: Type.Union(['pending', 'posted', 'voided', 'expired'].map((k) => Type.Literal(k))),
    channel: NullableText,
  },
  { additionalProperties: false },
);

/** Every kind of change the feed carries, and the shape of its `data`. */
export const FEED_KINDS = {
  move: MoveChange,
  'receipt.opened': DocumentChange,
  'receipt.closed': DocumentChange,
  'shipment.opened': DocumentChange,
  'shipment.closed': DocumentChange,
  'variance.opened': VarianceChange,
  'variance.resolved': VarianceChange,
  'count.posted': CountChange,
  reservation: ReservationChange,
} as const satisfies Record<string, TSchema>;
export type FeedKind = keyof typeof FEED_KINDS;

/**
 * One committed change of one site. `seq` is gap-free per site from 1 (the fleet detects gaps and duplicates by it);
 * `id` names the change forever (a move's id; `receipt:<id>:opened` …) and is the JetStream Nats-Msg-Id.
 */
export const FeedRecord = Type.Object(
  {
    v: Type.Integer({ minimum: 1 }),
    site: Id,
    seq: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    id: Type.String({ minLength: 1, maxLength: 300 }),
    /** When the hub committed the change (its clock). */
    ts: Timestamp,
    kind: Type.Union(Object.keys(FEED_KINDS).map((k) => Type.Literal(k))),
    data: Type.Unknown(),
  },
  { additionalProperties: false, $id: 'dockgate.feed.record' },
);

export type MoveChange = Static<typeof MoveChange>;
export type DocumentChange = Static<typeof DocumentChange>;
export type VarianceChange = Static<typeof VarianceChange>;
export type CountChange = Static<typeof CountChange>;
export type ReservationChange = Static<typeof ReservationChange>;
interface DataOf {
  move: MoveChange;
  'receipt.opened': DocumentChange;
  'receipt.closed': DocumentChange;
  'shipment.opened': DocumentChange;
  'shipment.closed': DocumentChange;
  'variance.opened': VarianceChange;
  'variance.resolved': VarianceChange;
  'count.posted': CountChange;
  reservation: ReservationChange;
}
export type FeedRecordOf<K extends FeedKind> = { v: number; site: string; seq: number; id: string; ts: string; kind: K; data: DataOf[K] };
export type FeedRecord = { [K in FeedKind]: FeedRecordOf<K> }[FeedKind];
