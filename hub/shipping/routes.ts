// hub/shipping — REST: expected shipments (create idempotent by id, list, read, open at a shipping door, acknowledge
// a red light, close with what is missing).
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../api/actor.js';
import type { ApiContext } from '../api/context.js';
import { ApiError } from '../api/errors.js';
import { errors } from '../api/schemas.js';
import { GoodsLine, Pallet, PalletView } from '../receiving/routes.js';
import { VarianceSchema } from '../variances/routes.js';
import type { DoorSignals } from './signals.js';
import { acknowledgeShipment, closeShipment, createShipment, getShipment, listShipments, openShipment } from './store.js';

const ShipmentBody = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 128, description: 'the shipment (load, delivery) number: its id and idempotency key' }),
    customer: Type.Optional(Type.String({ maxLength: 200 })),
    lines: Type.Array(Type.Omit(GoodsLine, ['unitCost', 'tolerance']), { minItems: 1, maxItems: 10_000 }),
    pallets: Type.Optional(Type.Array(Pallet, { maxItems: 10_000 })),
  },
  { additionalProperties: false },
);

const N = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const ShipmentSchema = Type.Object({
  id: Type.String(),
  customer: N(Type.String()),
  status: Type.String(),
  door: N(Type.String()),
  alarm: Type.Boolean(),
  complete: Type.Boolean(),
  createdAt: Type.String(),
  openedAt: N(Type.String()),
  closedAt: N(Type.String()),
  closedBy: N(Type.String()),
  lines: Type.Array(Type.Object({ line: Type.Integer(), sku: Type.String(), expected: Type.Integer(), shipped: Type.Integer() })),
  epcs: Type.Array(Type.Object({ epc: Type.String(), sku: Type.String(), shipped: Type.Boolean() })),
  pallets: Type.Array(Type.Object({ ...PalletView.properties, seenAt: N(Type.String()) })),
});

export function shippingRoutes(signals: DoorSignals) {
  return async function routes(instance: FastifyInstance, ctx: ApiContext): Promise<void> {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    const { db, clock } = ctx;
    const idParam = Type.Object({ id: Type.String({ minLength: 1 }) });
    const read = (id: string) => {
      const s = getShipment(db, id);
      if (!s) throw new ApiError(404, `shipment ${JSON.stringify(id)} does not exist`, 'id');
      return s;
    };

    app.post('/api/v1/shipments', {
      schema: { tags: ['shipping'], summary: 'Create an expected shipment; idempotent by its id', body: ShipmentBody, response: { 201: ShipmentSchema, 200: ShipmentSchema, ...errors } },
    }, async (req, reply) => {
      const b = req.body;
      const r = createShipment(db, { ...b, customer: b.customer ?? null }, actorOf(req), clock());
      return reply.status(r.status === 'created' ? 201 : 200).send(read(r.id));
    });

    app.get('/api/v1/shipments', {
      schema: {
        tags: ['shipping'],
        summary: 'Shipments, oldest first',
        querystring: Type.Object({ status: Type.Optional(Type.Union([Type.Literal('expected'), Type.Literal('open'), Type.Literal('closed')])), door: Type.Optional(Type.String()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }),
        response: { 200: Type.Object({ shipments: Type.Array(ShipmentSchema) }), ...errors },
      },
    }, async (req) => ({ shipments: listShipments(db, req.query).map(read) }));

    app.get('/api/v1/shipments/:id', { schema: { tags: ['shipping'], summary: 'A shipment with what has left', params: idParam, response: { 200: ShipmentSchema, ...errors } } }, async (req) => read(req.params.id));

    app.post('/api/v1/shipments/:id/open', {
      schema: { tags: ['shipping'], summary: 'Open a shipment at a shipping door: outbound passes there are verified against it', params: idParam, body: Type.Object({ door: Type.String({ minLength: 1 }) }, { additionalProperties: false }), response: { 200: ShipmentSchema, ...errors } },
    }, async (req) => {
      const { id } = req.params;
      openShipment(db, id, req.body.door, actorOf(req), clock());
      return read(id);
    });

    app.post('/api/v1/shipments/:id/acknowledge', {
      schema: { tags: ['shipping'], summary: "Acknowledge the door's red light (the variance stays open until resolved)", params: idParam, body: Type.Optional(Type.Object({ reason: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false })), response: { 200: ShipmentSchema, ...errors } },
    }, async (req) => {
      const { id } = req.params;
      acknowledgeShipment(db, signals, id, actorOf(req), req.body?.reason ?? null, clock());
      return read(id);
    });

    app.post('/api/v1/shipments/:id/close', {
      schema: {
        tags: ['shipping'],
        summary: 'Close a shipment: what did not leave is reported and raised as missing_outbound',
        params: idParam,
        response: { 200: Type.Object({ shipment: ShipmentSchema, missing: Type.Object({ lines: Type.Array(Type.Object({ sku: Type.String(), expected: Type.Integer(), shipped: Type.Integer() })), epcs: Type.Array(Type.String()), pallets: Type.Array(Type.String()) }), variances: Type.Array(VarianceSchema) }), ...errors },
      },
    }, async (req) => closeShipment(db, signals, req.params.id, actorOf(req), clock()));
  };
}
