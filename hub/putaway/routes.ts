// hub/putaway — POST /api/v1/putaway: many units to one location in one request (operator), with an Idempotency-Key.
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../api/actor.js';
import type { ApiContext } from '../api/context.js';
import { answerKeyed } from '../api/idempotency.js';
import { errors, Move } from '../api/schemas.js';
import { putAway } from './putaway.js';

const Unit = Type.Union([
  Type.Object({ epc: Type.String({ pattern: '^[0-9a-fA-F]{24,64}$', description: 'an RFID tag (hex)' }) }, { additionalProperties: false }),
  Type.Object({ sscc: Type.String({ pattern: '^[0-9]{18}$', description: 'a pallet: every EPC its receipt declared on it' }) }, { additionalProperties: false }),
  Type.Object({ gtin: Type.String({ pattern: '^[0-9]{8,14}$' }), serial: Type.String({ minLength: 1, maxLength: 20 }) }, { additionalProperties: false }),
]);

export const PutawayBody = Type.Object(
  {
    to: Type.String({ minLength: 1, description: 'the location every unit goes to' }),
    units: Type.Array(Unit, { minItems: 1, maxItems: 5000 }),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

export function putawayRoutes() {
  return async (instance: FastifyInstance, ctx: ApiContext): Promise<void> => {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    app.post('/api/v1/putaway', {
      schema: {
        tags: ['stock'],
        summary: 'Put units away: EPCs, GTIN + serial, or SSCC pallets to one location, one move per unit, all or nothing; requires an Idempotency-Key header',
        headers: Type.Object({ 'idempotency-key': Type.String({ minLength: 1, maxLength: 200 }) }),
        body: PutawayBody,
        response: {
          200: Type.Object({
            to: Type.String(),
            epcs: Type.Array(Type.String()),
            moves: Type.Array(Move),
            created: Type.Integer({ description: 'moves posted by this request' }),
            replayed: Type.Integer({ description: 'moves already posted under this key by a request the hub answered before it kept idempotency answers (0 otherwise: a retry gets the first answer as it was)' }),
            alreadyThere: Type.Array(Type.String(), { description: 'units already at the location: nothing to move' }),
          }),
          ...errors,
        },
      },
    }, async (req, reply) => {
      const b = req.body;
      const now = ctx.clock();
      return answerKeyed(req, reply, ctx.db, now, (key) => ({ status: 200, body: putAway(ctx.db, { key, to: b.to, units: b.units, note: b.note ?? null }, actorOf(req), now) }));
    });
  };
}
