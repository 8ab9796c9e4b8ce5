// fleet/channels — the fleet's channel sync loop: every `everyMs` it reads the sites' stock for every mapped SKU from
// the read model, computes what each channel should show (network.ts), stores it beside what the channel last
// confirmed (fleet_channel_sync) and pushes only the differences through the hub's connectors (protocols/channels),
// each push with its own idempotency key and the last confirmed quantity as compare-and-set. Health per channel is the
// hub's evaluation (protocols/channels/health.ts) over these rows.
import type pg from 'pg';
import type { Connector, PushItem, PushOutcome } from '../../connectors/index.js';
import { createConnector } from '../../connectors/index.js';
import { DEFAULT_THRESHOLDS, evaluateHealth, type ChannelHealth, type HealthThresholds } from '../../protocols/channels/health.js';
import { newEventId } from '../../protocols/events/index.js';
import type { Logger } from '../../protocols/logging/index.js';
import { connectorConfig, type FleetChannel } from './config.js';
import { computeTargets } from './network.js';
import { loadSnapshot } from './stock.js';
import type { Runtime, Timer } from '../../runtime/runtime.js';

export interface FleetChannelSyncOptions {
  pool: pg.Pool;
  channels: readonly FleetChannel[];
  log: Logger;
  /** time, the pass timer and the connectors' retry waits */
  runtime: Runtime;
  everyMs: number;
  /** connectors by channel id; default: made from each channel's config (the hub's connectors) */
  connectors?: Record<string, Connector>;
  thresholds?: Partial<HealthThresholds>;
}

interface SyncRow {
  channel: string;
  sku: string;
  site: string;
  should_show: string;
  last_confirmed: string | null;
}

export class FleetChannelSync {
  private readonly connectors = new Map<string, Connector>();
  private readonly thresholds: HealthThresholds;
  private timer: Timer | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** passes completed since start (tests wait on it) */
  passes = 0;

  constructor(private readonly o: FleetChannelSyncOptions) {
    for (const c of o.channels) this.connectors.set(c.id, o.connectors?.[c.id] ?? createConnector(connectorConfig(c), o.log, o.runtime));
    this.thresholds = { ...DEFAULT_THRESHOLDS, ...o.thresholds };
  }

  start(): void {
    if (!this.o.channels.length) return;
    const loop = () => {
      if (this.stopped) return;
      this.running = this.pass()
        .catch((err: Error) => this.o.log.warn({ err: err.message }, 'fleet channels: a sync pass failed; next pass retries'))
        .finally(() => {
          if (!this.stopped) this.timer = this.o.runtime.setTimer(this.o.everyMs, loop);
        });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.running;
  }

  /** One pass: compute every target, store it, push what the channel does not show yet. */
  async pass(): Promise<void> {
    const channels = this.o.channels;
    const skus = [...new Set(channels.flatMap((c) => Object.keys(c.skus)))];
    const sites = [...new Set(channels.flatMap((c) => c.sites.map((s) => s.site)))];
    const targets = computeTargets(channels, await loadSnapshot(this.o.pool, skus, sites));
    const now = new Date(this.o.runtime.now());
    for (const t of targets)
      if (!(Number.isInteger(t.quantity) && t.quantity >= 0)) throw new Error(`invariant: target for ${t.channel}/${t.sku}/${t.site} is ${t.quantity}`);
    // One statement for every target: a pass costs the same few round trips for 10 SKUs or 100,000.
    await this.o.pool.query(
      `INSERT INTO fleet_channel_sync (channel, sku, site, should_show, unsynced_since, updated_at)
       SELECT c, k, s, q, $5, $5 FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS t(c, k, s, q)
       ON CONFLICT (channel, sku, site) DO UPDATE SET should_show = EXCLUDED.should_show, updated_at = EXCLUDED.updated_at,
         unsynced_since = CASE WHEN fleet_channel_sync.last_confirmed IS NOT DISTINCT FROM EXCLUDED.should_show THEN NULL
                               ELSE COALESCE(fleet_channel_sync.unsynced_since, EXCLUDED.unsynced_since) END`,
      [targets.map((t) => t.channel), targets.map((t) => t.sku), targets.map((t) => t.site), targets.map((t) => t.quantity), now],
    );
    await Promise.all(channels.map((c) => this.push(c)));
    this.passes++;
  }

  /** Push every SKU (and site) of one channel whose target the channel has not confirmed, in the connector's batches. */
  private async push(c: FleetChannel): Promise<void> {
    const connector = this.connectors.get(c.id)!;
    const rows = (
      await this.o.pool.query<SyncRow>(
        'SELECT channel, sku, site, should_show, last_confirmed FROM fleet_channel_sync WHERE channel = $1 AND last_confirmed IS DISTINCT FROM should_show ORDER BY sku, site',
        [c.id],
      )
    ).rows;
    const items: Array<PushItem & { site: string }> = [];
    for (const r of rows) {
      const m = c.skus[r.sku];
      if (!m) continue; // a SKU no longer mapped: its row stays for audit
      const location = r.site ? c.sites.find((s) => s.site === r.site)?.locationId : m.location;
      if (r.site && !location) continue; // a site no longer selling on the channel
      items.push({
        sku: r.sku,
        site: r.site,
        item: m.item ?? r.sku,
        ...(location ? { location } : {}),
        quantity: Number(r.should_show),
        from: r.last_confirmed === null ? null : Number(r.last_confirmed),
      });
    }
    for (let i = 0; i < items.length; i += connector.batchSize) {
      const batch = items.slice(i, i + connector.batchSize);
      // Connectors name outcomes by SKU: in per-site mode one batch carries each SKU once.
      const bySku = new Map<string, Array<PushItem & { site: string }>>();
      for (const it of batch) bySku.set(it.sku, [...(bySku.get(it.sku) ?? []), it]);
      const rounds = Math.max(...[...bySku.values()].map((v) => v.length));
      for (let k = 0; k < rounds; k++) {
        const round = [...bySku.values()].flatMap((v) => (v[k] ? [v[k]!] : []));
        let outcomes: PushOutcome[];
        try {
          outcomes = await connector.push(round, newEventId(this.o.runtime.now()));
        } catch (err) {
          outcomes = round.map((it) => ({ sku: it.sku, status: 'failed', error: `connector error: ${(err as Error).message}` }));
        }
        await this.settle(c.id, round, outcomes);
      }
    }
  }

  private async settle(channel: string, items: ReadonlyArray<PushItem & { site: string }>, outcomes: readonly PushOutcome[]): Promise<void> {
    const now = new Date(this.o.runtime.now());
    const by = new Map(outcomes.map((o) => [o.sku, o]));
    let failed: string | undefined;
    // One statement per kind of outcome: [sku, site, value] rows.
    const ok: Array<[string, string, number]> = [];
    const stale: Array<[string, string, number | null]> = [];
    const errors: Array<[string, string, string]> = [];
    for (const it of items) {
      const o = by.get(it.sku) ?? { sku: it.sku, status: 'failed' as const, error: 'connector gave no outcome' };
      if (o.status === 'ok') ok.push([it.sku, it.site, o.quantity]);
      // The channel changed under us (an order taken there): remember what it shows; the next pass pushes again.
      else if (o.status === 'stale') stale.push([it.sku, it.site, o.current]);
      else if (o.status === 'failed') {
        failed ??= o.error;
        errors.push([it.sku, it.site, o.error]);
      }
    }
    const update = async (set: string, rows: Array<[string, string, unknown]>, type: string) => {
      if (!rows.length) return;
      await this.o.pool.query(
        `UPDATE fleet_channel_sync f SET ${set} FROM unnest($2::text[], $3::text[], $4::${type}[]) AS t(sku, site, v)
         WHERE f.channel = $1 AND f.sku = t.sku AND f.site = t.site`,
        [channel, rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])],
      );
    };
    await update('last_confirmed = t.v, last_error = NULL, unsynced_since = CASE WHEN f.should_show = t.v THEN NULL ELSE f.unsynced_since END', ok, 'bigint');
    await update('last_confirmed = t.v', stale, 'bigint');
    await update('last_error = t.v', errors, 'text');
    if (failed !== undefined) {
      await this.o.pool.query(
        `INSERT INTO fleet_channel_status (channel, last_failure_at, consecutive_failures, last_error) VALUES ($1, $2, 1, $3)
         ON CONFLICT (channel) DO UPDATE SET last_failure_at = $2, consecutive_failures = fleet_channel_status.consecutive_failures + 1, last_error = $3`,
        [channel, now, failed],
      );
      this.o.log.warn({ channel, error: failed }, 'fleet channel push failed');
    } else if (ok.length) {
      await this.o.pool.query(
        `INSERT INTO fleet_channel_status (channel, last_success_at) VALUES ($1, $2)
         ON CONFLICT (channel) DO UPDATE SET last_success_at = $2, consecutive_failures = 0, last_error = NULL`,
        [channel, now],
      );
    }
  }

  /** Each channel's health (the hub's evaluation): failures in a row, the oldest unconfirmed change, drift. */
  async health(): Promise<ChannelHealth[]> {
    const st = new Map(
      (await this.o.pool.query('SELECT channel, last_success_at, last_failure_at, consecutive_failures, last_error FROM fleet_channel_status')).rows.map(
        (r) => [r.channel as string, r],
      ),
    );
    const sums = new Map(
      (
        await this.o.pool.query(`SELECT channel, MIN(unsynced_since) AS oldest, COUNT(unsynced_since)::int AS unsynced,
        COUNT(*) FILTER (WHERE last_confirmed IS NOT NULL AND last_confirmed <> should_show)::int AS drift_skus,
        COALESCE(SUM(ABS(last_confirmed - should_show)) FILTER (WHERE last_confirmed IS NOT NULL), 0)::int AS drift_units
      FROM fleet_channel_sync GROUP BY channel`)
      ).rows.map((r) => [r.channel as string, r]),
    );
    const now = this.o.runtime.now();
    return this.o.channels.map((c) => {
      const s = st.get(c.id);
      const m = sums.get(c.id);
      return evaluateHealth(
        {
          channel: c.id,
          mode: 'live',
          lastSuccessAt: s?.last_success_at?.getTime() ?? null,
          lastFailureAt: s?.last_failure_at?.getTime() ?? null,
          consecutiveFailures: s?.consecutive_failures ?? 0,
          lastError: s?.last_error ?? null,
          oldestUnsyncedAt: m?.oldest?.getTime() ?? null,
          unsynced: m?.unsynced ?? 0,
          driftSkus: m?.drift_skus ?? 0,
          driftUnits: m?.drift_units ?? 0,
          shownDiffSkus: 0,
          shownDiffUnits: 0,
          queued: m?.unsynced ?? 0,
        },
        now,
        this.thresholds,
      );
    });
  }

  /** One channel's per-SKU (and per-site) rows: should show, last confirmed, last error. */
  async rows(
    channel: string,
  ): Promise<Array<{ sku: string; site: string | null; shouldShow: number; lastConfirmed: number | null; lastError: string | null }>> {
    const r = await this.o.pool.query(
      'SELECT sku, site, should_show, last_confirmed, last_error FROM fleet_channel_sync WHERE channel = $1 ORDER BY sku, site',
      [channel],
    );
    return r.rows.map((x) => ({
      sku: x.sku,
      site: x.site || null,
      shouldShow: Number(x.should_show),
      lastConfirmed: x.last_confirmed === null ? null : Number(x.last_confirmed),
      lastError: x.last_error,
    }));
  }
}
