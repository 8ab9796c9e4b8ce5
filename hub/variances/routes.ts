// hub/variances — REST: list variances with filters, read one, resolve one (accept / adjust / dismiss).
import { Type, type Static } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../api/actor.js';
import type { ApiContext } from '../api/context.js';
import { ApiError } from '../api/errors.js';
import { errors, Move } from '../api/schemas.js';
import { LedgerError } from '../ledger/index.js';
import { getVariance, listVariances, resolveVariance, RESOLUTIONS, VARIANCE_STATUSES, VARIANCE_TYPES } from './store.js';

const lit = <T extends string>(xs: readonly T[]) => Type.Union(xs.map((x) => Type.Literal(x)));
const N = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const MoveSpecSchema = Type.Object(
  {
    sku: Type.String({ minLength: 1 }),
    qty: Type.Integer({ minimum: 1 }),
    from: Type.String({ minLength: 1 }),
    to: Type.String({ minLength: 1 }),
    reason: Type.String({ minLength: 1 }),
    epc: Type.Optional(Type.Union([Type.String({ pattern: '^[0-9a-fA-F]+$' }), Type.Null()])),
    unitCost: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
    reference: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    eventId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    note: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  },
  { additionalProperties: false },
);

export const VarianceSchema = Type.Object({
  id: Type.Integer(),
  type: Type.String(),
  status: Type.String(),
  door: N(Type.String()),
  reference: N(Type.String()),
  sku: N(Type.String()),
  epc: N(Type.String()),
  expected: Type.Union([Type.Integer(), Type.Null()]),
  actual: Type.Union([Type.Integer(), Type.Null()]),
  message: Type.String(),
  evidence: Type.Array(Type.String()),
  occurrences: Type.Integer(),
  plan: Type.Array(MoveSpecSchema),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  resolvedAt: N(Type.String()),
  resolvedBy: N(Type.String()),
  resolution: N(Type.String()),
  resolutionReason: N(Type.String()),
  resolutionMoves: Type.Array(Type.String()),
});

const ResolveBody = Type.Object(
  {
    action: lit(RESOLUTIONS),
    reason: Type.String({ minLength: 1, maxLength: 2000 }),
    moves: Type.Optional(Type.Array(MoveSpecSchema, { minItems: 1, maxItems: 1000 })),
  },
  { additionalProperties: false },
);

const BulkResolveBody = Type.Object(
  {
    ids: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 500, uniqueItems: true }),
    action: Type.Union([Type.Literal('accept'), Type.Literal('dismiss')]),
    reason: Type.String({ minLength: 1, maxLength: 2000 }),
  },
  { additionalProperties: false },
);

const BulkResult = Type.Object({
  id: Type.Integer(),
  ok: Type.Boolean(),
  status: Type.Optional(Type.String({ description: 'the variance status after resolving (ok)' })),
  moves: Type.Optional(Type.Integer({ description: 'moves posted (ok)' })),
  message: Type.Optional(Type.String({ description: 'why it was not resolved (not ok)' })),
});

export async function variancesRoutes(fastify: FastifyInstance, ctx: ApiContext): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const idParam = Type.Object({ id: Type.Integer({ minimum: 1 }) });

  app.get('/api/v1/variances', {
    schema: {
      tags: ['variances'],
      summary: 'Variances, oldest first (or order=newest), with filters (status, type, door, reference, since) and an id cursor (after: the last id of the previous page)',
      querystring: Type.Object({
        status: Type.Optional(lit(VARIANCE_STATUSES)),
        type: Type.Optional(lit(VARIANCE_TYPES)),
        door: Type.Optional(Type.String()),
        reference: Type.Optional(Type.String()),
        since: Type.Optional(Type.String({ format: 'date-time' })),
        after: Type.Optional(Type.Integer({ minimum: 0 })),
        order: Type.Optional(Type.Union([Type.Literal('oldest'), Type.Literal('newest')])),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
      }),
      response: { 200: Type.Object({ variances: Type.Array(VarianceSchema) }), ...errors },
    },
  }, async (req) => ({ variances: listVariances(ctx.db, req.query) }));

  app.get('/api/v1/variances/:id', {
    schema: { tags: ['variances'], summary: 'One variance', params: idParam, response: { 200: VarianceSchema, ...errors } },
  }, async (req) => {
    const { id } = req.params;
    const v = getVariance(ctx.db, id);
    if (!v) throw new ApiError(404, `variance ${id} does not exist`, 'id');
    return v;
  });

  app.post('/api/v1/variances/:id/resolve', {
    schema: {
      tags: ['variances'],
      summary: 'Resolve a variance once: accept (posts its plan, e.g. receives held extra units), adjust (posts the moves given), dismiss (posts nothing)',
      params: idParam,
      body: ResolveBody,
      response: { 200: Type.Object({ variance: VarianceSchema, moves: Type.Array(Move) }), ...errors },
    },
  }, async (req) => {
    const { id } = req.params;
    const body = req.body;
    return resolveVariance(ctx.db, id, { action: body.action, reason: body.reason, moves: body.moves?.map((m) => ({ ...m, reason: m.reason as never, epc: m.epc?.toLowerCase() ?? null })) }, actorOf(req), ctx.clock());
  });

  app.post('/api/v1/variances/resolve', {
    schema: {
      tags: ['variances'],
      summary: 'Resolve many variances with one action and one reason; each on its own (one refused, e.g. already resolved, leaves the others resolved), with a result per id',
      body: BulkResolveBody,
      response: { 200: Type.Object({ results: Type.Array(BulkResult), resolved: Type.Integer(), failed: Type.Integer() }), ...errors },
    },
  }, async (req) => {
    const body = req.body;
    const actor = actorOf(req);
    const results = body.ids.map((id): Static<typeof BulkResult> => {
      const v = getVariance(ctx.db, id);
      if (body.action === 'accept' && v?.status === 'open' && v.plan.length === 0) {
        return { id, ok: false, message: `variance ${id} (${v.type}) has nothing to accept: accepting would post no move; dismiss it with a reason instead` };
      }
      try {
        const r = resolveVariance(ctx.db, id, { action: body.action, reason: body.reason }, actor, ctx.clock());
        return { id, ok: true, status: r.variance.status, moves: r.moves.length };
      } catch (err) {
        if (err instanceof LedgerError && err.code !== 'invariant') return { id, ok: false, message: err.message };
        throw err;
      }
    });
    const resolved = results.filter((r) => r.ok).length;
    return { results, resolved, failed: results.length - resolved };
  });
}
