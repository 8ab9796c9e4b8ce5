// hub/partners — REST: POST /api/v1/inbound/edi (one X12 or EDIFACT interchange, all or nothing), the stored
// interchanges with their problems and acks, and the delivery outbox.
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../api/actor.js';
import type { ApiContext } from '../api/context.js';
import { ApiError } from '../api/errors.js';
import { errors } from '../api/schemas.js';
import type { PartnersConfig } from './config.js';
import { importInterchange } from './inbound.js';
import type { PartnerOutbox } from './outbox.js';

const ProblemSchema = Type.Object({ at: Type.String(), level: Type.String(), group: Type.Optional(Type.Integer()), set: Type.Optional(Type.Integer()), segment: Type.String(), position: Type.Optional(Type.Integer()), element: Type.Optional(Type.Integer()), component: Type.Optional(Type.Integer()), code: Type.String(), problem: Type.String() });
const ImportSchema = Type.Object({
  status: Type.Union([Type.Literal('applied'), Type.Literal('rejected'), Type.Literal('exists')]),
  interchange: Type.Union([Type.Integer(), Type.Null()]),
  sender: Type.Union([Type.String(), Type.Null()]),
  control: Type.Union([Type.String(), Type.Null()]),
  documents: Type.Array(Type.Object({ type: Type.String(), kind: Type.String(), number: Type.String(), receipt: Type.String(), created: Type.Boolean() })),
  problems: Type.Array(ProblemSchema),
  ack: Type.Union([Type.Object({ type: Type.String(), text: Type.String() }), Type.Null()]),
});

export function partnerRoutes(config: PartnersConfig, outbox: () => PartnerOutbox) {
  return async (instance: FastifyInstance, ctx: ApiContext): Promise<void> => {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    app.addContentTypeParser(['application/edi-x12', 'application/edifact', 'application/edi'], { parseAs: 'string' }, (_req, body, done) => done(null, body));
    app.post('/api/v1/inbound/edi', {
      schema: {
        tags: ['partners'],
        summary: 'Import one EDI interchange (X12 856 / 850, EDIFACT DESADV / ORDERS) as expected receipts, all or nothing; 201 applied, 200 exists (same sender and control number), 422 rejected with its problems and ack',
        response: { 201: ImportSchema, 200: ImportSchema, 422: ImportSchema, ...errors },
      },
    }, async (req, reply) => {
      if (typeof req.body !== 'string') throw new ApiError(415, 'send the interchange as text/plain, application/edi-x12 or application/edifact');
      const r = importInterchange(ctx.db, req.body, { config, source: 'api', actor: actorOf(req), nowMs: ctx.clock() });
      return reply.status(r.status === 'applied' ? 201 : r.status === 'exists' ? 200 : 422).send(r);
    });

    app.get('/api/v1/inbound/edi/:id', {
      schema: { tags: ['partners'], summary: 'A received interchange: status, problems, the ack we made, the documents it created', params: Type.Object({ id: Type.Integer({ minimum: 1 }) }), response: { 200: Type.Object({}, { additionalProperties: true }), ...errors } },
    }, async (req) => {
      const { id } = req.params;
      const r = ctx.db.prepare('SELECT id, syntax, sender, control, partner, source, status, problems, ack_type, ack, received_ms FROM edi_interchanges WHERE id = ?').get(id) as Record<string, unknown> | undefined;
      if (!r) throw new ApiError(404, `interchange ${id} does not exist`, 'id');
      const docs = ctx.db.prepare('SELECT set_control, type, receipt, document FROM edi_documents WHERE interchange = ?').all(id) as Array<{ set_control: string; type: string; receipt: string; document: string }>;
      return { ...r, problems: JSON.parse(r.problems as string), receivedAt: new Date(r.received_ms as number).toISOString(), documents: docs.map((d) => ({ setControl: d.set_control, type: d.type, receipt: d.receipt, document: JSON.parse(d.document) })) };
    });

    app.get('/api/v1/partners/outbox', {
      schema: {
        tags: ['partners'],
        summary: 'Documents for partners: pending, failing (alertAfter failures in a row) and delivered',
        querystring: Type.Object({ status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('delivered')])), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }),
        response: { 200: Type.Object({ deliveries: Type.Array(Type.Object({}, { additionalProperties: true })) }), ...errors },
      },
    }, async (req) => ({ deliveries: outbox().list(req.query) }));
  };
}
