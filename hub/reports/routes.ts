// hub/reports — REST: GET /api/v1/reports/kpi, the accuracy and stock KPIs over a period (default: the last
// reports.periodDays days up to now), and GET /api/v1/reports/kpi/series, the same figures per period over time. Both
// name the site's currency (money is in its minor units).
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../api/context.js';
import { ApiError } from '../api/errors.js';
import { errors } from '../api/schemas.js';
import { kpiReport } from './kpi.js';
import { kpiSeries, MAX_SERIES_DAYS } from './series.js';

const R = Type.Union([Type.Number(), Type.Null()]);
const Int = Type.Integer();
const KpiSchema = Type.Object({
  currency: Type.String(),
  period: Type.Object({ from: Type.String(), to: Type.String(), days: Type.Number() }),
  inventoryRecordAccuracy: Type.Object({ skuLocations: Type.Integer(), withinTolerance: Type.Integer(), ratio: R, units: Type.Object({ book: Type.Integer(), absDifference: Type.Integer(), ratio: R }) }),
  receivingAccuracy: Type.Object({ closed: Type.Integer(), withoutVariance: Type.Integer(), ratio: R }),
  shippingAccuracy: Type.Object({ closed: Type.Integer(), withoutVariance: Type.Integer(), ratio: R }),
  openVariances: Type.Object({ total: Type.Integer(), byAge: Type.Object({ under1d: Type.Integer(), from1to3d: Type.Integer(), from3to7d: Type.Integer(), over7d: Type.Integer() }), byType: Type.Record(Type.String(), Type.Integer()) }),
  sellThrough: Type.Object({ sold: Type.Integer(), openingOnHand: Type.Integer(), received: Type.Integer(), closingOnHand: Type.Integer(), ratio: R }),
  turnover: Type.Object({ cogs: Type.Integer(), openingValue: Type.Integer(), closingValue: Type.Integer(), averageInventory: Type.Number(), ratio: R }),
  daysOnHand: R,
  deadStock: Type.Object({ days: Type.Integer(), items: Type.Array(Type.Object({ sku: Type.String(), onHand: Type.Integer(), value: Type.Integer(), lastShippedAt: Type.Union([Type.String(), Type.Null()]) })) }),
  lowStock: Type.Object({ alerts: Type.Array(Type.Object({ sku: Type.String(), onHand: Type.Integer(), available: Type.Integer(), reorderPoint: Type.Integer() })) }),
  reorderSuggestions: Type.Object({ coverDays: Int, items: Type.Array(Type.Object({ sku: Type.String(), available: Int, reorderPoint: Int, dailySales: Type.Number(), qty: Int, unitCost: Int, value: Int })) }),
});
const SeriesSchema = Type.Object({
  currency: Type.String(),
  bucketDays: Int,
  points: Type.Array(Type.Object({
    from: Type.String(), to: Type.String(),
    inventoryRecordAccuracy: R, receivingAccuracy: R, shippingAccuracy: R, turnover: R, daysOnHand: R,
    sold: Int, cogs: Int, onHand: Int, inventoryValue: Int,
    deadStock: Type.Object({ skus: Int, units: Int, value: Int }),
    lowStockSkus: Int, openVariances: Int,
  })),
});

export function reportsRoutes(currency: string, defaults: { periodDays: number; deadStockDays: number; reorderCoverDays: number }) {
  return async function routes(instance: FastifyInstance, ctx: ApiContext): Promise<void> {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    app.get('/api/v1/reports/kpi', {
      schema: {
        tags: ['reports'],
        summary: 'KPIs: inventory record accuracy, receiving and shipping accuracy, open variances by age, sell-through, turnover, days on hand, dead stock, low stock',
        querystring: Type.Object({
          from: Type.Optional(Type.String({ format: 'date-time' })),
          to: Type.Optional(Type.String({ format: 'date-time' })),
          deadStockDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
        }),
        response: { 200: KpiSchema, ...errors },
      },
    }, async (req) => {
      const q = req.query;
      const toMs = q.to ? Date.parse(q.to) : ctx.clock();
      const fromMs = q.from ? Date.parse(q.from) : toMs - defaults.periodDays * 86_400_000;
      if (!(fromMs < toMs)) throw new ApiError(400, `from (${new Date(fromMs).toISOString()}) must be before to (${new Date(toMs).toISOString()})`, 'from');
      return { currency, ...kpiReport(ctx.db, { fromMs, toMs, deadStockDays: q.deadStockDays ?? defaults.deadStockDays, reorderCoverDays: defaults.reorderCoverDays }) };
    });

    app.get('/api/v1/reports/kpi/series', {
      schema: {
        tags: ['reports'],
        summary: 'KPIs over time: consecutive periods of bucketDays (default 7) each, the last ending at `to` (default now); stock figures as at each period end',
        querystring: Type.Object({
          to: Type.Optional(Type.String({ format: 'date-time' })),
          buckets: Type.Optional(Type.Integer({ minimum: 1, maximum: 366 })),
          bucketDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 366 })),
          deadStockDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
        }),
        response: { 200: SeriesSchema, ...errors },
      },
    }, async (req) => {
      const q = req.query;
      const buckets = q.buckets ?? 12;
      const bucketDays = q.bucketDays ?? 7;
      if (buckets * bucketDays > MAX_SERIES_DAYS) throw new ApiError(400, `buckets × bucketDays (${buckets} × ${bucketDays}) must be at most ${MAX_SERIES_DAYS} days`, 'buckets');
      const toMs = q.to ? Date.parse(q.to) : ctx.clock();
      return { currency, bucketDays, points: kpiSeries(ctx.db, { toMs, buckets, bucketDays, deadStockDays: q.deadStockDays ?? defaults.deadStockDays }) };
    });
  };
}
