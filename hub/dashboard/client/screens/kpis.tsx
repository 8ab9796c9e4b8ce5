// hub/dashboard/client — KPIs: the figures of the span shown (GET /api/v1/reports/kpi) and the same figures per period as
// charts over time (GET /api/v1/reports/kpi/series): inventory record accuracy, receiving and shipping accuracy,
// turnover, days on hand, inventory and dead stock value, units on hand and sold, low and dead stock; then the reorder
// suggestions and the dead stock. Money in the site's currency (the hub names it), units apart. Periods end at the
// coming midnight, so today is in the last one.
import { useState } from 'preact/hooks';
import type { KpiPoint, KpiReport } from '../../../reports/types.js';
import { api } from '../api';
import { Chart } from '../chart';
import { download, toCsv } from '../export';
import { count, currencyDigits, many, moneyFormat, num, pct, units } from '../format';
import { useLive } from '../live';
import { notify } from '../notice';

type Point = KpiPoint;
type Report = KpiReport & { currency: string };

const SPANS = { weeks: { buckets: 12, bucketDays: 7, label: '12 weeks' }, days: { buckets: 30, bucketDays: 1, label: '30 days' }, months: { buckets: 12, bucketDays: 30, label: '12 months' } } as const;
type Span = keyof typeof SPANS;
const DAY = 86_400_000;
const times = (r: number) => `${num(r)}×`;
const days = (d: number) => `${count(d)} d`;

function nextMidnight(): Date {
  const d = new Date();
  d.setHours(24, 0, 0, 0);
  return d;
}

function Tile(props: { id: string; title: string; value: string; sub: string }) {
  return (
    <div class="kpi" data-kpi={props.id}>
      <span class="sub">{props.title}</span>
      <b data-role="value">{props.value}</b>
      <span class="sub">{props.sub}</span>
    </div>
  );
}

export function KpisScreen() {
  const [span, setSpan] = useState<Span>('weeks');
  const [data, setData] = useState<{ report: Report; points: Point[] } | undefined>();
  const load = () => {
    const { buckets, bucketDays } = SPANS[span];
    const to = nextMidnight();
    const from = new Date(to.getTime() - buckets * bucketDays * DAY);
    void Promise.all([
      api<Report>(`/api/v1/reports/kpi?from=${from.toISOString()}&to=${to.toISOString()}`),
      api<{ points: Point[] }>(`/api/v1/reports/kpi/series?to=${to.toISOString()}&buckets=${buckets}&bucketDays=${bucketDays}`),
    ]).then(([r, s]) => {
      if (r.ok && s.ok) setData({ report: r.body, points: s.body.points });
      else notify('bad', `KPIs could not be loaded: ${r.ok ? s.message : r.message}`);
    });
  };
  useLive(load, [span]);

  const r = data?.report;
  const p = data?.points ?? [];
  const money = moneyFormat(r?.currency ?? 'EUR');
  const labels = p.map((x) => new Date(Date.parse(x.to) - 1).toLocaleDateString(undefined, { month: 'short', day: 'numeric' }));
  const line = (key: string, name: string, pick: (x: Point) => number | null) => ({ key, name, values: p.map(pick) });
  const dead = r?.deadStock.items ?? [];
  const suggestions = r?.reorderSuggestions.items ?? [];
  return (
    <main class="kpis-screen" id="kpis">
      <div class="filters">
        <h2>KPIs</h2>
        <label>
          over the last
          <select name="span" value={span} onChange={(e) => setSpan(e.currentTarget.value as Span)}>
            {Object.entries(SPANS).map(([k, s]) => (
              <option value={k}>{s.label}</option>
            ))}
          </select>
        </label>
        {r && <span class="sub">money in {r.currency}</span>}
      </div>
      {r && (
        <div class="kpi-tiles">
          <Tile id="ira" title="inventory record accuracy" value={pct(r.inventoryRecordAccuracy.ratio)} sub={`${r.inventoryRecordAccuracy.withinTolerance} of ${r.inventoryRecordAccuracy.skuLocations} counted SKU-locations within tolerance`} />
          <Tile id="receiving" title="receiving accuracy" value={pct(r.receivingAccuracy.ratio)} sub={`${r.receivingAccuracy.withoutVariance} of ${r.receivingAccuracy.closed} receipts without variance`} />
          <Tile id="shipping" title="shipping accuracy" value={pct(r.shippingAccuracy.ratio)} sub={`${r.shippingAccuracy.withoutVariance} of ${r.shippingAccuracy.closed} shipments without variance`} />
          <Tile id="turnover" title="turnover" value={r.turnover.ratio === null ? '–' : times(r.turnover.ratio)} sub={`cost of goods sold ${money(r.turnover.cogs)}, ${units(r.sellThrough.sold)}`} />
          <Tile id="days-on-hand" title="days on hand" value={r.daysOnHand === null ? '–' : days(r.daysOnHand)} sub="at the span's rate of sales" />
          <Tile id="value" title="inventory value" value={money(r.turnover.closingValue)} sub={units(r.sellThrough.closingOnHand)} />
          <Tile id="dead" title="dead stock" value={money(dead.reduce((s, d) => s + d.value, 0))} sub={`${many(dead.length, 'SKU')}, ${units(dead.reduce((s, d) => s + d.onHand, 0))}, no shipment in ${r.deadStock.days} d`} />
          <Tile id="low" title="low stock" value={many(r.lowStock.alerts.length, 'SKU')} sub="at or below their reorder point" />
        </div>
      )}
      {p.length > 0 && (
        <div class="charts">
          <Chart id="accuracy" title="Accuracy" labels={labels} max={1} format={pct} series={[line('ira', 'record', (x) => x.inventoryRecordAccuracy), line('receiving', 'receiving', (x) => x.receivingAccuracy), line('shipping', 'shipping', (x) => x.shippingAccuracy)]} />
          <Chart id="turnover" title="Turnover per period" labels={labels} format={times} series={[line('turnover', 'turnover', (x) => x.turnover)]} />
          <Chart id="days-on-hand" title="Days on hand" labels={labels} format={days} series={[line('days-on-hand', 'days on hand', (x) => x.daysOnHand)]} />
          <Chart id="value" title={`Value (${r?.currency ?? ''})`} labels={labels} format={money} series={[line('inventory', 'inventory', (x) => x.inventoryValue), line('dead', 'dead stock', (x) => x.deadStock.value), line('cogs', 'cost of goods sold', (x) => x.cogs)]} />
          <Chart id="units" title="Units" labels={labels} format={count} series={[line('on-hand', 'on hand', (x) => x.onHand), line('sold', 'sold', (x) => x.sold)]} />
          <Chart id="skus" title="SKUs needing attention" labels={labels} format={count} series={[line('low', 'low stock', (x) => x.lowStockSkus), line('dead', 'dead stock', (x) => x.deadStock.skus)]} />
        </div>
      )}
      {r && (
        <section>
          <h2>
            Reorder suggestions{' '}
            {suggestions.length > 0 && (
              <button
                type="button"
                class="link"
                data-action="csv"
                onClick={() => {
                  const d = currencyDigits(r.currency);
                  const major = (minor: number) => (minor / 10 ** d).toFixed(d);
                  download('reorder-suggestions.csv', toCsv([['sku', 'available', 'reorder point', 'sales per day', 'order qty', `unit cost (${r.currency})`, `cost (${r.currency})`], ...suggestions.map((s) => [s.sku, s.available, s.reorderPoint, s.dailySales.toFixed(2), s.qty, major(s.unitCost), major(s.value)])]));
                }}
              >
                Export CSV
              </button>
            )}
          </h2>
          <p class="sub">Low-stock SKUs, ordered up to the reorder point plus {r.reorderSuggestions.coverDays} days of their sales.</p>
          <table id="reorder">
            <thead>
              <tr><th>SKU</th><th>available</th><th>reorder point</th><th>sales / day</th><th>order</th><th>est. cost</th></tr>
            </thead>
            <tbody>
              {suggestions.map((s) => (
                <tr data-sku={s.sku} key={s.sku}>
                  <td>{s.sku}</td><td>{count(s.available)}</td><td>{count(s.reorderPoint)}</td><td>{num(s.dailySales)}</td><td data-role="qty">{units(s.qty)}</td><td data-role="value">{money(s.value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {suggestions.length === 0 && <div class="empty">no SKU at or below its reorder point</div>}
          <h2>Dead stock</h2>
          <table id="dead">
            <thead>
              <tr><th>SKU</th><th>on hand</th><th>value</th><th>last shipped</th></tr>
            </thead>
            <tbody>
              {dead.map((d) => (
                <tr data-sku={d.sku} key={d.sku}>
                  <td>{d.sku}</td><td>{units(d.onHand)}</td><td data-role="value">{money(d.value)}</td><td>{d.lastShippedAt ? new Date(d.lastShippedAt).toLocaleDateString() : 'never'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {dead.length === 0 && <div class="empty">no dead stock</div>}
        </section>
      )}
    </main>
  );
}
