// hub/api — items and locations: the catalog and the site tree (CRUD and CSV import).
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import {
  createItem,
  createLocation,
  getItem,
  getItemByGtin,
  getLocation,
  importItemsCsv,
  listItems,
  listLocations,
  REAL_LOCATION_KINDS,
  recordAudit,
  updateItem,
  updateLocation,
  VIRTUAL_LOCATION_KINDS,
} from '../../ledger/index.js';
import { actorOf } from '../actor.js';
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { ErrorResponse, errors, Item, Location, oneOf } from '../schemas.js';

const ItemBody = Type.Object({
  sku: Type.String({ minLength: 1, maxLength: 64 }),
  name: Type.String({ minLength: 1, maxLength: 200 }),
  gtins: Type.Optional(Type.Array(Type.String(), { maxItems: 50 })),
  uom: Type.Optional(Type.String({ minLength: 1, maxLength: 16 })),
  tracking: Type.Union([Type.Literal('serial'), Type.Literal('quantity')]),
  costMethod: Type.Optional(Type.Union([Type.Literal('fifo'), Type.Literal('moving_average')])),
  standardCost: Type.Optional(Type.Integer({ minimum: 0 })),
  reorderPoint: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
  abcClass: Type.Optional(Type.Union([Type.Literal('A'), Type.Literal('B'), Type.Literal('C'), Type.Null()])),
});
const ItemPatchBody = Type.Partial(Type.Omit(ItemBody, ['sku']), { minProperties: 1 });
const LocationBody = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  name: Type.String({ minLength: 1, maxLength: 200 }),
  kind: oneOf([...REAL_LOCATION_KINDS, ...VIRTUAL_LOCATION_KINDS]),
  parent: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  allowNegative: Type.Optional(Type.Boolean()),
  sellable: Type.Optional(Type.Boolean()),
});
const LocationPatchBody = Type.Partial(Type.Pick(LocationBody, ['name', 'parent', 'allowNegative', 'sellable']), { minProperties: 1 });
const SkuParams = Type.Object({ sku: Type.String({ minLength: 1 }) });
const IdParams = Type.Object({ id: Type.String({ minLength: 1 }) });

export async function catalogRoutes(instance: FastifyInstance, ctx: ApiContext): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const { db, clock } = ctx;
  const audited = <T>(req: Parameters<typeof actorOf>[0], action: string, target: string, payload: unknown, fn: () => T): T =>
    db.transaction(() => {
      const out = fn();
      recordAudit(db, { actor: actorOf(req), action, target, payload, atMs: clock() });
      return out;
    })();

  app.get('/api/v1/items', {
    schema: {
      tags: ['catalog'],
      summary: 'List items by SKU, paged; or the item a GTIN belongs to (none: an empty list)',
      querystring: Type.Object({
        after: Type.Optional(Type.String()),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
        gtin: Type.Optional(Type.String({ pattern: '^\\d{8,14}$', description: 'a GTIN-8, -12, -13 or -14 (any padding): the item it belongs to' })),
      }),
      response: { 200: Type.Object({ items: Type.Array(Item) }), ...errors },
    },
  }, async (req) => {
    const q = req.query;
    if (q.gtin !== undefined) {
      const item = getItemByGtin(db, q.gtin);
      return { items: item ? [item] : [] };
    }
    return { items: listItems(db, q) };
  });

  app.get('/api/v1/items/:sku', { schema: { tags: ['catalog'], summary: 'One item', params: SkuParams, response: { 200: Item, ...errors } } }, async (req) => {
    const { sku } = req.params;
    const item = getItem(db, sku);
    if (!item) throw new ApiError(404, `item ${sku} not found`, 'sku');
    return item;
  });

  app.post('/api/v1/items', { schema: { tags: ['catalog'], summary: 'Create an item', body: ItemBody, response: { 201: Item, ...errors } } }, async (req, reply) => {
    const body = req.body;
    const item = audited(req, 'item.create', body.sku, body, () => createItem(db, body, clock()));
    return reply.status(201).send(item);
  });

  app.patch('/api/v1/items/:sku', { schema: { tags: ['catalog'], summary: 'Change an item', params: SkuParams, body: ItemPatchBody, response: { 200: Item, ...errors } } }, async (req) => {
    const { sku } = req.params;
    return audited(req, 'item.update', sku, req.body, () => updateItem(db, sku, req.body, clock()));
  });

  app.post('/api/v1/items/import', {
    schema: {
      tags: ['catalog'],
      summary: `Import items from CSV (text/csv body); all rows or none`,
      response: {
        200: Type.Object({ created: Type.Array(Type.String()), updated: Type.Array(Type.String()) }),
        400: Type.Object({ statusCode: Type.Integer(), error: Type.String(), message: Type.String(), field: Type.Optional(Type.String()), rows: Type.Optional(Type.Array(Type.Object({ row: Type.Integer(), column: Type.String(), message: Type.String() }))) }, { description: 'a bad body, or bad cells (rows): nothing imported' }), 415: ErrorResponse,
      },
    },
  }, async (req, reply) => {
    if (typeof req.body !== 'string') throw new ApiError(415, 'send the CSV as the request body with Content-Type: text/csv');
    const text = req.body;
    const result = audited(req, 'item.import', 'items', { bytes: text.length }, () => importItemsCsv(db, text, clock()));
    if (!result.ok) {
      return reply.status(400).send({ statusCode: 400, error: 'Bad Request', message: `${result.errors.length} bad cell(s): nothing imported; first: row ${result.errors[0]!.row} ${result.errors[0]!.column}: ${result.errors[0]!.message}`, rows: result.errors });
    }
    return { created: result.created, updated: result.updated };
  });

  app.get('/api/v1/locations', {
    schema: { tags: ['catalog'], summary: 'List locations', querystring: Type.Object({ kind: Type.Optional(Type.String()), parent: Type.Optional(Type.String()) }), response: { 200: Type.Object({ locations: Type.Array(Location) }), ...errors } },
  }, async (req) => {
    const q = req.query;
    return { locations: listLocations(db, q) };
  });

  app.get('/api/v1/locations/:id', { schema: { tags: ['catalog'], summary: 'One location', params: IdParams, response: { 200: Location, ...errors } } }, async (req) => {
    const { id } = req.params;
    const loc = getLocation(db, id);
    if (!loc) throw new ApiError(404, `location ${id} not found`, 'id');
    return loc;
  });

  app.post('/api/v1/locations', { schema: { tags: ['catalog'], summary: 'Create a location', body: LocationBody, response: { 201: Location, ...errors } } }, async (req, reply) => {
    const body = req.body;
    const loc = audited(req, 'location.create', body.id, body, () => createLocation(db, body, clock()));
    return reply.status(201).send(loc);
  });

  app.patch('/api/v1/locations/:id', { schema: { tags: ['catalog'], summary: 'Change a location', params: IdParams, body: LocationPatchBody, response: { 200: Location, ...errors } } }, async (req) => {
    const { id } = req.params;
    return audited(req, 'location.update', id, req.body, () => updateLocation(db, id, req.body, clock()));
  });
}
