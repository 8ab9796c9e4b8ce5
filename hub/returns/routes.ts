// hub/returns — REST: book a return at a station, inspect returned units (restock or write off), and the units
// waiting for inspection (too long: flagged).
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../api/actor.js';
import type { ApiContext } from '../api/context.js';
import { answerKeyed } from '../api/idempotency.js';
import { errors, Move } from '../api/schemas.js';
import { bookReturn, inspectReturn, waitingReturns } from './returns.js';

const Units = {
  epc: Type.Optional(Type.String({ pattern: '^([0-9a-fA-F]{2}){4,64}$' })),
  sku: Type.Optional(Type.String({ minLength: 1 })),
  gtin: Type.Optional(Type.String({ pattern: '^\\d{8,14}$' })),
  qty: Type.Optional(Type.Integer({ minimum: 1, description: 'units, a positive whole number (quantity-tracked items)' })),
};
const ReturnBody = Type.Object({ ...Units, location: Type.Optional(Type.String()), reference: Type.Optional(Type.String({ maxLength: 200 })), note: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false });
const InspectionBody = Type.Object(
  { ...Units, from: Type.Optional(Type.String()), disposition: Type.Union([Type.Literal('restock'), Type.Literal('scrap')]), to: Type.Optional(Type.String()), note: Type.String({ minLength: 1, maxLength: 2000 }) },
  { additionalProperties: false },
);
const idem = Type.Object({ 'idempotency-key': Type.String({ minLength: 1, maxLength: 200 }) });


export function returnsRoutes(maxWaitHours: number) {
  return async function routes(instance: FastifyInstance, ctx: ApiContext): Promise<void> {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    app.post('/api/v1/returns', {
      schema: { tags: ['returns'], summary: 'Book returned units into a returns location (awaiting inspection, not sellable); Idempotency-Key required', headers: idem, body: ReturnBody, response: { 201: Move, 200: Move, ...errors } },
    }, async (req, reply) => {
      const now = ctx.clock();
      return answerKeyed(req, reply, ctx.db, now, (key) => {
        const r = bookReturn(ctx.db, { key, ...req.body }, actorOf(req), now);
        return { status: r.status === 'created' ? 201 : 200, body: r.move };
      });
    });

    app.post('/api/v1/returns/inspections', {
      schema: { tags: ['returns'], summary: 'Inspect returned units: restock (→ stock) or scrap (→ write-off, expense booked); Idempotency-Key required', headers: idem, body: InspectionBody, response: { 201: Move, 200: Move, ...errors } },
    }, async (req, reply) => {
      const now = ctx.clock();
      return answerKeyed(req, reply, ctx.db, now, (key) => {
        const r = inspectReturn(ctx.db, { key, ...req.body }, actorOf(req), now);
        return { status: r.status === 'created' ? 201 : 200, body: r.move };
      });
    });

    app.get('/api/v1/returns/waiting', {
      schema: {
        tags: ['returns'],
        summary: 'Returned units awaiting inspection, oldest first; overdue = waiting longer than maxWaitHours (config returns.maxWaitHours)',
        querystring: Type.Object({ maxWaitHours: Type.Optional(Type.Number({ exclusiveMinimum: 0 })) }),
        response: {
          200: Type.Object({
            maxWaitHours: Type.Number(),
            overdue: Type.Integer({ description: 'units waiting too long' }),
            units: Type.Array(Type.Object({ location: Type.String(), sku: Type.String(), epc: Type.Union([Type.String(), Type.Null()]), qty: Type.Integer(), since: Type.String(), ageHours: Type.Number(), overdue: Type.Boolean() })),
          }),
          ...errors,
        },
      },
    }, async (req) => {
      const hours = req.query.maxWaitHours ?? maxWaitHours;
      const units = waitingReturns(ctx.db, hours, ctx.clock());
      return { maxWaitHours: hours, overdue: units.filter((u) => u.overdue).reduce((s, u) => s + u.qty, 0), units };
    });
  };
}
