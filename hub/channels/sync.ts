// hub/channels — the change-driven sync loop's driver: committed moves and reservations mark SKUs dirty; after
// coalescing, each channel's quantity is computed by its rule and only changes are pushed, with durable per channel×SKU
// state so a restart resumes (replaying unanswered attempts with their own idempotency keys) without re-pushing
// everything. The decisions (what is due, what to push with which key, when to retry) are the pure planner's
// (planner.ts); this file reads stock, keeps the store, talks to the connectors and reports their answers back.
import type { Registry } from 'prom-client';
import type { Logger } from '../../protocols/logging/index.js';
import type { Db } from '../db/database.js';
import type { CoalescePolicy } from './coalesce.js';
import { parseChannel, type ChannelConfig } from '../../protocols/channels/config.js';
import { createConnector } from '../../connectors/index.js';
import { StopAbort } from '../../connectors/http.js';
import type { Connector, PushItem, PushOutcome } from '../../connectors/types.js';
import { DEFAULT_THRESHOLDS, evaluateHealth, type ChannelHealth, type HealthThresholds } from '../../protocols/channels/health.js';
import { ChannelMetrics } from './metrics.js';
import { repeatTimer, systemRuntime, type Runtime, type Timer } from '../../runtime/runtime.js';
import { SyncPlanner, type PlannedBatch, type SettledPush } from './planner.js';
import { openSyncStateConnection, SyncStore } from './store.js';

/** Stock of one SKU over a set of locations, as the ledger answers it. available = onHand − reserved. */
export interface Availability {
  onHand: number;
  reserved: number;
  available: number;
}

export type AvailabilityProvider = (sku: string, locations: readonly string[]) => Availability | Promise<Availability>;

export interface ChannelSyncOptions {
  /** the hub's database (channelsMigrations applied); sync state is written through its own connection to the same file */
  db: Db;
  channels: readonly ChannelConfig[];
  availability: AvailabilityProvider;
  log: Logger;
  /** connectors by channel id; default: made from each channel's config */
  connectors?: Record<string, Connector>;
  /** time, timers and jitter; default the system's */
  runtime?: Runtime;
  registry?: Registry;
  /** units held back from every channel */
  globalBuffer?: number;
  coalesce?: Partial<CoalescePolicy>;
  thresholds?: Partial<HealthThresholds>;
  /** full reconciliation period; 0 = only on start and on demand. Default 15 min. */
  reconcileEveryMs?: number;
  /** how often health is evaluated for logs and metrics. Default 5 s. */
  healthEveryMs?: number;
  /** back-off of a channel after a failed push (sync level; connectors retry each request themselves first) */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** logical pushes in flight per channel. Default 4. */
  concurrency?: number;
  /** the idempotency key of a new logical push; default a UUIDv7 (the simulator passes a deterministic one) */
  newKey?: (now: number) => string;
}

export interface SyncStats {
  /** stock changes reported through markDirty */
  marks: number;
  /** channel×SKU quantities computed */
  computed: number;
  /** SKU quantities sent to channels (one per item in a push) */
  itemsPushed: number;
  /** logical pushes (each one idempotency key; HTTP retries not counted) */
  pushes: number;
  /** computed quantities not sent because the channel already showed them */
  unchanged: number;
  /** shadow reads */
  shadowReads: number;
}

export interface ChannelView {
  config: ChannelConfig;
  health: ChannelHealth;
}

const REALERT_MS = 60_000;

export class ChannelSync {
  readonly store: SyncStore;
  private readonly stateDb: Db;
  private readonly planner: SyncPlanner;
  private readonly rt: Runtime;
  private readonly connectors = new Map<string, Connector>();
  /** the alerts last logged per channel, and when */
  private readonly alerts = new Map<string, { codes: string; at: number }>();
  private readonly thresholds: HealthThresholds;
  private readonly metrics?: ChannelMetrics;
  private readonly running = new Set<Promise<void>>();
  private readonly periodic: Timer[] = [];
  private started = false;
  private stopped = false;
  /** Aborted by stop(): channel requests in flight and back-off waits end at once. */
  private readonly halt = new AbortController();
  private ticking = false;
  private tickAgain = false;
  private readonly counts = { marks: 0, computed: 0, itemsPushed: 0, pushes: 0, unchanged: 0, shadowReads: 0 };

  constructor(private readonly o: ChannelSyncOptions) {
    this.stateDb = openSyncStateConnection(o.db);
    this.store = new SyncStore(this.stateDb);
    this.rt = o.runtime ?? systemRuntime;
    this.thresholds = { ...DEFAULT_THRESHOLDS, ...o.thresholds };
    if (o.registry) this.metrics = new ChannelMetrics(o.registry);
    this.planner = new SyncPlanner({
      runtime: this.rt,
      coalesce: o.coalesce,
      concurrency: o.concurrency,
      retryBaseMs: o.retryBaseMs,
      retryMaxMs: o.retryMaxMs,
      globalBuffer: o.globalBuffer,
      newKey: o.newKey,
      onWake: () => void this.tick(),
    });
    for (const cfg of o.channels) this.setLane(cfg, o.connectors?.[cfg.id] ?? createConnector(cfg, o.log, this.rt, this.halt.signal));
  }

  get stats(): SyncStats {
    return { ...this.counts, unchanged: this.counts.unchanged + this.planner.unchanged };
  }

  private setLane(cfg: ChannelConfig, connector: Connector): ChannelConfig | undefined {
    const old = this.planner.setChannel(cfg, connector.batchSize);
    this.connectors.set(cfg.id, connector);
    return old;
  }

  /**
   * Add a channel or replace one's config and connector at run time. `raw` is validated first (ChannelConfigError
   * naming the field); `commit` (persist + audit) runs next: if either throws, nothing changed. Pushes in flight on the
   * old connector finish normally; then the channel (and every channel sharing its SKUs, whose allocations may move)
   * is reconciled, pushing only differences — a shadow→live switch pushes what the channel lacks.
   */
  async upsertChannel(raw: unknown, opts: { where?: string; connector?: Connector; commit?: (cfg: ChannelConfig) => void } = {}): Promise<ChannelConfig> {
    if (this.stopped) throw new Error('channel sync stopped');
    const cfg = parseChannel(raw, opts.where ?? 'channel');
    const connector = opts.connector ?? createConnector(cfg, this.o.log, this.rt, this.halt.signal);
    opts.commit?.(cfg);
    const old = this.setLane(cfg, connector);
    this.o.log.info(
      { channel: cfg.id, connector: cfg.connector, mode: cfg.mode, skus: Object.keys(cfg.skus).length, replaced: !!old },
      'channel configured at run time',
    );
    if (this.started) {
      const dropped = old ? Object.keys(old.skus).filter((sku) => !cfg.skus[sku]) : [];
      if (dropped.length) await this.compute(dropped);
      await this.reconcile({ channel: cfg.id });
    }
    return cfg;
  }

  /**
   * Stop syncing a channel: pushes in flight finish, nothing new starts; its sync rows stay for audit. The SKUs it sold
   * are recomputed for the other channels (its allocation is freed). `commit` runs before anything changes.
   */
  async removeChannel(id: string, opts: { commit?: () => void } = {}): Promise<void> {
    if (!this.planner.config(id)) throw new Error(`unknown channel "${id}"`);
    opts.commit?.();
    const cfg = this.planner.removeChannel(id);
    this.connectors.delete(id);
    this.o.log.info({ channel: id }, 'channel removed at run time');
    if (this.started && !this.stopped) {
      await this.compute(Object.keys(cfg.skus));
      this.pump();
    }
  }

  /** Call after every committed move or reservation that changes a SKU's stock. Cheap; never throws. */
  markDirty(sku: string): void {
    this.counts.marks++;
    this.metrics?.marks.inc();
    this.planner.mark(sku);
  }

  /**
   * Replay attempts a previous run left unanswered (same keys, same items), reconcile every mapped SKU (pushing only
   * those whose target differs from what the channel confirmed), then run the timers.
   */
  async start(): Promise<void> {
    if (this.started) throw new Error('channel sync already started');
    this.started = true;
    for (const id of this.planner.channelIds()) {
      for (const a of this.store.attempts<PushItem>(id)) {
        this.o.log.info({ channel: id, key: a.key, items: a.items.length }, 'replaying an unanswered push after restart');
        this.track(this.send(this.planner.replay(id, a.key, a.items), this.connectors.get(id)!, true));
      }
    }
    await this.reconcile();
    const every = this.o.reconcileEveryMs ?? 15 * 60_000;
    if (every > 0)
      this.periodic.push(
        repeatTimer(this.rt, every, () => void this.reconcile().catch((err: Error) => this.o.log.error({ err }, 'scheduled reconciliation failed'))),
      );
    this.periodic.push(repeatTimer(this.rt, this.o.healthEveryMs ?? 5000, () => this.health()));
  }

  /**
   * Stop the timers, abort channel requests in flight (an unanswered push keeps its stored attempt and key, and is sent
   * again at the next start) and wait for them to wind up.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.halt.abort();
    for (const t of this.periodic) t.cancel();
    this.planner.stop();
    while (this.running.size) await Promise.allSettled([...this.running]);
    if (this.stateDb !== this.o.db && this.stateDb.open) this.stateDb.close();
  }

  /**
   * Full reconciliation: recompute every mapped SKU of one channel (or all). `force` pushes every SKU even when the
   * channel already confirmed its quantity (`POST /channels/:id/resync`). Returns how many SKUs were queued.
   */
  async reconcile(opts: { channel?: string; force?: boolean; verify?: boolean } = {}): Promise<{ queued: number; drifted: number }> {
    const lanes = opts.channel ? [this.lane(opts.channel)] : this.planner.channelIds().map((id) => this.planner.config(id)!);
    let drifted = 0;
    if (opts.verify) for (const cfg of lanes) if (cfg.mode === 'live') drifted += await this.verify(cfg);
    const skus = new Set<string>();
    for (const cfg of lanes) for (const sku of Object.keys(cfg.skus)) skus.add(sku);
    await this.compute([...skus], opts.force ? new Set(lanes.map((cfg) => cfg.id)) : undefined);
    const now = this.rt.now();
    let queued = 0;
    for (const cfg of lanes) {
      this.store.reconciled(cfg.id, now);
      queued += this.planner.queued(cfg.id).pending;
    }
    this.pump();
    return { queued, drifted };
  }

  /**
   * Read what a live channel shows for every mapped SKU; where it differs from what it last confirmed (stock edited
   * in the channel's own admin), remember the real value so the next push corrects it. Returns how many differed.
   */
  private async verify(cfg: ChannelConfig): Promise<number> {
    const id = cfg.id;
    const connector = this.connectors.get(id)!;
    const items = Object.entries(cfg.skus).map(([sku, m]) => ({ sku, item: m.item ?? sku, ...(m.location ? { location: m.location } : {}) }));
    let drifted = 0;
    for (let i = 0; i < items.length; i += connector.batchSize) {
      const reads = await connector.read(items.slice(i, i + connector.batchSize));
      const now = this.rt.now();
      this.stateDb.transaction(() => {
        for (const r of reads) {
          if (r.quantity === null) continue;
          this.store.recordRead(id, r.sku, r.quantity, now, false);
          const row = this.store.row(id, r.sku);
          if (row && !row.attempt_key && row.last_confirmed !== r.quantity) {
            drifted++;
            this.store.known(id, r.sku, r.quantity, now);
          }
        }
      })();
    }
    if (drifted) this.o.log.warn({ channel: id, drifted }, 'channel shows quantities we did not push: correcting them');
    return drifted;
  }

  /** Decide and act once: compute the SKUs whose coalescing window closed, then push. Timer-driven; callable by tests. */
  async tick(): Promise<void> {
    if (this.ticking) {
      this.tickAgain = true;
      return;
    }
    this.ticking = true;
    try {
      do {
        this.tickAgain = false;
        const due = this.planner.takeDue();
        if (due.length) await this.compute(due);
        this.pump();
      } while (this.tickAgain);
    } finally {
      this.ticking = false;
      this.planner.rearm();
    }
  }

  /** Resolves once nothing is dirty, queued or in flight (tests, shutdown); polls on the runtime's timers. */
  async idle(deadlineMs = 30_000): Promise<void> {
    const until = this.rt.now() + deadlineMs;
    while (this.running.size > 0 || this.planner.busy()) {
      if (this.rt.now() > until) throw new Error('channel sync did not become idle in time');
      await new Promise<void>((resolve) => this.rt.setTimer(5, resolve));
    }
  }

  channelIds(): string[] {
    return this.planner.channelIds();
  }

  config(id: string): ChannelConfig | undefined {
    return this.planner.config(id);
  }

  /** Each channel's health; logs alert transitions (and repeats them every minute) and updates the gauges. */
  health(channel?: string): ChannelHealth[] {
    const now = this.rt.now();
    const ids = channel ? [this.lane(channel).id] : this.planner.channelIds();
    return ids.map((id) => {
      const cfg = this.planner.config(id)!;
      const st = this.store.status(id);
      const sum = this.store.summary(id);
      const dirtySince = this.planner.oldestDirty(id);
      const oldest = sum.oldestUnsyncedAt === null || (dirtySince !== null && dirtySince < sum.oldestUnsyncedAt) ? dirtySince : sum.oldestUnsyncedAt;
      const h = evaluateHealth(
        {
          channel: id,
          mode: cfg.mode,
          lastSuccessAt: st.last_success_at,
          lastFailureAt: st.last_failure_at,
          consecutiveFailures: st.consecutive_failures,
          lastError: st.last_error,
          oldestUnsyncedAt: oldest,
          unsynced: sum.unsynced,
          driftSkus: sum.driftSkus,
          driftUnits: sum.driftUnits,
          shownDiffSkus: sum.shownDiffSkus,
          shownDiffUnits: sum.shownDiffUnits,
          queued: this.planner.queued(id).queuedOrInFlight,
        },
        now,
        this.thresholds,
      );
      this.metrics?.observe(h);
      this.logAlerts(h, now);
      return h;
    });
  }

  private logAlerts(h: ChannelHealth, now: number): void {
    const codes = h.alerts.map((a) => a.code).join(',');
    const last = this.alerts.get(h.channel) ?? { codes: '', at: 0 };
    const changed = codes !== last.codes;
    if (!changed && !(codes && now - last.at >= REALERT_MS)) return;
    this.alerts.set(h.channel, { codes, at: now });
    const log = this.o.log;
    const ctx = { channel: h.channel, status: h.status, alerts: h.alerts, consecutiveFailures: h.consecutiveFailures, oldestUnsyncedAt: h.oldestUnsyncedAt };
    if (h.status === 'alert') log.error(ctx, 'channel sync alert');
    else if (h.status === 'warn') log.warn(ctx, 'channel sync warning');
    else if (changed) log.info({ channel: h.channel }, 'channel sync healthy again');
  }

  private lane(id: string): ChannelConfig {
    const cfg = this.planner.config(id);
    if (!cfg) throw new Error(`unknown channel "${id}"`);
    return cfg;
  }

  /** Compute every channel's quantity for these SKUs, store the targets, queue the channels that must act. */
  private async compute(skus: readonly string[], force?: ReadonlySet<string>): Promise<void> {
    const now = this.rt.now();
    const targets = new Map<string, Array<{ sku: string; q: number }>>();
    for (const sku of skus) {
      const channels = this.planner.channelsOf(sku);
      if (!channels.length) continue;
      const byLocations = new Map<string, number>();
      const available = new Map<string, number>();
      for (const cfg of channels) {
        const key = cfg.locations.join('\u0000');
        let a = byLocations.get(key);
        if (a === undefined) {
          a = (await this.o.availability(sku, cfg.locations)).available;
          byLocations.set(key, a);
        }
        available.set(cfg.id, a);
      }
      for (const [id, q] of this.planner.allocate(sku, available)) {
        const list = targets.get(id) ?? [];
        list.push({ sku, q });
        targets.set(id, list);
      }
    }
    this.stateDb.transaction(() => {
      for (const [id, list] of targets) this.store.setTargets(id, list, now);
    })();
    for (const [id, list] of targets) {
      this.counts.computed += list.length;
      // A channel removed while the stock was read keeps its stored rows; nothing is queued for it.
      if (this.planner.config(id))
        this.planner.queue(
          id,
          list.map((t) => t.sku),
          force?.has(id),
        );
    }
  }

  /** Start what the planner says may start now, on one channel or all. */
  private pump(channel?: string): void {
    if (this.stopped) return;
    const view = (id: string, sku: string) => {
      const row = this.store.row(id, sku);
      return row ? { shouldShow: row.should_show, lastConfirmed: row.last_confirmed } : undefined;
    };
    for (const b of this.planner.plan(view, channel)) {
      const connector = this.connectors.get(b.channel)!;
      this.track(b.kind === 'shadow' ? this.shadow(b, connector) : this.prepareAndSend(b, connector));
    }
  }

  /** After a batch ends: start what its channel may start now (if it is still configured). */
  private pumpAfter(b: PlannedBatch): void {
    if (this.planner.config(b.channel)) this.pump(b.channel);
  }

  private track(p: Promise<void>): void {
    const tracked = p
      .catch((err: Error) => {
        if (!(err instanceof StopAbort)) this.o.log.error({ err }, 'channel sync step failed');
      })
      .finally(() => {
        this.running.delete(tracked);
        this.planner.rearm();
      });
    this.running.add(tracked);
  }

  /** SKUs never confirmed by the channel are read first, so the compare-and-set starts from what it really shows. */
  private async prepareAndSend(b: PlannedBatch, connector: Connector): Promise<void> {
    const unknown = b.items.filter((it) => it.from === null);
    let items = b.items;
    if (unknown.length) {
      let reads;
      try {
        reads = await connector.read(unknown);
      } catch (err) {
        this.planner.readFailed(b);
        if (!(err instanceof StopAbort)) this.o.log.error({ channel: b.channel, err }, 'reading the channel before the first push failed');
        this.pumpAfter(b);
        return;
      }
      const read = new Map(reads.map((r) => [r.sku, r.quantity]));
      const now = this.rt.now();
      const settled: string[] = [];
      const changed: PushItem[] = [];
      for (const it of b.items) {
        const current = it.from === null ? (read.get(it.sku) ?? null) : it.from;
        if (it.from === null && current !== null) this.store.known(b.channel, it.sku, current, now);
        if (current === it.quantity && it.from === null) {
          this.store.confirm(b.channel, it.sku, current, now);
          this.counts.unchanged++;
          settled.push(it.sku);
        } else changed.push({ ...it, from: current });
      }
      this.planner.release(b, settled);
      items = changed;
      if (!items.length) {
        this.planner.ended(b);
        this.pumpAfter(b);
        return;
      }
    }
    await this.send(b, connector, false, items);
  }

  /** One logical push: stored with its key before it goes out, resolved per SKU when the answer comes. */
  private async send(b: PlannedBatch, connector: Connector, replay: boolean, items: readonly PushItem[] = b.items): Promise<void> {
    const id = b.channel;
    const key = b.key;
    try {
      if (!replay) this.store.beginAttempt(id, key, items, this.rt.now());
      this.counts.pushes++;
      this.counts.itemsPushed += items.length;
      this.metrics?.requests.inc({ channel: id });
      let outcomes: PushOutcome[];
      try {
        outcomes = await connector.push(items, key);
      } catch (err) {
        if (err instanceof StopAbort) {
          // Unanswered, not failed: the attempt stays stored with its key and is replayed at the next start.
          this.o.log.info({ channel: id, key, items: items.length }, 'push interrupted by the hub stopping: sent again with the same key at the next start');
          return;
        }
        outcomes = items.map((i) => ({ sku: i.sku, status: 'failed', error: `connector error: ${(err as Error).message}` }));
      }
      this.settle(b, items, outcomes);
    } finally {
      this.planner.ended(b);
      this.pumpAfter(b);
    }
  }

  /** Store a push's outcomes in one transaction, then tell the planner (retries, back-off, recomputation). */
  private settle(b: PlannedBatch, items: readonly PushItem[], outcomes: readonly PushOutcome[]): void {
    const id = b.channel;
    const now = this.rt.now();
    const bySku = new Map(outcomes.map((o) => [o.sku, o]));
    const result: { failed: Array<{ sku: string; attempts: number }>; deferred: string[]; stale: string[] } = { failed: [], deferred: [], stale: [] };
    let failed: string | undefined;
    let ok = 0;
    this.stateDb.transaction(() => {
      for (const it of items) {
        const o = bySku.get(it.sku) ?? { sku: it.sku, status: 'failed' as const, error: 'connector gave no outcome' };
        this.metrics?.pushes.inc({ channel: id, result: o.status });
        switch (o.status) {
          case 'ok':
            this.store.confirm(id, it.sku, o.quantity, now);
            ok++;
            break;
          case 'stale':
            // The channel changed under us (an order taken there): remember what it shows, recompute, push again.
            if (o.current !== null) this.store.known(id, it.sku, o.current, now);
            else this.store.release(id, it.sku);
            result.stale.push(it.sku);
            break;
          case 'deferred':
            this.store.release(id, it.sku);
            result.deferred.push(it.sku);
            break;
          case 'failed':
            this.store.fail(id, it.sku, o.error);
            result.failed.push({ sku: it.sku, attempts: this.store.row(id, it.sku)?.attempts ?? 1 });
            failed ??= o.error;
            break;
        }
      }
      this.store.endAttempt(b.key);
      if (failed !== undefined) this.store.channelFailure(id, failed, now);
      else if (ok) this.store.channelSuccess(id, now);
    })();
    const settled: SettledPush = failed === undefined ? result : { ...result, channelFailures: this.store.status(id).consecutive_failures };
    this.planner.settled(b, settled);
    if (failed !== undefined) {
      this.o.log.warn({ channel: id, key: b.key, error: failed, consecutiveFailures: settled.channelFailures }, 'channel push failed');
      if (this.planner.config(id)) this.health(id);
    }
  }

  /** Shadow mode: read what the channel shows and record it beside what we would push. Never writes. */
  private async shadow(b: PlannedBatch, connector: Connector): Promise<void> {
    try {
      const reads = await connector.read(b.items);
      const now = this.rt.now();
      this.counts.shadowReads += reads.length;
      this.stateDb.transaction(() => {
        for (const r of reads) this.store.recordRead(b.channel, r.sku, r.quantity, now, true);
      })();
      const readErr = reads.find((r) => r.error)?.error;
      if (readErr) this.store.channelFailure(b.channel, readErr, now);
      else this.store.channelSuccess(b.channel, now);
    } finally {
      this.planner.ended(b);
      this.pumpAfter(b);
    }
  }
}
