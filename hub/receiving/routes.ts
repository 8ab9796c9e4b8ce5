// hub/receiving — REST: expected receipts (create idempotent by PO number, CSV import, list, read, open at a door,
// close) and per-item receiving tolerances.
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../api/actor.js';
import type { ApiContext } from '../api/context.js';
import { ApiError, errorBody } from '../api/errors.js';
import { ErrorResponse, errors } from '../api/schemas.js';
import { VarianceSchema } from '../variances/routes.js';
import { importReceiptsCsv } from './receipts-csv.js';
import { closeReceipt, createReceipt, getReceipt, listReceipts, openReceipt, setItemTolerance } from './store.js';
import type { Tolerance } from './tolerance.js';

const TolerancePart = Type.Object(
  {
    overPct: Type.Optional(Type.Number({ minimum: 0, maximum: 1000 })),
    underPct: Type.Optional(Type.Number({ minimum: 0, maximum: 1000 })),
    overAbs: Type.Optional(Type.Integer({ minimum: 0 })),
    underAbs: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
const ToleranceFull = Type.Object({ overPct: Type.Number(), underPct: Type.Number(), overAbs: Type.Integer(), underAbs: Type.Integer() });
const Epcs = Type.Array(Type.String({ pattern: '^([0-9a-fA-F]{2}){4,64}$' }), { maxItems: 100_000 });
const GoodsRef = { sku: Type.Optional(Type.String({ minLength: 1 })), gtin: Type.Optional(Type.String({ pattern: '^\\d{8,14}$' })) };

export const GoodsLine = Type.Object(
  { ...GoodsRef, qty: Type.Integer({ minimum: 1, description: 'expected units, a positive whole number' }), unitCost: Type.Optional(Type.Integer({ minimum: 0 })), tolerance: Type.Optional(TolerancePart), epcs: Type.Optional(Epcs) },
  { additionalProperties: false },
);
export const Pallet = Type.Object(
  { sscc: Type.String({ pattern: '^\\d{18}$' }), contents: Type.Optional(Type.Array(Type.Object({ ...GoodsRef, qty: Type.Integer({ minimum: 1 }), epcs: Type.Optional(Epcs) }, { additionalProperties: false }), { maxItems: 10_000 })) },
  { additionalProperties: false },
);
export const PalletView = Type.Object({ sscc: Type.String(), contents: Type.Array(Type.Object({ sku: Type.String(), qty: Type.Integer(), epcs: Type.Array(Type.String()) })) });

const ReceiptBody = Type.Object(
  {
    po: Type.String({ minLength: 1, maxLength: 128, description: 'the PO or ASN number: the receipt id, and its idempotency key' }),
    kind: Type.Optional(Type.Union([Type.Literal('po'), Type.Literal('asn')])),
    supplier: Type.Optional(Type.String({ maxLength: 200 })),
    lines: Type.Array(GoodsLine, { minItems: 1, maxItems: 10_000 }),
    pallets: Type.Optional(Type.Array(Pallet, { maxItems: 10_000 })),
  },
  { additionalProperties: false },
);

const N = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
export const ReceiptSchema = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  supplier: N(Type.String()),
  status: Type.String(),
  door: N(Type.String()),
  createdAt: Type.String(),
  openedAt: N(Type.String()),
  closedAt: N(Type.String()),
  closedBy: N(Type.String()),
  lines: Type.Array(Type.Object({
    line: Type.Integer(),
    sku: Type.String(),
    expected: Type.Integer(),
    received: Type.Integer(),
    held: Type.Integer(),
    unitCost: Type.Union([Type.Integer(), Type.Null()]),
    tolerance: ToleranceFull,
    maxReceivable: Type.Integer(),
    status: Type.String(),
  })),
  pallets: Type.Array(Type.Object({ ...PalletView.properties, receivedAt: N(Type.String()) })),
});

export function receivingRoutes(defaults: Tolerance) {
  return async function routes(instance: FastifyInstance, ctx: ApiContext): Promise<void> {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    const { db, clock } = ctx;
    const idParam = Type.Object({ id: Type.String({ minLength: 1 }) });
    const read = (id: string) => {
      const r = getReceipt(db, id, defaults);
      if (!r) throw new ApiError(404, `receipt ${JSON.stringify(id)} does not exist (no purchase order or ASN with that number)`, 'id');
      return r;
    };

    app.post('/api/v1/receipts', {
      schema: { tags: ['receiving'], summary: 'Create an expected receipt (PO or ASN); idempotent by the PO number', body: ReceiptBody, response: { 201: ReceiptSchema, 200: ReceiptSchema, ...errors } },
    }, async (req, reply) => {
      const b = req.body;
      const r = createReceipt(db, { ...b, supplier: b.supplier ?? null }, actorOf(req), clock());
      return reply.status(r.status === 'created' ? 201 : 200).send(read(r.id));
    });

    app.post('/api/v1/receipts/import', {
      schema: {
        tags: ['receiving'],
        summary: 'Import expected receipts from CSV (po,kind,supplier,sku,gtin,qty,unit_cost,over_pct,under_pct,over_abs,under_abs,sscc,epcs); all or nothing',
        response: {
          200: Type.Object({ created: Type.Array(Type.String()), existing: Type.Array(Type.String()) }),
          ...errors,
          400: Type.Object({ ...ErrorResponse.properties, errors: Type.Optional(Type.Array(Type.Object({ row: Type.Integer(), column: Type.String(), message: Type.String() }))) }),
        },
      },
    }, async (req, reply) => {
      if (typeof req.body !== 'string') throw new ApiError(415, 'send the receipts as text/csv');
      const r = importReceiptsCsv(db, req.body, actorOf(req), clock());
      if (!r.ok) return reply.status(400).send({ ...errorBody(400, `${r.errors.length} problem(s) in the CSV, nothing imported: ${r.errors.slice(0, 3).map((e) => `row ${e.row}${e.column ? ` ${e.column}` : ''}: ${e.message}`).join('; ')}`), errors: r.errors });
      return { created: r.created, existing: r.existing };
    });

    app.get('/api/v1/receipts', {
      schema: {
        tags: ['receiving'],
        summary: 'Receipts, oldest first',
        querystring: Type.Object({ status: Type.Optional(Type.Union([Type.Literal('expected'), Type.Literal('open'), Type.Literal('closed')])), door: Type.Optional(Type.String()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }),
        response: { 200: Type.Object({ receipts: Type.Array(ReceiptSchema) }), ...errors },
      },
    }, async (req) => {
      const q = req.query;
      return { receipts: listReceipts(db, q).map(read) };
    });

    app.get('/api/v1/receipts/:id', { schema: { tags: ['receiving'], summary: 'A receipt with what each line has received', params: idParam, response: { 200: ReceiptSchema, ...errors } } }, async (req) => read(req.params.id));

    app.post('/api/v1/receipts/:id/open', {
      schema: { tags: ['receiving'], summary: 'Open a receipt at a receiving door (passes there are matched to it)', params: idParam, body: Type.Object({ door: Type.String({ minLength: 1 }) }, { additionalProperties: false }), response: { 200: ReceiptSchema, ...errors } },
    }, async (req) => {
      const { id } = req.params;
      openReceipt(db, id, req.body.door, actorOf(req), clock());
      return read(id);
    });

    app.post('/api/v1/receipts/:id/close', {
      schema: { tags: ['receiving'], summary: 'Close a receipt: settle each line against its tolerance; shorts become variances', params: idParam, response: { 200: Type.Object({ receipt: ReceiptSchema, variances: Type.Array(VarianceSchema) }), ...errors } },
    }, async (req) => closeReceipt(db, req.params.id, defaults, actorOf(req), clock()));

    app.put('/api/v1/receiving/tolerances/:sku', {
      schema: { tags: ['receiving'], summary: "Set an item's receiving tolerance (overrides the site default; a receipt line's own overrides it)", params: Type.Object({ sku: Type.String({ minLength: 1 }) }), body: TolerancePart, response: { 200: Type.Object({ sku: Type.String(), tolerance: TolerancePart }), ...errors } },
    }, async (req) => {
      const { sku } = req.params;
      const t: Partial<Tolerance> = req.body;
      setItemTolerance(db, sku, t, actorOf(req), clock());
      return { sku, tolerance: t };
    });
  };
}
