// hub/api — stock, moves (the audit trail, and manual transfers/adjustments) and the valuation report.
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { getMove, getStock, listMoves, MOVE_REASONS, postMove, recordAudit, valuationReport } from '../../ledger/index.js';
import { isoTs } from '../../../protocols/events/index.js';
import { actorOf } from '../actor.js';
import { answerKeyed } from '../idempotency.js';
import type { ApiContext } from '../context.js';
import { errors, Move, oneOf, StockRow } from '../schemas.js';
import { stockPage } from '../stock-page.js';

const ManualMove = Type.Object({
  sku: Type.String({ minLength: 1 }),
  qty: Type.Integer({ minimum: 1 }),
  from: Type.String({ minLength: 1 }),
  to: Type.String({ minLength: 1 }),
  reason: Type.Union([Type.Literal('transfer'), Type.Literal('adjustment'), Type.Literal('scrap'), Type.Literal('receipt'), Type.Literal('shipment'), Type.Literal('return'), Type.Literal('count')]),
  /** Why, in words: required for the audit trail. */
  note: Type.String({ minLength: 1, maxLength: 2000 }),
  reference: Type.Optional(Type.String({ maxLength: 200 })),
  epc: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]+$' })),
  unitCost: Type.Optional(Type.Integer({ minimum: 0 })),
  occurredAt: Type.Optional(Type.String({ format: 'date-time' })),
  intoOpenPeriod: Type.Optional(
    Type.Boolean({ description: "occurredAt in a closed period: book it at the open period's start, noting the original date (else 409)" }),
  ),
});

/** SKUs per page of GET /api/v1/stock when the query names no limit. */
const STOCK_PAGE = 100;

export async function stockRoutes(instance: FastifyInstance, ctx: ApiContext): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const { db, clock } = ctx;

  app.get('/api/v1/stock', {
    schema: {
      tags: ['stock'],
      summary: 'On hand, reserved and available per SKU (site-wide or at one location): one SKU, or a page of SKUs in SKU order after `after`',
      querystring: Type.Object({
        sku: Type.Optional(Type.String()),
        location: Type.Optional(Type.String()),
        after: Type.Optional(Type.String({ description: 'the last SKU of the previous page (its nextAfter)' })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: STOCK_PAGE })),
      }),
      response: { 200: Type.Object({ stock: Type.Array(StockRow), nextAfter: Type.Union([Type.String(), Type.Null()]) }), ...errors },
    },
  }, async (req) => {
    const q = req.query;
    if (q.sku !== undefined) return { stock: getStock(db, { sku: q.sku, ...(q.location !== undefined ? { location: q.location } : {}) }), nextAfter: null };
    const page = { limit: q.limit ?? STOCK_PAGE, ...(q.after !== undefined ? { after: q.after } : {}) };
    return stockPage(db, { ...page, ...(q.location !== undefined ? { location: q.location } : {}) });
  });

  app.get('/api/v1/moves', {
    schema: {
      tags: ['stock'],
      summary: 'The moves (audit trail of stock), oldest first, with filters and a cursor',
      querystring: Type.Object({
        sku: Type.Optional(Type.String()),
        location: Type.Optional(Type.String()),
        reason: Type.Optional(oneOf(MOVE_REASONS)),
        reference: Type.Optional(Type.String()),
        epc: Type.Optional(Type.String()),
        since: Type.Optional(Type.String()),
        until: Type.Optional(Type.String()),
        cursor: Type.Optional(Type.String()),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
      }),
      response: { 200: Type.Object({ moves: Type.Array(Move), nextCursor: Type.Union([Type.String(), Type.Null()]) }), ...errors },
    },
  }, async (req) => listMoves(db, req.query));

  app.post('/api/v1/moves', {
    schema: {
      tags: ['stock'],
      summary: 'Post a manual transfer or adjustment; requires an Idempotency-Key header',
      headers: Type.Object({ 'idempotency-key': Type.String({ minLength: 1, maxLength: 200 }) }),
      body: ManualMove,
      response: { 201: Move, 200: Move, ...errors },
    },
  }, async (req, reply) => {
    const b = req.body;
    const actor = actorOf(req);
    const now = clock();
    return answerKeyed(req, reply, db, now, (key) => {
      const id = `api:${key}`;
      // A move posted under this key before the hub kept idempotency answers (a database from an older version):
      // a retry that leaves occurredAt out again means the time of the first attempt, not of this one.
      const occurredAt = b.occurredAt ?? getMove(db, id)?.occurredAt ?? isoTs(now);
      const r = postMove(db, {
        id,
        sku: b.sku,
        qty: b.qty,
        from: b.from,
        to: b.to,
        reason: b.reason,
        reference: b.reference ?? null,
        epc: b.epc?.toLowerCase() ?? null,
        unitCost: b.unitCost ?? null,
        actor,
        occurredAt,
        note: b.note,
        ...(b.intoOpenPeriod !== undefined ? { intoOpenPeriod: b.intoOpenPeriod } : {}),
      }, now);
      if (r.status === 'created') recordAudit(db, { actor, action: 'move.post', target: r.move.id, reason: b.note, payload: b, atMs: now });
      return { status: r.status === 'created' ? 201 : 200, body: r.move };
    });
  });

  app.get('/api/v1/valuation', {
    schema: {
      tags: ['stock'],
      summary: 'Inventory value per SKU (equals the sum of its cost layers)',
      querystring: Type.Object({ sku: Type.Optional(Type.String()) }),
      response: {
        200: Type.Object({
          rows: Type.Array(Type.Object({ sku: Type.String(), costMethod: Type.String(), qty: Type.Integer(), value: Type.Number(), averageUnitCost: Type.Union([Type.Number(), Type.Null()]), openLayers: Type.Integer() })),
          totalValue: Type.Number(),
        }),
        ...errors,
      },
    },
  }, async (req) => valuationReport(db, req.query));
}
