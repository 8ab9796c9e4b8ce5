// hub/status — GET /health (alive, no auth), GET /ready (database and broker up: 503 when not), GET /api/v1/status
// (everything, with one verdict), and the open exceptions ops resolve from the dashboard.
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../api/actor.js';
import type { ApiContext } from '../api/context.js';
import { ApiError } from '../api/errors.js';
import { errors } from '../api/schemas.js';
import { ExceptionResolutionError, listOpenExceptions, resolveException } from './exceptions.js';
import { Health, Ready, StatusReport } from './schemas.js';
import type { StatusService } from './service.js';

const OpenException = Type.Object({
  id: Type.Integer(),
  door: Type.String(),
  eventId: Type.String(),
  type: Type.String(),
  sku: Type.Union([Type.String(), Type.Null()]),
  epc: Type.Union([Type.String(), Type.Null()]),
  message: Type.String(),
  createdAt: Type.String(),
});

export function statusRoutes(status: StatusService, startedAt: number) {
  return async (instance: FastifyInstance, ctx: ApiContext): Promise<void> => {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    app.get('/health', { schema: { tags: ['status'], summary: 'Liveness: the process answers (no auth)', response: { 200: Health } } }, async () => ({
      status: 'alive' as const,
      uptimeS: Math.max(0, (ctx.clock() - startedAt) / 1000),
    }));

    app.get('/ready', { schema: { tags: ['status'], summary: 'Readiness: database and broker up (503 when not; no auth)', response: { 200: Ready, 503: Ready } } }, async (_req, reply) => {
      const r = status.ready();
      return reply.status(r.ready ? 200 : 503).send(r);
    });

    app.get('/api/v1/status', { schema: { tags: ['status'], summary: 'The whole site at a glance, with one verdict (ok, degraded, down) and the reasons', response: { 200: StatusReport } } }, async () => status.report());

    app.get('/api/v1/exceptions/open', {
      schema: {
        tags: ['doors'],
        summary: 'Door exceptions nobody has resolved yet, newest first',
        querystring: Type.Object({
          door: Type.Optional(Type.String()),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          excludeVariances: Type.Optional(Type.Boolean({ description: 'leave out the types that became variances (resolve those as variances)' })),
        }),
        response: { 200: Type.Object({ exceptions: Type.Array(OpenException) }), ...errors },
      },
    }, async (req) => {
      const q = req.query;
      return { exceptions: listOpenExceptions(ctx.db, { ...q, ...(q.excludeVariances ? { except: status.varianceExceptionTypes() } : {}) }) };
    });

    app.post('/api/v1/exceptions/:id/resolve', {
      schema: {
        tags: ['doors'],
        summary: 'Resolve a door exception (operator): who and why go to the audit trail',
        params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
        body: Type.Object({ note: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ id: Type.Integer(), resolvedAt: Type.String(), resolvedBy: Type.String(), note: Type.String() }), ...errors },
      },
    }, async (req) => {
      const { id } = req.params;
      const { note } = req.body;
      try {
        return resolveException(ctx.db, id, actorOf(req), note, ctx.clock());
      } catch (err) {
        if (err instanceof ExceptionResolutionError) throw new ApiError(err.status, err.message, 'id');
        throw err;
      }
    });
  };
}
