// hub/periods — REST: the closed period (GET /api/v1/periods), closing one (POST /api/v1/periods/close, admin) — the
// same close as `dockgate-hub close-period` — and following it (GET /api/v1/periods/close). The POST plans at once:
// a refusal is a 409 naming what holds it back, a period closed already a 200; else the close (a full check, the
// snapshot, the archive batches) runs in the background step by step (job.ts) and the POST answers 202.
import { Type, type TSchema } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { isoTs } from '../../protocols/events/index.js';
import { actorOf } from '../api/actor.js';
import type { ApiContext } from '../api/context.js';
import { ApiError } from '../api/errors.js';
import { errors } from '../api/schemas.js';
import { PeriodCloseRefused, readPeriodState } from './index.js';
import type { PeriodCloser } from './job.js';

const PeriodState = Type.Object({
  period: Type.Union([Type.String(), Type.Null()], { description: 'the last closed period, e.g. start..2026-01-01' }),
  closedThrough: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'moves dated before this are closed' }),
  snapshotSeq: Type.Integer({ description: 'the check replays from the snapshot after this move' }),
  archivedSeq: Type.Integer({ description: 'moves up to this seq are in the archive database' }),
});

function stateOf(ctx: ApiContext) {
  const s = readPeriodState(ctx.db);
  return { period: s.period, closedThrough: s.closedThroughMs === 0 ? null : isoTs(s.closedThroughMs), snapshotSeq: s.snapshotSeq, archivedSeq: s.archivedSeq };
}

const Outcome = Type.Object({
  action: Type.String(),
  period: Type.Union([Type.String(), Type.Null()]),
  archivedMoves: Type.Integer(),
  bytesBefore: Type.Integer(),
  bytesAfter: Type.Integer(),
});

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

const CloseStatus = Type.Object({
  state: Type.Union(['idle', 'running', 'done', 'refused', 'failed', 'stopped'].map((s) => Type.Literal(s))),
  through: Nullable(Type.String()),
  startedAt: Nullable(Type.String()),
  endedAt: Nullable(Type.String()),
  phase: Nullable(Type.String({ description: 'check, snapshot, archive or vacuum' })),
  seq: Nullable(Type.Integer({ description: 'the move seq reached in the phase (vacuum: free pages left)' })),
  steps: Type.Integer(),
  outcome: Nullable(Outcome),
  error: Nullable(Type.String()),
});

export async function periodRoutes(instance: FastifyInstance, ctx: ApiContext, closer: PeriodCloser): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/api/v1/periods', { schema: { tags: ['stock'], summary: 'The closed period of the ledger', response: { 200: PeriodState } } }, async () =>
    stateOf(ctx),
  );

  app.get(
    '/api/v1/periods/close',
    { schema: { tags: ['stock'], summary: 'The period close this hub runs or ran last: state, phase, progress, outcome', response: { 200: CloseStatus } } },
    async () => closer.status(),
  );

  app.post(
    '/api/v1/periods/close',
    {
      schema: {
        tags: ['stock'],
        summary:
          'Close the ledger through a date (admin): snapshot balances and cost layers, archive the closed moves; 202 while it runs (follow GET /api/v1/periods/close), 409 names what holds it back',
        body: Type.Object(
          { through: Type.String({ format: 'date-time' }), reason: Type.Optional(Type.String({ maxLength: 2000 })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Composite([Outcome, Type.Object({ state: PeriodState })]),
          202: Type.Object({ status: CloseStatus, follow: Type.String() }),
          ...errors,
        },
      },
      config: { access: 'admin' },
    },
    async (req, reply) => {
      const body = req.body;
      const throughMs = Date.parse(body.through);
      if (!Number.isFinite(throughMs)) throw new ApiError(400, `body/through ${body.through} is not a date-time`, 'through');
      try {
        const r = closer.start({ throughMs, actor: actorOf(req), reason: body.reason ?? null });
        if (!r.started) return reply.status(200).send({ ...r.outcome, state: stateOf(ctx) });
        return reply.status(202).header('location', FOLLOW).send({ status: r.status, follow: FOLLOW });
      } catch (err) {
        if (err instanceof PeriodCloseRefused) throw new ApiError(409, err.message, 'through');
        throw err;
      }
    },
  );
}

const FOLLOW = '/api/v1/periods/close';
