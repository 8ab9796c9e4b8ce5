// hub/epcis — GET /api/v1/epcis/events: the doors' observations as an EPCIS 2.0 JSON-LD document, oldest first,
// filtered by time, door and bizStep, paged with `after` (the next page's cursor comes in the x-next-after header).
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { isoTs } from '../../protocols/events/index.js';
import type { ApiContext } from '../api/context.js';
import { ApiError } from '../api/errors.js';
import { errors } from '../api/schemas.js';
import { archivedMovesById, archivedSeq } from '../ledger/archive.js';
import type { HubConfig } from '../config/schema.js';
import { epcisDocument, objectEvent, type EpcisEvent, type EpcisSite, type ObservationRow } from './document.js';

const BIZ_STEPS = ['receiving', 'shipping', 'entering_exiting', 'arriving', 'departing', 'cycle_counting'] as const;

// Typed as what epcisDocument() builds (its events are open records); the schema stays GS1's shape for the OpenAPI.
const EpcisDocumentSchema = Type.Unsafe<Record<string, unknown>>(Type.Object(
  {
    '@context': Type.Array(Type.String()),
    type: Type.Literal('EPCISDocument'),
    schemaVersion: Type.String(),
    creationDate: Type.String({ format: 'date-time' }),
    epcisBody: Type.Object({ eventList: Type.Array(Type.Object({ type: Type.Literal('ObjectEvent'), action: Type.String(), eventTime: Type.String() }, { additionalProperties: true })) }),
  },
  { description: 'EPCIS 2.0 EPCISDocument (validates against GS1\'s EPCIS 2.0 JSON Schema)' },
));

/** Observations whose move a closed period archived: the move's facts from the archive (hub/ledger/archive.ts). */
function withArchived(db: ApiContext['db'], rows: Array<ObservationRow & { moveId: string | null }>): ObservationRow[] {
  const missing = rows.filter((r) => r.moveId !== null && r.moveReason === null).map((r) => r.moveId!);
  const archived = archivedMovesById(db, missing);
  return rows.flatMap((r) => {
    const m = r.moveId !== null && r.moveReason === null ? archived.get(r.moveId) : undefined;
    if (r.kind === 'scan' && r.moveReason === null && !m) return [];
    return [m ? { ...r, moveReason: m.reason, moveQty: m.qty, reference: m.reference } : r];
  });
}

export function epcisRoutes(config: HubConfig) {
  const site: EpcisSite = {
    site: config.site,
    sgln: config.sgln,
    doorSglns: new Map(config.doors.filter((d) => d.sgln).map((d) => [d.id, d.sgln!])),
  };
  return async (instance: FastifyInstance, ctx: ApiContext): Promise<void> => {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    const page = ctx.db.prepare(`
      SELECT a.seq, a.event_id AS eventId, a.kind, a.door, a.epc, a.gtin, a.qty, a.direction,
             a.occurred_at AS occurredAt, a.recorded_at AS recordedAt,
             m.reason AS moveReason, m.qty AS moveQty, m.reference, i.uom, a.move_id AS moveId,
             (SELECT g.gtin FROM item_gtins g WHERE g.sku = a.sku ORDER BY g.position LIMIT 1) AS itemGtin
      FROM door_activity a
      LEFT JOIN moves m ON m.id = a.move_id
      LEFT JOIN items i ON i.sku = a.sku
      WHERE a.seq > @after AND a.kind IN ('pass', 'scan')
        AND (@door IS NULL OR a.door = @door) AND (@since IS NULL OR a.occurred_at >= @since)
        AND (a.kind = 'pass' OR (i.tracking = 'quantity' AND (m.id IS NOT NULL OR (a.move_id IS NOT NULL AND @archived > 0))))
      ORDER BY a.seq LIMIT @limit`);
    app.get('/api/v1/epcis/events', {
      schema: {
        tags: ['epcis'],
        summary: 'Door observations as an EPCIS 2.0 JSON-LD document (ObjectEvents); next page: ?after=<x-next-after header>',
        querystring: Type.Object({
          since: Type.Optional(Type.String({ format: 'date-time', description: 'events at or after this time' })),
          door: Type.Optional(Type.String()),
          bizStep: Type.Optional(Type.Union(BIZ_STEPS.map((s) => Type.Literal(s)))),
          after: Type.Optional(Type.Integer({ minimum: 0 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })),
        }),
        response: { 200: { content: { 'application/ld+json': { schema: EpcisDocumentSchema } } }, ...errors },
      },
    }, async (req, reply) => {
      const q = req.query;
      const sinceMs = q.since === undefined ? undefined : Date.parse(q.since);
      if (sinceMs !== undefined && !Number.isFinite(sinceMs)) throw new ApiError(400, `querystring/since ${q.since} is not a date-time`, 'since');
      if (q.door !== undefined && !ctx.doors.getDoor(q.door)) throw new ApiError(404, `door ${q.door} is not configured`, 'door');
      const limit = q.limit ?? 1000;
      const events: EpcisEvent[] = [];
      let after = q.after ?? 0;
      let exhausted = false;
      // bizStep is decided per row, so a filtered page may need several reads.
      while (events.length < limit && !exhausted) {
        const read = page.all({ after, door: q.door ?? null, since: sinceMs === undefined ? null : isoTs(sinceMs), limit, archived: archivedSeq(ctx.db) });
        exhausted = read.length < limit;
        const last = (read[read.length - 1] as ObservationRow | undefined)?.seq;
        const rows = withArchived(ctx.db, read as Array<ObservationRow & { moveId: string | null }>);
        for (const r of rows) {
          after = r.seq;
          const ev = objectEvent(r, site);
          if (ev && (q.bizStep === undefined || ev.bizStep === q.bizStep)) events.push(ev);
          if (events.length >= limit) break;
        }
        // rows left out (a scan whose move is nowhere) still move the page on
        if (events.length < limit && last !== undefined) after = last;
      }
      if (!exhausted) void reply.header('x-next-after', String(after));
      return reply.header('content-type', 'application/ld+json').send(epcisDocument(events, isoTs(ctx.clock())));
    });
  };
}
