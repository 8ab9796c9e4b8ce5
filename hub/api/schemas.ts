// hub/api — request and response schemas shared by the routes (TypeBox: the same source as the wire contract).
import { Type } from '@sinclair/typebox';

export const ErrorResponse = Type.Object(
  {
    statusCode: Type.Integer(),
    error: Type.String(),
    message: Type.String(),
    field: Type.Optional(Type.String()),
    code: Type.Optional(Type.String()),
  },
  { $id: 'ErrorResponse', description: 'every 4xx/5xx: the message names the field that was wrong' },
);

export const Actor = Type.Object({ kind: Type.String(), id: Type.String() });

export const Location = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  virtual: Type.Boolean(),
  parent: Type.Union([Type.String(), Type.Null()]),
  allowNegative: Type.Boolean(),
  sellable: Type.Boolean(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const Item = Type.Object({
  sku: Type.String(),
  gtins: Type.Array(Type.String()),
  name: Type.String(),
  uom: Type.String(),
  tracking: Type.String(),
  costMethod: Type.String(),
  standardCost: Type.Integer(),
  reorderPoint: Type.Union([Type.Integer(), Type.Null()]),
  abcClass: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const Move = Type.Object({
  seq: Type.Integer(),
  id: Type.String(),
  sku: Type.String(),
  qty: Type.Integer(),
  from: Type.String(),
  to: Type.String(),
  reason: Type.String(),
  reference: Type.Union([Type.String(), Type.Null()]),
  actor: Actor,
  eventId: Type.Union([Type.String(), Type.Null()]),
  epc: Type.Union([Type.String(), Type.Null()]),
  unitCostInput: Type.Union([Type.Number(), Type.Null()]),
  unitCost: Type.Union([Type.Number(), Type.Null()]),
  valueCost: Type.Number(),
  valueDelta: Type.Number(),
  valueVariance: Type.Number(),
  occurredAt: Type.String(),
  postedAt: Type.String(),
  note: Type.Union([Type.String(), Type.Null()]),
  reservationId: Type.Union([Type.String(), Type.Null()]),
});

export const StockRow = Type.Object({
  sku: Type.String(),
  location: Type.Union([Type.String(), Type.Null()]),
  onHand: Type.Integer(),
  sellableOnHand: Type.Integer(),
  reserved: Type.Integer(),
  available: Type.Integer(),
  locations: Type.Array(
    Type.Object({ location: Type.String(), sellable: Type.Boolean(), onHand: Type.Integer(), reserved: Type.Integer() }),
  ),
});

/** One of these strings: typed as their union, documented and checked as a JSON Schema enum (a 400 lists them). */
export const oneOf = <T extends string>(values: readonly T[], options: { description?: string } = {}) =>
  Type.Unsafe<T>(Type.String({ ...options, enum: [...values] }));

export const errors = { 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
