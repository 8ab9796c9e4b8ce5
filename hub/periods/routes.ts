// hub/periods — REST: the closed period (GET /api/v1/periods) and closing one (POST /api/v1/periods/close, admin),
// the same close as `dockgate-hub close-period`. The close runs to the end before it answers (a full check, the
// snapshot, the archive batches, the vacuum): the hub's event loop waits for it, as it waits for any admin write.
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { isoTs } from '../../protocols/events/index.js';
import { actorOf } from '../api/actor.js';
import type { ApiContext } from '../api/context.js';
import { ApiError } from '../api/errors.js';
import { errors } from '../api/schemas.js';
import { recordAudit } from '../ledger/index.js';
import { closePeriod, PeriodCloseRefused, readPeriodState } from './index.js';

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

export async function periodRoutes(instance: FastifyInstance, ctx: ApiContext): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/api/v1/periods', { schema: { tags: ['stock'], summary: 'The closed period of the ledger', response: { 200: PeriodState } } }, async () =>
    stateOf(ctx),
  );

  app.post(
    '/api/v1/periods/close',
    {
      schema: {
        tags: ['stock'],
        summary:
          'Close the ledger through a date (admin): snapshot balances and cost layers, archive the closed moves; 409 names what holds it back (a downstream cursor, check differences)',
        body: Type.Object(
          { through: Type.String({ format: 'date-time' }), reason: Type.Optional(Type.String({ maxLength: 2000 })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            action: Type.String(),
            period: Type.Union([Type.String(), Type.Null()]),
            archivedMoves: Type.Integer(),
            bytesBefore: Type.Integer(),
            bytesAfter: Type.Integer(),
            state: PeriodState,
          }),
          ...errors,
        },
      },
      config: { access: 'admin' },
    },
    async (req) => {
      const body = req.body;
      const throughMs = Date.parse(body.through);
      if (!Number.isFinite(throughMs)) throw new ApiError(400, `body/through ${body.through} is not a date-time`, 'through');
      const now = ctx.clock();
      const actor = actorOf(req);
      try {
        const r = closePeriod(ctx.db, { throughMs, nowMs: now, log: ctx.log });
        if (r.plan.action === 'close' || r.plan.action === 'resume') {
          recordAudit(ctx.db, {
            actor,
            action: 'period.close',
            target: r.plan.period,
            reason: body.reason ?? null,
            payload: { through: body.through, archivedMoves: r.archive.moves },
            atMs: now,
          });
        }
        const period = r.plan.action === 'refuse' ? null : r.plan.period;
        return {
          action: r.plan.action,
          period,
          archivedMoves: r.archive.moves,
          bytesBefore: r.archive.bytesBefore,
          bytesAfter: r.archive.bytesAfter,
          state: stateOf(ctx),
        };
      } catch (err) {
        if (err instanceof PeriodCloseRefused) throw new ApiError(409, err.message, 'through');
        throw err;
      }
    },
  );
}
