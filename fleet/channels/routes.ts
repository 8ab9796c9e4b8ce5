// fleet/channels — the REST face of fleet channels (a fastify plugin): channels with their sync health, one channel's
// per-SKU state, and orders in, each held at the site that will ship it.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { FleetChannel } from './config.js';
import { FleetOrderError, type FleetOrders } from './orders.js';
import type { FleetChannelSync } from './sync.js';

export interface FleetChannelRoutesOptions {
  channels: readonly FleetChannel[];
  sync: FleetChannelSync;
  orders: FleetOrders;
}

const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const OrderId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:/@#+-]{0,80}$' });
const Line = Type.Object({ sku: Type.String({ minLength: 1 }), qty: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });
const OrderBody = Type.Object(
  {
    orderId: OrderId,
    lines: Type.Array(Line, { minItems: 1, maxItems: 500 }),
    /** sites to try first, in order (e.g. the channel location the order was placed at) */
    preferSites: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 100 })),
  },
  { additionalProperties: false },
);
const CancelBody = Type.Object({ reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })) }, { additionalProperties: false });
const ErrorReply = Type.Object({ statusCode: Type.Integer(), error: Type.String(), message: Type.String(), field: Type.Optional(Type.String()), tried: Type.Optional(Type.Array(Type.Unknown())), sites: Type.Optional(Type.Array(Type.Unknown())) });
const Health = Type.Object({ channel: Type.String(), mode: Type.String(), status: Type.String() }, { additionalProperties: true });
const Tried = Type.Array(Type.Object({ site: Type.String(), outcome: Type.String(), message: Type.Optional(Type.String()) }));
const OrderReply = Type.Object({ channel: Type.String(), orderId: Type.String(), status: Type.String(), site: Type.String(), lines: Type.Array(Line), tried: Tried });

const STATUS: Record<string, number> = { invalid: 400, unknown_sku: 400, not_found: 404, conflict: 409, insufficient_available: 409, site_unreachable: 503 };
const ERROR: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict', 503: 'Service Unavailable' };

function fail(reply: FastifyReply, err: FleetOrderError) {
  const status = STATUS[err.code] ?? 400;
  return reply.code(status).send({ statusCode: status, error: ERROR[status], message: err.message, ...(err.field ? { field: err.field } : {}), ...err.detail });
}

export const fleetChannelRoutes: FastifyPluginAsync<FleetChannelRoutesOptions> = async (app, { channels, sync, orders }) => {
  const byId = new Map(channels.map((c) => [c.id, c]));
  const channelOr404 = (id: string, reply: FastifyReply) => {
    const c = byId.get(id);
    if (!c) void reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `params.id: no channel "${id}"`, field: 'id' });
    return c;
  };

  app.get('/api/v1/channels', {
    schema: { tags: ['channels'], summary: 'Every fleet channel with its sync health', response: { 200: Type.Object({ channels: Type.Array(Type.Object({ id: Type.String(), connector: Type.String(), sell: Type.String(), sites: Type.Array(Type.String()), health: Health })) }) } },
  }, async () => {
    const health = new Map((await sync.health()).map((h) => [h.channel, h]));
    return { channels: channels.map((c) => ({ id: c.id, connector: c.connector, sell: c.sell, sites: c.sites.map((s) => s.site), health: health.get(c.id)! })) };
  });

  app.get<{ Params: Static<typeof Params> }>('/api/v1/channels/:id', {
    schema: { tags: ['channels'], summary: 'One fleet channel: its health and, per SKU (and site in per-site mode), what it should show and what it confirmed', params: Params, response: { 200: Type.Object({ channel: Type.String(), health: Health, skus: Type.Array(Type.Object({}, { additionalProperties: true })) }), 404: ErrorReply } },
  }, async (req, reply) => {
    const c = channelOr404(req.params.id, reply);
    if (!c) return reply;
    return { channel: c.id, health: (await sync.health()).find((h) => h.channel === c.id)!, skus: await sync.rows(c.id) };
  });

  app.post<{ Params: Static<typeof Params>; Body: Static<typeof OrderBody> }>('/api/v1/channels/:id/orders', {
    schema: {
      tags: ['channels'],
      summary: 'A channel order: held in full at the site that will ship it (preferred sites first, then the most available; never a site without enough); the same order id again answers 200 with the same site',
      params: Params,
      body: OrderBody,
      response: { 200: OrderReply, 201: OrderReply, 400: ErrorReply, 404: ErrorReply, 409: ErrorReply, 503: ErrorReply },
    },
  }, async (req, reply) => {
    const c = channelOr404(req.params.id, reply);
    if (!c) return reply;
    try {
      const r = await orders.place(c, req.body);
      return reply.code(r.status === 'created' ? 201 : 200).send({ channel: c.id, orderId: req.body.orderId, ...r });
    } catch (err) {
      if (err instanceof FleetOrderError) return fail(reply, err);
      throw err;
    }
  });

  app.post<{ Params: Static<typeof Params> & { orderId: string }; Body: Static<typeof CancelBody> }>('/api/v1/channels/:id/orders/:orderId/cancel', {
    schema: { tags: ['channels'], summary: 'A cancelled order: its holds are released at its site', params: Type.Object({ id: Params.properties.id, orderId: OrderId }), body: CancelBody, response: { 200: Type.Object({ channel: Type.String(), orderId: Type.String(), site: Type.Union([Type.String(), Type.Null()]), state: Type.String() }), 404: ErrorReply, 503: ErrorReply } },
  }, async (req, reply) => {
    const c = channelOr404(req.params.id, reply);
    if (!c) return reply;
    try {
      return { channel: c.id, orderId: req.params.orderId, ...(await orders.cancel(c, req.params.orderId, req.body.reason ?? 'order cancelled')) };
    } catch (err) {
      if (err instanceof FleetOrderError) return fail(reply, err);
      throw err;
    }
  });
};
