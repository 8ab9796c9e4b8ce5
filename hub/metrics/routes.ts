// hub/metrics — GET /metrics: the Prometheus text exposition (viewer token when tokens are configured).
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { HubMetrics } from './metrics.js';

export function metricsRoutes(metrics: HubMetrics) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/metrics', {
      schema: { tags: ['status'], summary: 'Prometheus metrics (text exposition format 0.0.4)', produces: ['text/plain'], response: { 200: { content: { 'text/plain': { schema: Type.String() } } } } },
    }, async (_req, reply) => {
      const text = await metrics.render();
      return reply.header('content-type', metrics.contentType).send(text);
    });
  };
}
