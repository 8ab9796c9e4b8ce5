// fleet/channels — a fleet channel's order, held at the site that will ship it. The route (routing.ts) names the sites
// to try; each try holds every line at that site's hub (its REST API, all or nothing). The order's row in PostgreSQL
// names the site being tried BEFORE the hub is called, and one order is handled at a time (advisory lock), so a retry
// (same order id) after a crash, a timeout or a lost answer goes back to that site first and finds its holds there
// (the hub's holds are idempotent by order id): an order is never held at two sites. A site that refuses is passed
// over; a site that does not answer is released before the next is tried, or, if it cannot be, the order stays there
// and the caller is told to retry.
import type pg from 'pg';
import type { Logger } from '../../protocols/logging/index.js';
import type { FleetChannel } from './config.js';
import { holdAtHub, releaseAtHub, type HubEndpoint, type OrderLine } from './hub-client.js';
import { mergeLines, routeOrder, type SiteVerdict } from './routing.js';
import { loadSnapshot } from './stock.js';

export interface FleetOrderInput {
  orderId: string;
  lines: readonly OrderLine[];
  /** sites to try first, in order (e.g. the channel location the order was placed at) */
  preferSites?: readonly string[];
}

export interface Try {
  site: string;
  outcome: 'held' | 'refused' | 'unreachable';
  message?: string;
}

export interface FleetOrderResult {
  status: 'created' | 'exists';
  site: string;
  lines: OrderLine[];
  tried: Try[];
}

export class FleetOrderError extends Error {
  override readonly name = 'FleetOrderError';
  constructor(
    /** invalid | unknown_sku | conflict | insufficient_available | site_unreachable | not_found */
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly detail?: { tried?: Try[]; sites?: SiteVerdict[] },
  ) {
    super(message);
  }
}

interface OrderRow {
  lines: OrderLine[];
  site: string | null;
  state: 'reserving' | 'reserved' | 'failed' | 'cancelled';
  tried: Try[];
}

const sameLines = (a: readonly OrderLine[], b: readonly OrderLine[]) => {
  // JSONB keeps its own key order: compare [sku, qty] pairs.
  const key = (x: readonly OrderLine[]) => JSON.stringify(x.map((l) => [l.sku, l.qty]).sort());
  return key(a) === key(b);
};

export class FleetOrders {
  constructor(
    private readonly pool: pg.Pool,
    private readonly hubs: ReadonlyMap<string, HubEndpoint>,
    private readonly log: Logger,
    private readonly timeoutMs = 10_000,
  ) {}

  /** Hold the order at one site; the same order again answers `exists` with the same site. Throws FleetOrderError. */
  async place(channel: FleetChannel, input: FleetOrderInput): Promise<FleetOrderResult> {
    input.lines.forEach((l, i) => {
      if (!channel.skus[l.sku]) throw new FleetOrderError('unknown_sku', `lines[${i}].sku: ${JSON.stringify(l.sku)} is not sold on channel ${channel.id}`, `lines[${i}].sku`);
      if (!Number.isInteger(l.qty) || l.qty < 1) throw new FleetOrderError('invalid', `lines[${i}].qty must be a whole number ≥ 1, got ${l.qty}`, `lines[${i}].qty`);
    });
    for (const [i, s] of (input.preferSites ?? []).entries()) {
      if (!channel.sites.some((x) => x.site === s)) throw new FleetOrderError('invalid', `preferSites[${i}]: "${s}" does not sell on channel ${channel.id}`, `preferSites[${i}]`);
    }
    const lines = mergeLines(input.lines);
    return this.locked(channel.id, input.orderId, async () => {
      const row = await this.row(channel.id, input.orderId);
      if (row && !sameLines(row.lines, lines)) throw new FleetOrderError('conflict', `order ${input.orderId} was placed before with other lines`, 'lines');
      if (row?.state === 'reserved') return { status: 'exists', site: row.site!, lines, tried: row.tried };
      if (row?.state === 'cancelled') throw new FleetOrderError('conflict', `order ${input.orderId} was cancelled`, 'orderId');
      if (!row) await this.pool.query('INSERT INTO fleet_channel_orders (channel, order_id, lines, state) VALUES ($1, $2, $3, $4)', [channel.id, input.orderId, JSON.stringify(lines), 'reserving']);
      const snap = await loadSnapshot(this.pool, lines.map((l) => l.sku), channel.sites.map((s) => s.site));
      const route = routeOrder(channel, snap, lines, input.preferSites);
      // An order left at a site by an unanswered try goes back there first: its holds may be there.
      const resume = row?.state === 'reserving' && row.site && this.hubs.has(row.site) ? [row.site] : [];
      const order = [...resume, ...route.order.filter((s) => !resume.includes(s))];
      const tried: Try[] = row?.tried ?? [];
      for (const site of order) {
        await this.save(channel.id, input.orderId, site, 'reserving', tried);
        const hub = this.hubs.get(site)!;
        const answer = await holdAtHub(hub, channel.id, input.orderId, lines, this.timeoutMs);
        if (answer.kind === 'held') {
          tried.push({ site, outcome: 'held' });
          await this.save(channel.id, input.orderId, site, 'reserved', tried);
          this.log.info({ channel: channel.id, order: input.orderId, site, hub: answer.status }, 'fleet channel order held at the site that ships it');
          return { status: 'created', site, lines, tried };
        }
        if (answer.kind === 'refused') {
          tried.push({ site, outcome: 'refused', message: answer.message });
          continue;
        }
        // No answer: holds may exist there. Release them before another site holds the order, or stay here.
        const released = await releaseAtHub(hub, channel.id, input.orderId, lines.map((l) => l.sku), 'fleet: routed elsewhere after an unanswered hold', this.timeoutMs);
        if (!released.ok) {
          this.log.warn({ channel: channel.id, order: input.orderId, site, err: answer.message }, 'fleet channel order: the site did not answer; the order stays routed there');
          throw new FleetOrderError('site_unreachable', `site ${site} did not answer (${answer.message}); the order stays routed to it: retry the same order id`, 'orderId', { tried });
        }
        tried.push({ site, outcome: 'unreachable', message: answer.message });
      }
      await this.save(channel.id, input.orderId, null, 'failed', tried);
      const why = route.verdicts.map((v) => (v.short ? `${v.site}: ${v.short.available} of ${v.short.sku} for ${v.short.qty}` : `${v.site}: ${tried.find((t) => t.site === v.site)?.message ?? 'not tried'}`));
      throw new FleetOrderError('insufficient_available', `no site of channel ${channel.id} can ship the whole order (${why.join('; ')})`, 'lines', { tried, sites: route.verdicts });
    });
  }

  /** Release a placed order's holds at its site. */
  async cancel(channel: FleetChannel, orderId: string, reason: string): Promise<{ site: string | null; state: 'cancelled' }> {
    return this.locked(channel.id, orderId, async () => {
      const row = await this.row(channel.id, orderId);
      if (!row) throw new FleetOrderError('not_found', `no order ${orderId} on channel ${channel.id}`, 'orderId');
      if (row.state === 'cancelled' || row.state === 'failed' || !row.site) {
        await this.save(channel.id, orderId, row.site, 'cancelled', row.tried);
        return { site: row.site, state: 'cancelled' };
      }
      const released = await releaseAtHub(this.hubs.get(row.site!)!, channel.id, orderId, row.lines.map((l) => l.sku), reason, this.timeoutMs);
      if (!released.ok) throw new FleetOrderError('site_unreachable', `site ${row.site} did not release the holds (${released.message}): retry`, 'orderId');
      await this.save(channel.id, orderId, row.site, 'cancelled', row.tried);
      return { site: row.site, state: 'cancelled' };
    });
  }

  private async row(channel: string, orderId: string): Promise<OrderRow | undefined> {
    return (await this.pool.query<OrderRow>('SELECT lines, site, state, tried FROM fleet_channel_orders WHERE channel = $1 AND order_id = $2', [channel, orderId])).rows[0];
  }

  private async save(channel: string, orderId: string, site: string | null, state: OrderRow['state'], tried: Try[]): Promise<void> {
    await this.pool.query('UPDATE fleet_channel_orders SET site = $3, state = $4, tried = $5, updated_at = now() WHERE channel = $1 AND order_id = $2', [channel, orderId, site, state, JSON.stringify(tried)]);
  }

  /** One call per order at a time, across fleet processes too (a session advisory lock on a dedicated connection). */
  private async locked<T>(channel: string, orderId: string, fn: () => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const key = `${channel} ${orderId}`; // a channel id has no space
    try {
      await client.query('SELECT pg_advisory_lock(722, hashtext($1))', [key]);
      try {
        return await fn();
      } finally {
        await client.query('SELECT pg_advisory_unlock(722, hashtext($1))', [key]);
      }
    } finally {
      client.release();
    }
  }
}
