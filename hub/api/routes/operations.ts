// hub/api — the floor's view: gateways as they last reported, dead letters, doors (mode, activity, exceptions).
import { Type, type Static } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { DoorMode } from '../../../protocols/events/index.js';
import { recordAudit } from '../../ledger/index.js';
import { actorOf } from '../actor.js';
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { RedriveError } from '../../ingest/store.js';
import { errors } from '../schemas.js';

const Gateway = Type.Object({
  gateway: Type.String(),
  online: Type.Boolean(),
  lastSeenAt: Type.String(),
  lastEventAt: Type.Union([Type.String(), Type.Null()]),
  version: Type.Union([Type.String(), Type.Null()]),
  startedAt: Type.Union([Type.String(), Type.Null()]),
  stream: Type.Union([Type.String(), Type.Null()]),
  readers: Type.Array(Type.Unknown()),
  scanners: Type.Array(Type.Unknown()),
  outbox: Type.Object({ depth: Type.Union([Type.Integer(), Type.Null()]), bytes: Type.Union([Type.Integer(), Type.Null()]), oldestAgeS: Type.Union([Type.Number(), Type.Null()]), dropped: Type.Union([Type.Integer(), Type.Null()]) }),
  clockOffsetMs: Type.Union([Type.Number(), Type.Null()]),
  clockSkewMs: Type.Union([Type.Number(), Type.Null()]),
});
type Gateway = Static<typeof Gateway>;

const Door = Type.Object({
  id: Type.String(),
  mode: Type.String(),
  gateway: Type.String(),
  location: Type.String(),
  receiving: Type.String(),
  stock: Type.String(),
  returns: Type.String(),
  sensor: Type.Union([Type.Literal('open'), Type.Literal('closed'), Type.Null()]),
  sensorAt: Type.Union([Type.String(), Type.Null()]),
  modeSetAt: Type.String(),
  modeSetBy: Type.String(),
});

const Activity = Type.Object({
  seq: Type.Integer(),
  eventId: Type.String(),
  kind: Type.String(),
  door: Type.String(),
  gateway: Type.String(),
  epc: Type.Union([Type.String(), Type.Null()]),
  gtin: Type.Union([Type.String(), Type.Null()]),
  sku: Type.Union([Type.String(), Type.Null()]),
  qty: Type.Integer(),
  direction: Type.Union([Type.String(), Type.Null()]),
  confidence: Type.Union([Type.Number(), Type.Null()]),
  outcome: Type.String(),
  moveId: Type.Union([Type.String(), Type.Null()]),
  message: Type.Union([Type.String(), Type.Null()]),
  occurredAt: Type.String(),
  recordedAt: Type.String(),
});

/** The gateways table as the ingest keeps it. */
export function listGateways(ctx: ApiContext): Gateway[] {
  const rows = ctx.db.prepare('SELECT * FROM gateways ORDER BY gateway').all() as Array<Record<string, unknown>>;
  const json = (v: unknown) => (typeof v === 'string' ? (JSON.parse(v) as unknown[]) : []);
  return rows.map((r) => ({
    gateway: r.gateway as string,
    online: r.online === 1,
    lastSeenAt: r.last_seen_at as string,
    lastEventAt: (r.last_event_at as string | null) ?? null,
    version: (r.version as string | null) ?? null,
    startedAt: (r.started_at as string | null) ?? null,
    stream: (r.stream as string | null) ?? null,
    readers: json(r.readers),
    scanners: json(r.scanners),
    outbox: { depth: (r.outbox_depth as number | null) ?? null, bytes: (r.outbox_bytes as number | null) ?? null, oldestAgeS: (r.outbox_oldest_age_s as number | null) ?? null, dropped: (r.outbox_dropped as number | null) ?? null },
    clockOffsetMs: (r.clock_offset_ms as number | null) ?? null,
    clockSkewMs: (r.clock_skew_ms as number | null) ?? null,
  }));
}

export async function operationsRoutes(instance: FastifyInstance, ctx: ApiContext): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/api/v1/gateways', { schema: { tags: ['operations'], summary: 'Gateways as they last reported', response: { 200: Type.Object({ gateways: Type.Array(Gateway) }) } } }, async () => ({ gateways: listGateways(ctx) }));

  const WireError = Type.Object({ path: Type.String(), message: Type.String() });
  const DeadLetterSummary = Type.Object({
    id: Type.Integer(),
    receivedAt: Type.String(),
    topic: Type.String(),
    gateway: Type.Union([Type.String(), Type.Null()]),
    reason: Type.String(),
    errors: Type.Array(WireError),
    stream: Type.Union([Type.String(), Type.Null()], { description: 'set for a single event of a batch' }),
    seq: Type.Union([Type.Integer(), Type.Null()]),
    eventId: Type.Union([Type.String(), Type.Null()]),
    payloadBytes: Type.Integer({ description: 'size of the payload as received' }),
    payloadSha256: Type.Union([Type.String(), Type.Null()]),
    truncated: Type.Boolean({ description: 'only a prefix of the payload is kept' }),
    retriedAt: Type.Union([Type.String(), Type.Null()]),
    retriedBy: Type.Union([Type.String(), Type.Null()]),
    retryResult: Type.Union([Type.Object({ applied: Type.Integer(), duplicates: Type.Integer(), deadLettered: Type.Integer() }), Type.Null()]),
  });
  const DeadLetter = Type.Intersect([DeadLetterSummary, Type.Object({ payload: Type.String({ description: 'the bytes kept, base64' }) })]);

  app.get('/api/v1/dead-letters', {
    schema: {
      tags: ['operations'],
      summary: 'MQTT payloads (or single events) the hub could not take, newest first, with the reason; pages by id, payloads only with payload=true',
      querystring: Type.Object({
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
        before: Type.Optional(Type.Integer({ minimum: 1, description: 'the next page: ids below this one' })),
        open: Type.Optional(Type.Boolean({ description: 'only those not re-driven' })),
        payload: Type.Optional(Type.Boolean({ description: 'include each kept payload (base64); at most 20 per page' })),
      }),
      response: { 200: Type.Object({ deadLetters: Type.Array(Type.Union([DeadLetter, DeadLetterSummary])), next: Type.Union([Type.Integer(), Type.Null()]) }), ...errors },
    },
  }, async (req) => {
    const q = req.query;
    if (q.payload && (q.limit ?? 20) > 20) throw new ApiError(400, 'limit: at most 20 dead letters per page with payload=true', 'limit');
    const limit = q.limit ?? (q.payload ? 20 : 100);
    const page = ctx.ingest.deadLetterPage({ limit, ...(q.before ? { before: q.before } : {}), ...(q.open ? { open: true } : {}) });
    const deadLetters = q.payload ? page.map((d) => ({ ...d, payload: ctx.ingest.deadLetterById(d.id)!.payload.toString('base64') })) : page;
    return { deadLetters, next: page.length === limit ? page[page.length - 1]!.id : null };
  });

  app.get('/api/v1/dead-letters/:id', {
    schema: { tags: ['operations'], summary: 'One dead letter with the payload kept (base64)', params: Type.Object({ id: Type.Integer({ minimum: 1 }) }), response: { 200: DeadLetter, ...errors } },
  }, async (req) => {
    const { id } = req.params;
    const d = ctx.ingest.deadLetterById(id);
    if (!d) throw new ApiError(404, `dead letter ${id} does not exist`, 'id');
    return { ...d, payload: d.payload.toString('base64') };
  });

  app.post('/api/v1/dead-letters/:id/retry', {
    schema: {
      tags: ['operations'],
      summary: 'Re-drive a dead letter once its cause is fixed (admin): its payload, or the corrected event (or message) in `event`, is validated and applied like a received message, exactly once',
      params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
      body: Type.Optional(Type.Object({ event: Type.Optional(Type.Unknown({ description: 'the corrected event (an event-level dead letter) or the corrected message (a whole one)' })), reason: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false })),
      response: { 200: DeadLetterSummary, ...errors, 422: Type.Object({ statusCode: Type.Integer(), error: Type.String(), message: Type.String(), field: Type.Optional(Type.String()), errors: Type.Array(WireError) }) },
    },
    config: { access: 'admin' },
  }, async (req, reply) => {
    const { id } = req.params;
    const body = (req.body ?? {}) as { event?: unknown; reason?: string };
    const actor = actorOf(req);
    const now = ctx.clock();
    try {
      const done = ctx.db.transaction(() => {
        const r = ctx.ingest.redrive(id, `${actor.kind}:${actor.id}`, body.event, now);
        recordAudit(ctx.db, { actor, action: 'dead-letter.retry', target: String(id), reason: body.reason ?? null, payload: { result: r.retryResult, corrected: body.event !== undefined }, atMs: now });
        return r;
      })();
      ctx.log.info({ component: 'ingest', deadLetter: id, result: done.retryResult, by: done.retriedBy }, 'dead letter re-driven');
      return done;
    } catch (err) {
      if (!(err instanceof RedriveError)) throw err;
      if (err.status === 422) return reply.status(422).send({ statusCode: 422, error: 'Unprocessable Entity', message: err.message, ...(err.errors[0] ? { field: err.errors[0].path } : {}), errors: err.errors });
      throw new ApiError(err.status, err.message, 'id');
    }
  });

  app.get('/api/v1/doors', { schema: { tags: ['doors'], summary: 'Doors: mode, sensor, locations', response: { 200: Type.Object({ doors: Type.Array(Door) }) } } }, async () => ({ doors: ctx.doors.listDoors() }));

  app.put('/api/v1/doors/:id/mode', {
    schema: { tags: ['doors'], summary: "Set a door's mode", params: Type.Object({ id: Type.String() }), body: Type.Object({ mode: DoorMode, reason: Type.Optional(Type.String({ maxLength: 2000 })) }), response: { 200: Door, ...errors } },
  }, async (req) => {
    const { id } = req.params;
    const { mode, reason } = req.body;
    const actor = actorOf(req);
    const now = ctx.clock();
    const door = ctx.db.transaction(() => {
      if (!ctx.doors.setMode(id, mode, `${actor.kind}:${actor.id}`, now)) throw new ApiError(404, `door ${id} is not configured`, 'id');
      recordAudit(ctx.db, { actor, action: 'door.mode', target: id, reason: reason ?? null, payload: { mode }, atMs: now });
      return ctx.doors.getDoor(id)!;
    })();
    if (ctx.sendCommand) {
      await ctx.sendCommand(door.gateway, { cmd: 'door.mode', door: id, mode }).catch((err: unknown) => ctx.log.warn({ err, door: id }, 'door mode hint not delivered to the gateway'));
    }
    return door;
  });

  app.get('/api/v1/doors/:id/activity', {
    schema: { tags: ['doors'], summary: 'Newest passes and scans at a door with what each did', params: Type.Object({ id: Type.String() }), querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }), response: { 200: Type.Object({ activity: Type.Array(Activity) }), ...errors } },
  }, async (req) => {
    const { id } = req.params;
    if (!ctx.doors.getDoor(id)) throw new ApiError(404, `door ${id} is not configured`, 'id');
    return { activity: ctx.doors.recentActivity(id, req.query.limit ?? 50) };
  });

  app.get('/api/v1/exceptions', {
    schema: {
      tags: ['doors'],
      summary: 'Passes the doors could not turn into moves (unknown tags, unknown direction …), oldest first',
      querystring: Type.Object({ door: Type.Optional(Type.String()), after: Type.Optional(Type.Integer({ minimum: 0 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }),
      response: { 200: Type.Object({ exceptions: Type.Array(Type.Object({ id: Type.Integer(), door: Type.String(), eventId: Type.String(), type: Type.String(), sku: Type.Union([Type.String(), Type.Null()]), epc: Type.Union([Type.String(), Type.Null()]), message: Type.String(), createdAt: Type.String() })) }), ...errors },
    },
  }, async (req) => ({ exceptions: ctx.doors.listExceptions(req.query) }));
}
