// hub/counts — REST: start a count (cycle or baseline), add counted lines (JSON or CSV), read, close, and the
// schedule of what to count next by ABC class.
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../api/actor.js';
import type { ApiContext } from '../api/context.js';
import { ApiError } from '../api/errors.js';
import { errors, Move } from '../api/schemas.js';
import type { Db } from '../db/database.js';
import { isoTs } from '../../protocols/events/index.js';
import { LedgerError, VIRTUAL, type AbcClass } from '../ledger/index.js';
import { parseCsv } from '../ledger/csv.js';
import { VarianceSchema } from '../variances/routes.js';
import { schedule, type AbcShares, type EveryDays } from './abc.js';
import { addCountLine, closeCount, getCount, listCounts, startCount, type CountLineInput, type CountSettings } from './store.js';

const N = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const CountSchema = Type.Object({
  id: Type.Integer(),
  location: Type.String(),
  zone: N(Type.String()),
  skus: Type.Union([Type.Array(Type.String()), Type.Null()]),
  baseline: Type.Boolean(),
  forced: Type.Boolean(),
  status: Type.String(),
  note: N(Type.String()),
  createdAt: Type.String(),
  createdBy: Type.String(),
  closedAt: N(Type.String()),
  closedBy: N(Type.String()),
  counted: Type.Array(Type.Object({ sku: Type.String(), qty: Type.Integer(), lines: Type.Integer() })),
  results: Type.Array(Type.Object({ sku: Type.String(), book: Type.Integer(), counted: Type.Integer(), difference: Type.Integer(), withinTolerance: Type.Boolean(), posted: Type.Boolean(), variance: Type.Union([Type.Integer(), Type.Null()]) })),
});

const StartBody = Type.Object(
  {
    location: Type.String({ minLength: 1 }),
    skus: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 10_000 })),
    zone: Type.Optional(Type.String({ minLength: 1, description: 'a count door or read zone whose RFID reads count for this session' })),
    baseline: Type.Optional(Type.Boolean({ description: 'wall-to-wall count that sets the opening balances of the location' })),
    force: Type.Optional(Type.Boolean({ description: 'baseline even though moves are still flowing into the location' })),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
const Line = Type.Object(
  {
    sku: Type.Optional(Type.String({ minLength: 1 })),
    gtin: Type.Optional(Type.String({ pattern: '^\\d{8,14}$' })),
    epc: Type.Optional(Type.String({ pattern: '^([0-9a-fA-F]{2}){4,64}$' })),
    qty: Type.Optional(Type.Integer({ minimum: 0, description: 'counted units, a whole number ≥ 0 (0: looked, found none)' })),
    unitCost: Type.Optional(Type.Integer({ minimum: 0, description: 'baseline: the opening cost per unit (minor units)' })),
  },
  { additionalProperties: false },
);
const LinesBody = Type.Object({ lines: Type.Array(Line, { minItems: 1, maxItems: 100_000 }) }, { additionalProperties: false });

const DAY = 86_400_000;

/** COGS per SKU over the last year, and when each SKU was last counted. */
function scheduleInputs(db: Db, nowMs: number): Array<{ sku: string; abcClass: AbcClass | null; cogs: number; lastCountedAt: number | null }> {
  return db.prepare(`SELECT i.sku, i.abc_class AS abcClass,
      COALESCE((SELECT SUM(m.value_cost) FROM moves m WHERE m.sku = i.sku AND m.to_location = @customer AND m.occurred_ms >= @since), 0) AS cogs,
      (SELECT MAX(r.closed_ms) FROM count_results r WHERE r.sku = i.sku) AS lastCountedAt
      FROM items i ORDER BY i.sku`).all({ customer: VIRTUAL.customer, since: nowMs - 365 * DAY }) as Array<{ sku: string; abcClass: AbcClass | null; cogs: number; lastCountedAt: number | null }>;
}

export function countsRoutes(settings: CountSettings, abc: AbcShares, every: EveryDays) {
  return async function routes(instance: FastifyInstance, ctx: ApiContext): Promise<void> {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    const { db, clock } = ctx;
    const idParam = Type.Object({ id: Type.Integer({ minimum: 1 }) });
    const read = (id: number) => {
      const c = getCount(db, id);
      if (!c) throw new ApiError(404, `count ${id} does not exist`, 'id');
      return c;
    };
    const addAll = (id: number, lines: CountLineInput[], source: 'api' | 'csv', rows?: number[]) =>
      db.transaction(() => {
        read(id);
        let added = 0;
        lines.forEach((l, i) => {
          if (addCountLine(db, id, l, source, null, clock(), rows ? `row ${rows[i]}` : `lines[${i}]`)) added++;
        });
        return { added, repeated: lines.length - added, count: read(id) };
      })();

    app.post('/api/v1/counts', {
      schema: { tags: ['counts'], summary: 'Start a cycle count (a location, optionally some SKUs) or a baseline count (opening balances)', body: StartBody, response: { 201: CountSchema, ...errors } },
    }, async (req, reply) => reply.status(201).send(read(startCount(db, req.body, settings, actorOf(req), clock()))));

    app.get('/api/v1/counts', {
      schema: { tags: ['counts'], summary: 'Counts, oldest first', querystring: Type.Object({ status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('closed')])), location: Type.Optional(Type.String()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }), response: { 200: Type.Object({ counts: Type.Array(CountSchema) }), ...errors } },
    }, async (req) => ({ counts: listCounts(db, req.query).map(read) }));

    app.get('/api/v1/counts/schedule', {
      schema: {
        tags: ['counts'],
        summary: 'What to count next: items due by ABC class (class from COGS share unless the item sets it)',
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })), dueOnly: Type.Optional(Type.Boolean()) }),
        response: { 200: Type.Object({ items: Type.Array(Type.Object({ sku: Type.String(), abcClass: Type.String(), classFrom: Type.String(), lastCountedAt: N(Type.String()), dueAt: Type.String(), due: Type.Boolean(), overdueDays: Type.Integer() })) }), ...errors },
      },
    }, async (req) => {
      const q = req.query;
      const now = clock();
      const items = schedule(scheduleInputs(db, now), abc, every, now).filter((i) => !q.dueOnly || i.due).slice(0, q.limit ?? 100);
      return { items: items.map((i) => ({ ...i, lastCountedAt: i.lastCountedAt === null ? null : isoTs(i.lastCountedAt), dueAt: isoTs(i.dueAt) })) };
    });

    app.get('/api/v1/counts/:id', { schema: { tags: ['counts'], summary: 'A count: what was counted, and after close each SKU\'s result', params: idParam, response: { 200: CountSchema, ...errors } } }, async (req) => read(req.params.id));

    const LinesResult = Type.Object({ added: Type.Integer(), repeated: Type.Integer({ description: 'EPCs already counted in this count' }), count: CountSchema });
    app.post('/api/v1/counts/:id/lines', {
      schema: { tags: ['counts'], summary: 'Add counted lines (an epc, or a sku/gtin with qty); all or nothing', params: idParam, body: LinesBody, response: { 200: LinesResult, ...errors } },
    }, async (req) => addAll(req.params.id, req.body.lines, 'api'));

    app.post('/api/v1/counts/:id/import', {
      schema: { tags: ['counts'], summary: 'Add counted lines from CSV (columns sku, gtin, epc, qty, unit_cost); all or nothing', params: idParam, response: { 200: LinesResult, ...errors } },
    }, async (req) => {
      if (typeof req.body !== 'string') throw new ApiError(415, 'send the counted lines as text/csv');
      const records = parseCsv(req.body);
      const header = records.shift();
      if (!header) throw new ApiError(400, 'the file is empty: expected a header row (sku, gtin, epc, qty, unit_cost)');
      const cols = header.cells.map((c) => c.trim().toLowerCase());
      const unknown = cols.find((c) => !['sku', 'gtin', 'epc', 'qty', 'unit_cost'].includes(c));
      if (unknown !== undefined) throw new ApiError(400, `row ${header.row}: unknown column ${JSON.stringify(unknown)}: columns are sku, gtin, epc, qty, unit_cost`, unknown);
      const cell = (cells: string[], c: string) => {
        const i = cols.indexOf(c);
        const v = i < 0 ? '' : (cells[i] ?? '').trim();
        return v === '' ? undefined : v;
      };
      const num = (row: number, v: string | undefined, c: string) => {
        if (v === undefined) return undefined;
        if (!/^\d+$/.test(v)) throw new LedgerError('invalid', `row ${row}.${c}: must be a whole number of at least 0, got ${JSON.stringify(v)}`, `row ${row}.${c}`);
        return Number(v);
      };
      const lines = records.map((r) => ({ sku: cell(r.cells, 'sku'), gtin: cell(r.cells, 'gtin'), epc: cell(r.cells, 'epc'), qty: num(r.row, cell(r.cells, 'qty'), 'qty'), unitCost: num(r.row, cell(r.cells, 'unit_cost'), 'unit_cost') }));
      return addAll(req.params.id, lines, 'csv', records.map((r) => r.row));
    });

    app.post('/api/v1/counts/:id/close', {
      schema: {
        tags: ['counts'],
        summary: 'Close a count: post count adjustments within tolerance (a baseline posts all), raise count_difference beyond it',
        params: idParam,
        response: { 200: Type.Object({ count: CountSchema, moves: Type.Array(Move), variances: Type.Array(VarianceSchema) }), ...errors },
      },
    }, async (req) => closeCount(db, req.params.id, settings, actorOf(req), clock()));
  };
}
