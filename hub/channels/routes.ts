// hub/channels — the REST face of channel sync (a fastify plugin): channel list and health, forced resync, orders in
// as reservations, and Shopify's orders/create webhook with its HMAC checked over the raw body.
import { Type, type Static } from '@sinclair/typebox';
import type {} from '@fastify/swagger'; // schema.tags / schema.summary
import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import { actorOf } from '../api/actor.js';
import type { Db } from '../db/database.js';
import { recordAudit, type Actor } from '../ledger/index.js';
import { ChannelConfigError, ChannelConfigSchema, publicChannelConfig, type ChannelConfig } from '../../protocols/channels/config.js';
import { saveChannelConfig } from './store.js';
import {
  cancelChannelOrder,
  ChannelOrderError,
  createChannelOrder,
  fleetOrderChannel,
  shopifyOrderId,
  shopifyOrderLines,
  verifyShopifyHmac,
  type ReservationsPort,
  type ShopifyOrderPayload,
} from './orders.js';
import type { ChannelSync } from './sync.js';
import { systemRuntime } from '../../runtime/runtime.js';

export interface ChannelRoutesOptions {
  sync: ChannelSync;
  reservations: ReservationsPort;
  now?: () => number;
  /** the hub's database: with it, PUT/DELETE /channels/:id configure channels (stored in channel_configs, audited) */
  db?: Db;
}

const ChannelParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const OrderId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:/@#+-]{0,80}$' });
export const ChannelOrderBody = Type.Object(
  {
    orderId: OrderId,
    lines: Type.Array(Type.Object({ sku: Type.String({ minLength: 1 }), qty: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }), { minItems: 1, maxItems: 500 }),
    /** how long the hold lasts if never shipped; default 14 days */
    holdMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 90 * 24 * 60 })),
  },
  { additionalProperties: false },
);
export const CancelOrderBody = Type.Object(
  { skus: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 500 }), reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })) },
  { additionalProperties: false },
);
/** PUT body: a channel as in hub.yaml; the id comes from the path (if given in the body it must match). */
export const ChannelPutBody = Type.Object({ ...ChannelConfigSchema.properties, id: Type.Optional(ChannelConfigSchema.properties.id) }, { additionalProperties: false });
const ErrorReply = Type.Object({ statusCode: Type.Integer(), error: Type.String(), message: Type.String(), field: Type.Optional(Type.String()) });

// Response schemas (the OpenAPI contract; hub/openapi checks every route has one). Health and config are open objects.
const HealthReply = Type.Object({ channel: Type.String(), mode: Type.String(), status: Type.String() }, { additionalProperties: true });
const Reservations = Type.Array(Type.Object({ id: Type.String(), sku: Type.String(), qty: Type.Integer() }));
const ChannelList = Type.Object({ channels: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), connector: Type.String(), mode: Type.String(), health: HealthReply })) });
const ChannelOne = Type.Object({ channel: Type.Object({ id: Type.String() }, { additionalProperties: true }), health: HealthReply, skus: Type.Optional(Type.Array(Type.Object({}, { additionalProperties: true }))) });
const ResyncReply = Type.Object({ channel: Type.String(), queued: Type.Integer(), drifted: Type.Optional(Type.Integer()) });
const OrderReply = Type.Object({ channel: Type.String(), orderId: Type.String(), status: Type.Union([Type.Literal('created'), Type.Literal('exists')]), reservations: Reservations });
const CancelReply = Type.Object({ channel: Type.String(), orderId: Type.String(), reservations: Type.Array(Type.Object({ id: Type.String(), state: Type.Optional(Type.String()), error: Type.Optional(Type.String()) })) });
const PutReply = Type.Object({ channel: Type.Object({ id: Type.String() }, { additionalProperties: true }), created: Type.Boolean() });
const ModeBody = Type.Object({ mode: ChannelConfigSchema.properties.mode }, { additionalProperties: false });
const ModeReply = Type.Object({ channel: Type.String(), mode: Type.String(), changed: Type.Boolean() });
const DeleteReply = Type.Object({ channel: Type.String(), removed: Type.Boolean() });
const WebhookReply = Type.Object({ status: Type.String(), reason: Type.Optional(Type.String()), code: Type.Optional(Type.String()), message: Type.Optional(Type.String()), reservations: Type.Optional(Reservations), ignored: Type.Unknown() });

const STATUS_OF: Record<string, number> = { invalid: 400, unknown_sku: 400, not_found: 400, insufficient_available: 409, conflict: 409, reservation_state: 409 };

function replyError(reply: FastifyReply, status: number, message: string, field?: string) {
  const error = status === 404 ? 'Not Found' : status === 409 ? 'Conflict' : status === 401 ? 'Unauthorized' : 'Bad Request';
  return reply.code(status).send({ statusCode: status, error, message, ...(field ? { field } : {}) });
}

type OrderDeps = Parameters<typeof createChannelOrder>[0];

/** Hold every line of a channel's order (all or nothing): 201 made, 200 the same order again, 4xx naming the field. */
function placeOrder(deps: OrderDeps, channel: Parameters<typeof createChannelOrder>[1], body: Static<typeof ChannelOrderBody>, reply: FastifyReply) {
  try {
    const r = createChannelOrder(deps, channel, { orderId: body.orderId, lines: body.lines, ...(body.holdMinutes ? { holdMs: body.holdMinutes * 60_000 } : {}) });
    return reply.code(r.status === 'created' ? 201 : 200).send({ channel: channel.id, orderId: body.orderId, ...r });
  } catch (err) {
    if (!(err instanceof ChannelOrderError)) throw err;
    return replyError(reply, STATUS_OF[err.code] ?? 400, `body.${err.message}`, err.field);
  }
}

export const channelRoutes: FastifyPluginAsync<ChannelRoutesOptions> = async (app: FastifyInstance, opts) => {
  const { sync, reservations } = opts;
  const now = opts.now ?? systemRuntime.now;
  const deps = { reservations, markDirty: (sku: string) => sync.markDirty(sku), now };

  const channelOr404 = (id: string, reply: FastifyReply): ChannelConfig | undefined => {
    const c = sync.config(id);
    if (!c) void replyError(reply, 404, `params.id: no channel "${id}"`, 'id');
    return c;
  };

  app.get('/api/v1/channels', { schema: { tags: ['channels'], summary: 'Every channel with its sync health', response: { 200: ChannelList } } }, async () => ({
    channels: sync.health().map((h) => ({ id: h.channel, name: sync.config(h.channel)!.name ?? h.channel, connector: sync.config(h.channel)!.connector, mode: h.mode, health: h })),
  }));

  app.get<{ Params: Static<typeof ChannelParams>; Querystring: { skus?: boolean } }>(
    '/api/v1/channels/:id',
    {
      schema: {
        tags: ['channels'],
        summary: 'One channel: configuration (without credentials), health, and optionally per-SKU sync state',
        params: ChannelParams,
        querystring: Type.Object({ skus: Type.Optional(Type.Boolean()) }),
        response: { 200: ChannelOne, 404: ErrorReply },
      },
    },
    async (req, reply) => {
      const c = channelOr404(req.params.id, reply);
      if (!c) return reply;
      return {
        channel: publicChannelConfig(c),
        health: sync.health(c.id)[0],
        ...(req.query.skus ? { skus: sync.store.rows(c.id).slice(0, 10_000) } : {}),
      };
    },
  );

  app.post<{ Params: Static<typeof ChannelParams>; Querystring: { verify?: boolean } }>(
    '/api/v1/channels/:id/resync',
    {
      schema: {
        tags: ['channels'],
        summary: 'Push every SKU of the channel again, even those it already confirmed; ?verify=true first reads what the channel shows',
        params: ChannelParams,
        querystring: Type.Object({ verify: Type.Optional(Type.Boolean()) }),
        response: { 202: ResyncReply, 404: ErrorReply },
      },
    },
    async (req, reply) => {
      const c = channelOr404(req.params.id, reply);
      if (!c) return reply;
      const { queued, drifted } = await sync.reconcile({ channel: c.id, force: true, verify: req.query.verify === true });
      return reply.code(202).send({ channel: c.id, queued, ...(req.query.verify ? { drifted } : {}) });
    },
  );

  app.post<{ Params: Static<typeof ChannelParams>; Body: Static<typeof ChannelOrderBody> }>(
    '/api/v1/channels/:id/orders',
    {
      schema: {
        tags: ['channels'],
        summary: 'A channel order: reserves every line (all or nothing) so all channels drop their availability at once',
        params: ChannelParams,
        body: ChannelOrderBody,
        response: { 200: OrderReply, 201: OrderReply, 400: ErrorReply, 404: ErrorReply, 409: ErrorReply },
      },
    },
    async (req, reply) => {
      const c = channelOr404(req.params.id, reply);
      if (!c) return reply;
      return placeOrder(deps, c, req.body, reply);
    },
  );

  app.post<{ Params: Static<typeof ChannelParams> & { orderId: string }; Body: Static<typeof CancelOrderBody> }>(
    '/api/v1/channels/:id/orders/:orderId/cancel',
    {
      schema: {
        tags: ['channels'],
        summary: 'A cancelled channel order: voids its holds',
        params: Type.Object({ id: ChannelParams.properties.id, orderId: OrderId }),
        body: CancelOrderBody,
        response: { 200: CancelReply, 404: ErrorReply },
      },
    },
    async (req, reply) => {
      const c = channelOr404(req.params.id, reply);
      if (!c) return reply;
      return { channel: c.id, orderId: req.params.orderId, reservations: cancelChannelOrder(deps, c, req.params.orderId, req.body.skus, req.body.reason) };
    },
  );

  fleetOrderRoutes(app, deps);

  const db = opts.db;
  if (db) {
    /** Persist a channel's new config (credentials included) and audit it, in one transaction. */
    const stored = (actor: Actor, action: string, payload: (c: ChannelConfig) => unknown) => (c: ChannelConfig) =>
      db.transaction(() => {
        const at = now();
        saveChannelConfig(db, c.id, c, at, `${actor.kind}:${actor.id}`);
        recordAudit(db, { actor, action, target: c.id, payload: payload(c), atMs: at });
      })();

    app.put<{ Params: Static<typeof ChannelParams>; Body: Static<typeof ChannelPutBody> }>(
      '/api/v1/channels/:id',
      {
        schema: {
          tags: ['channels'],
          summary: 'Add a channel or replace its configuration (as in hub.yaml; credentials are stored, never returned); it is reconciled at once',
          params: ChannelParams,
          body: ChannelPutBody,
          response: { 200: PutReply, 201: PutReply, 400: ErrorReply },
        },
      },
      async (req, reply) => {
        const id = req.params.id;
        if (req.body.id !== undefined && req.body.id !== id) return replyError(reply, 400, `body.id: "${req.body.id}" differs from the path's "${id}"`, 'id');
        const created = !sync.config(id);
        const actor = actorOf(req);
        let cfg: ChannelConfig;
        try {
          cfg = await sync.upsertChannel({ ...req.body, id }, { where: 'body', commit: stored(actor, created ? 'channel.create' : 'channel.update', publicChannelConfig) });
        } catch (err) {
          if (!(err instanceof ChannelConfigError)) throw err;
          return replyError(reply, 400, err.message, err.field);
        }
        return reply.code(created ? 201 : 200).send({ channel: publicChannelConfig(cfg), created });
      },
    );

    app.post<{ Params: Static<typeof ChannelParams>; Body: Static<typeof ModeBody> }>(
      '/api/v1/channels/:id/mode',
      {
        schema: {
          tags: ['channels'],
          summary: 'Switch a channel between shadow (reads what the channel shows, pushes nothing) and live (pushes); stored and audited like a PUT',
          params: ChannelParams,
          body: ModeBody,
          response: { 200: ModeReply, 400: ErrorReply, 404: ErrorReply },
        },
      },
      async (req, reply) => {
        const c = channelOr404(req.params.id, reply);
        if (!c) return reply;
        const mode = req.body.mode;
        if (c.mode === mode) return { channel: c.id, mode, changed: false };
        const actor = actorOf(req);
        await sync.upsertChannel({ ...c, mode }, { where: 'body', commit: stored(actor, 'channel.mode', () => ({ from: c.mode, to: mode })) });
        return { channel: c.id, mode, changed: true };
      },
    );

    app.delete<{ Params: Static<typeof ChannelParams> }>(
      '/api/v1/channels/:id',
      {
        schema: {
          tags: ['channels'],
          summary: 'Stop syncing a channel (file or REST configured); its sync history is kept',
          params: ChannelParams,
          response: { 200: DeleteReply, 404: ErrorReply },
        },
      },
      async (req, reply) => {
        const c = channelOr404(req.params.id, reply);
        if (!c) return reply;
        const actor = actorOf(req);
        await sync.removeChannel(c.id, {
          commit: () =>
            db.transaction(() => {
              const at = now();
              saveChannelConfig(db, c.id, null, at, `${actor.kind}:${actor.id}`);
              recordAudit(db, { actor, action: 'channel.remove', target: c.id, atMs: at });
            })(),
        });
        return { channel: c.id, removed: true };
      },
    );
  }

  // Shopify signs the exact bytes it sent: this route gets the raw body, so it lives in its own context.
  await app.register(async (raw) => {
    raw.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    raw.post<{ Params: { channel: string }; Body: Buffer }>(
      '/webhooks/shopify/:channel/orders-create',
      { schema: { tags: ['channels'], summary: 'Shopify orders/create webhook (X-Shopify-Hmac-Sha256 verified)', params: Type.Object({ channel: Type.String({ minLength: 1, maxLength: 64 }) }), response: { 200: WebhookReply, 400: ErrorReply, 401: ErrorReply, 404: ErrorReply } } },
      async (req, reply) => {
        const c = sync.config(req.params.channel);
        if (!c || c.connector !== 'shopify') return replyError(reply, 404, `params.channel: no Shopify channel "${req.params.channel}"`, 'channel');
        const secret = c.shopify?.webhookSecret;
        if (!secret) return replyError(reply, 404, `channel ${c.id} has no shopify.webhookSecret configured`, 'channel');
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const hmac = req.headers['x-shopify-hmac-sha256'];
        if (!verifyShopifyHmac(body, typeof hmac === 'string' ? hmac : undefined, secret)) {
          req.log.warn({ channel: c.id }, 'shopify webhook with a bad or missing HMAC refused');
          return replyError(reply, 401, 'headers.x-shopify-hmac-sha256: missing or does not match the body', 'x-shopify-hmac-sha256');
        }
        let order: ShopifyOrderPayload;
        try {
          order = JSON.parse(body.toString('utf8')) as ShopifyOrderPayload;
        } catch {
          return replyError(reply, 400, 'body: not JSON', 'body');
        }
        if (order === null || typeof order !== 'object' || (typeof order.id !== 'number' && typeof order.id !== 'string') || !Array.isArray(order.line_items)) {
          return replyError(reply, 400, 'body: an orders/create payload needs id and line_items', 'body.id');
        }
        const { lines, ignored } = shopifyOrderLines(c, order);
        if (!lines.length) return reply.send({ status: 'ignored', reason: 'no line sells a SKU of this channel', ignored });
        try {
          const r = createChannelOrder(deps, c, { orderId: shopifyOrderId(order), lines });
          return reply.send({ status: r.status, reservations: r.reservations, ignored });
        } catch (err) {
          if (!(err instanceof ChannelOrderError)) throw err;
          // Answering 2xx: Shopify retrying would not create stock. The oversell needs a person: log it loudly.
          req.log.error({ channel: c.id, order: shopifyOrderId(order), code: err.code, error: err.message }, 'shopify order could not be reserved');
          return reply.send({ status: 'rejected', code: err.code, message: err.message, ignored });
        }
      },
    );
  });
};

// dockgate-fleet routes a fleet channel's order to the site that will ship it and holds it here: the same all-or-
// nothing holds as a hub channel's order, under `fleet:<channel>`, idempotent by order id (docs/fleet.md, Channels).
function fleetOrderRoutes(app: FastifyInstance, deps: OrderDeps): void {
  const FleetParams = Type.Object({ channel: ChannelParams.properties.id });
  app.post<{ Params: Static<typeof FleetParams>; Body: Static<typeof ChannelOrderBody> }>(
    '/api/v1/fleet-channels/:channel/orders',
    {
      schema: {
        tags: ['channels'],
        summary: 'A fleet channel\'s order routed to this site: reserves every line here (all or nothing); the same order again answers 200',
        params: FleetParams,
        body: ChannelOrderBody,
        response: { 200: OrderReply, 201: OrderReply, 400: ErrorReply, 409: ErrorReply },
      },
    },
    async (req, reply) => {
      return placeOrder(deps, fleetOrderChannel(req.params.channel), req.body, reply);
    },
  );
  app.post<{ Params: Static<typeof FleetParams> & { orderId: string }; Body: Static<typeof CancelOrderBody> }>(
    '/api/v1/fleet-channels/:channel/orders/:orderId/cancel',
    {
      schema: {
        tags: ['channels'],
        summary: 'A fleet channel\'s order cancelled (or routed elsewhere): voids its holds here',
        params: Type.Object({ channel: ChannelParams.properties.id, orderId: OrderId }),
        body: CancelOrderBody,
        response: { 200: CancelReply },
      },
    },
    async (req) => {
      const channel = fleetOrderChannel(req.params.channel);
      return { channel: channel.id, orderId: req.params.orderId, reservations: cancelChannelOrder(deps, channel, req.params.orderId, req.body.skus, req.body.reason) };
    },
  );
}
