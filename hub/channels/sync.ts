// hub/channels — the change-driven sync loop: committed moves and reservations mark SKUs dirty; after coalescing, each
// channel's quantity is computed by its rule and only changes are pushed, with durable per channel×SKU state so a
// restart resumes (replaying unanswered attempts with their own idempotency keys) without re-pushing everything.
import type { Registry } from 'prom-client';
import { newEventId } from '../../protocols/events/index.js';
import type { Logger } from '../../protocols/logging/index.js';
import type { Db } from '../db/database.js';
import { DEFAULT_COALESCE, dueSkus, markDirty as mark, type CoalescePolicy, type DirtyMark } from './coalesce.js';
import { parseChannel, type ChannelConfig } from '../../protocols/channels/config.js';
import { createConnector } from '../../connectors/index.js';
import { backoffMs, StopAbort } from '../../connectors/http.js';
import { systemClock, type Clock, type Connector, type PushItem, type PushOutcome } from '../../connectors/types.js';
import { DEFAULT_THRESHOLDS, evaluateHealth, type ChannelHealth, type HealthThresholds } from '../../protocols/channels/health.js';
import { ChannelMetrics } from './metrics.js';
import { allocate } from '../../protocols/channels/rules.js';
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
  clock?: Clock;
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
}

interface Lane {
  cfg: ChannelConfig;
  connector: Connector;
  /** SKUs whose stored target must be pushed (or read, in shadow mode), not before the given time */
  pending: Map<string, number>;
  /** SKUs to push even when the channel already confirmed the target (resync) */
  forced: Set<string>;
  inFlight: Set<string>;
  active: number;
  blockedUntil: number;
  alertCodes: string;
  alertLoggedAt: number;
  /** removed at run time: pushes in flight finish, nothing new starts */
  removed: boolean;
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
  private readonly lanes = new Map<string, Lane>();
  private readonly bySku = new Map<string, Lane[]>();
  private readonly dirty = new Map<string, DirtyMark>();
  private readonly clock: Clock;
  private readonly policy: CoalescePolicy;
  private readonly thresholds: HealthThresholds;
  private readonly metrics?: ChannelMetrics;
  private readonly running = new Set<Promise<void>>();
  private wakeTimer?: NodeJS.Timeout;
  private wakeAt = Infinity;
  private periodic: NodeJS.Timeout[] = [];
  private started = false;
  private stopped = false;
  /** Aborted by stop(): channel requests in flight and back-off waits end at once. */
  private readonly halt = new AbortController();
  private ticking = false;
  private tickAgain = false;
  readonly stats: SyncStats = { marks: 0, computed: 0, itemsPushed: 0, pushes: 0, unchanged: 0, shadowReads: 0 };

  constructor(private readonly o: ChannelSyncOptions) {
    this.stateDb = openSyncStateConnection(o.db);
    this.store = new SyncStore(this.stateDb);
    this.clock = o.clock ?? systemClock;
    this.policy = { ...DEFAULT_COALESCE, ...o.coalesce };
    this.thresholds = { ...DEFAULT_THRESHOLDS, ...o.thresholds };
    if (o.registry) this.metrics = new ChannelMetrics(o.registry);
    for (const cfg of o.channels) {
      const connector = o.connectors?.[cfg.id] ?? createConnector(cfg, o.log, this.clock, this.halt.signal);
      this.lanes.set(cfg.id, this.newLane(cfg, connector));
    }
    this.index();
  }

  private newLane(cfg: ChannelConfig, connector: Connector): Lane {
    return { cfg, connector, pending: new Map(), forced: new Set(), inFlight: new Set(), active: 0, blockedUntil: 0, alertCodes: '', alertLoggedAt: 0, removed: false };
  }

  /** Rebuild the SKU → lanes index from the lanes' mappings. */
  private index(): void {
    this.bySku.clear();
    for (const lane of this.lanes.values()) {
      for (const sku of Object.keys(lane.cfg.skus)) {
        const list = this.bySku.get(sku) ?? [];
        list.push(lane);
        this.bySku.set(sku, list);
      }
    }
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
    const connector = opts.connector ?? createConnector(cfg, this.o.log, this.clock, this.halt.signal);
    opts.commit?.(cfg);
    const old = this.lanes.get(cfg.id);
    const oldSkus = old ? Object.keys(old.cfg.skus) : [];
    if (old) {
      old.cfg = cfg;
      old.connector = connector;
      old.blockedUntil = 0;
      for (const sku of [...old.pending.keys()]) if (!cfg.skus[sku]) old.pending.delete(sku);
      for (const sku of [...old.forced]) if (!cfg.skus[sku]) old.forced.delete(sku);
    } else this.lanes.set(cfg.id, this.newLane(cfg, connector));
    this.index();
    this.o.log.info({ channel: cfg.id, connector: cfg.connector, mode: cfg.mode, skus: Object.keys(cfg.skus).length, replaced: !!old }, 'channel configured at run time');
    if (this.started) {
      const dropped = oldSkus.filter((sku) => !cfg.skus[sku]);
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
    const l = this.lane(id);
    opts.commit?.();
    l.removed = true;
    l.pending.clear();
    l.forced.clear();
    this.lanes.delete(id);
    this.index();
    this.o.log.info({ channel: id }, 'channel removed at run time');
    if (this.started && !this.stopped) {
      await this.compute(Object.keys(l.cfg.skus));
      this.pumpAll();
    }
  }

  /** Call after every committed move or reservation that changes a SKU's stock. Cheap; never throws. */
  markDirty(sku: string): void {
    this.stats.marks++;
    this.metrics?.marks.inc();
    if (!this.bySku.has(sku)) return;
    const now = this.clock.now();
    mark(this.dirty, sku, now);
    this.wake(Math.min(now + this.policy.quietMs, this.dirty.get(sku)!.first + this.policy.maxDelayMs));
  }

  /**
   * Replay attempts a previous run left unanswered (same keys, same items), reconcile every mapped SKU (pushing only
   * those whose target differs from what the channel confirmed), then run the timers.
   */
  async start(): Promise<void> {
    if (this.started) throw new Error('channel sync already started');
    this.started = true;
    for (const lane of this.lanes.values()) {
      for (const a of this.store.attempts<PushItem>(lane.cfg.id)) {
        this.o.log.info({ channel: lane.cfg.id, key: a.key, items: a.items.length }, 'replaying an unanswered push after restart');
        for (const it of a.items) lane.inFlight.add(it.sku);
        lane.active++;
        this.track(this.send(lane, a.items, a.key, true));
      }
    }
    await this.reconcile();
    const every = this.o.reconcileEveryMs ?? 15 * 60_000;
    if (every > 0) this.periodic.push(setInterval(() => void this.reconcile().catch((err: Error) => this.o.log.error({ err }, 'scheduled reconciliation failed')), every));
    this.periodic.push(setInterval(() => this.health(), this.o.healthEveryMs ?? 5000));
    for (const t of this.periodic) t.unref();
  }

  /**
   * Stop the timers, abort channel requests in flight (an unanswered push keeps its stored attempt and key, and is sent
   * again at the next start) and wait for them to wind up.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.halt.abort();
    for (const t of this.periodic) clearInterval(t);
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    while (this.running.size) await Promise.allSettled([...this.running]);
    if (this.stateDb !== this.o.db && this.stateDb.open) this.stateDb.close();
  }

  /**
   * Full reconciliation: recompute every mapped SKU of one channel (or all). `force` pushes every SKU even when the
   * channel already confirmed its quantity (`POST /channels/:id/resync`). Returns how many SKUs were queued.
   */
  async reconcile(opts: { channel?: string; force?: boolean; verify?: boolean } = {}): Promise<{ queued: number; drifted: number }> {
    const lanes = opts.channel ? [this.lane(opts.channel)] : [...this.lanes.values()];
    let drifted = 0;
    if (opts.verify) for (const l of lanes) if (l.cfg.mode === 'live') drifted += await this.verify(l);
    const skus = new Set<string>();
    for (const l of lanes) for (const sku of Object.keys(l.cfg.skus)) skus.add(sku);
    await this.compute([...skus], opts.force ? new Set(lanes.map((l) => l.cfg.id)) : undefined);
    const now = this.clock.now();
    let queued = 0;
    for (const l of lanes) {
      this.store.reconciled(l.cfg.id, now);
      queued += l.pending.size;
    }
    this.pumpAll();
    return { queued, drifted };
  }

  /**
   * Read what a live channel shows for every mapped SKU; where it differs from what it last confirmed (stock edited
   * in the channel's own admin), remember the real value so the next push corrects it. Returns how many differed.
   */
  private async verify(l: Lane): Promise<number> {
    const id = l.cfg.id;
    const items = Object.entries(l.cfg.skus).map(([sku, m]) => ({ sku, item: m.item ?? sku, ...(m.location ? { location: m.location } : {}) }));
    let drifted = 0;
    for (let i = 0; i < items.length; i += l.connector.batchSize) {
      const reads = await l.connector.read(items.slice(i, i + l.connector.batchSize));
      const now = this.clock.now();
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
        const { due } = dueSkus(this.dirty, this.clock.now(), this.policy);
        for (const sku of due) this.dirty.delete(sku);
        if (due.length) await this.compute(due);
        this.pumpAll();
      } while (this.tickAgain);
    } finally {
      this.ticking = false;
      this.rearm();
    }
  }

  /** Resolves once nothing is dirty, queued or in flight (tests, shutdown). */
  async idle(deadlineMs = 30_000): Promise<void> {
    const until = Date.now() + deadlineMs;
    for (;;) {
      const busy = this.dirty.size > 0 || this.running.size > 0 || [...this.lanes.values()].some((l) => l.pending.size > 0 || l.active > 0);
      if (!busy) return;
      if (Date.now() > until) throw new Error('channel sync did not become idle in time');
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  channelIds(): string[] {
    return [...this.lanes.keys()];
  }

  config(id: string): ChannelConfig | undefined {
    return this.lanes.get(id)?.cfg;
  }

  /** Each channel's health; logs alert transitions (and repeats them every minute) and updates the gauges. */
  health(channel?: string): ChannelHealth[] {
    const now = this.clock.now();
    const lanes = channel ? [this.lane(channel)] : [...this.lanes.values()];
    return lanes.map((l) => {
      const id = l.cfg.id;
      const st = this.store.status(id);
      const sum = this.store.summary(id);
      let oldest = sum.oldestUnsyncedAt;
      for (const [sku, m] of this.dirty) {
        if (l.cfg.skus[sku] && (oldest === null || m.first < oldest)) oldest = m.first;
      }
      const h = evaluateHealth(
        {
          channel: id, mode: l.cfg.mode, lastSuccessAt: st.last_success_at, lastFailureAt: st.last_failure_at,
          consecutiveFailures: st.consecutive_failures, lastError: st.last_error, oldestUnsyncedAt: oldest,
          unsynced: sum.unsynced, driftSkus: sum.driftSkus, driftUnits: sum.driftUnits,
          shownDiffSkus: sum.shownDiffSkus, shownDiffUnits: sum.shownDiffUnits, queued: l.pending.size + l.inFlight.size,
        },
        now,
        this.thresholds,
      );
      this.metrics?.observe(h);
      this.logAlerts(l, h, now);
      return h;
    });
  }

  private logAlerts(l: Lane, h: ChannelHealth, now: number): void {
    const codes = h.alerts.map((a) => a.code).join(',');
    const changed = codes !== l.alertCodes;
    if (!changed && !(codes && now - l.alertLoggedAt >= REALERT_MS)) return;
    l.alertCodes = codes;
    l.alertLoggedAt = now;
    const log = this.o.log;
    const ctx = { channel: h.channel, status: h.status, alerts: h.alerts, consecutiveFailures: h.consecutiveFailures, oldestUnsyncedAt: h.oldestUnsyncedAt };
    if (h.status === 'alert') log.error(ctx, 'channel sync alert');
    else if (h.status === 'warn') log.warn(ctx, 'channel sync warning');
    else if (changed) log.info({ channel: h.channel }, 'channel sync healthy again');
  }

  private lane(id: string): Lane {
    const l = this.lanes.get(id);
    if (!l) throw new Error(`unknown channel "${id}"`);
    return l;
  }

  /** Compute every channel's quantity for these SKUs, store the targets, queue the channels that must act. */
  private async compute(skus: readonly string[], force?: ReadonlySet<string>): Promise<void> {
    const now = this.clock.now();
    const targets = new Map<Lane, Array<{ sku: string; q: number }>>();
    for (const sku of skus) {
      const lanes = this.bySku.get(sku);
      if (!lanes) continue;
      const byLocations = new Map<string, number>();
      const stock = [];
      for (const l of lanes) {
        const key = l.cfg.locations.join('\u0000');
        let available = byLocations.get(key);
        if (available === undefined) {
          available = (await this.o.availability(sku, l.cfg.locations)).available;
          byLocations.set(key, available);
        }
        stock.push({ channel: l.cfg.id, rule: l.cfg.rule, available });
      }
      const q = allocate(stock, this.o.globalBuffer ?? 0);
      for (const l of lanes) {
        const list = targets.get(l) ?? [];
        list.push({ sku, q: q.get(l.cfg.id)! });
        targets.set(l, list);
      }
    }
    this.stateDb.transaction(() => {
      for (const [l, list] of targets) this.store.setTargets(l.cfg.id, list, now);
    })();
    for (const [l, list] of targets) {
      this.stats.computed += list.length;
      for (const t of list) {
        if (!l.pending.has(t.sku)) l.pending.set(t.sku, now);
        if (force?.has(l.cfg.id)) l.forced.add(t.sku);
      }
    }
  }

  private pumpAll(): void {
    if (this.stopped) return;
    for (const l of this.lanes.values()) this.pump(l);
  }

  /** Start as many pushes on this channel as its concurrency allows. */
  private pump(l: Lane): void {
    if (this.stopped || l.removed) return;
    const now = this.clock.now();
    const limit = this.o.concurrency ?? 4;
    while (l.active < limit && now >= l.blockedUntil) {
      const batch: PushItem[] = [];
      for (const [sku, notBefore] of l.pending) {
        if (batch.length >= l.connector.batchSize) break;
        if (notBefore > now || l.inFlight.has(sku)) continue;
        const row = this.store.row(l.cfg.id, sku);
        const forced = l.forced.delete(sku);
        l.pending.delete(sku);
        if (!row || row.should_show === null) continue;
        if (l.cfg.mode === 'live' && !forced && row.last_confirmed === row.should_show) {
          this.stats.unchanged++;
          continue;
        }
        const m = l.cfg.skus[sku];
        if (!m) continue;
        batch.push({ sku, item: m.item ?? sku, ...(m.location ? { location: m.location } : {}), quantity: row.should_show, from: row.last_confirmed });
      }
      if (!batch.length) break;
      for (const it of batch) l.inFlight.add(it.sku);
      l.active++;
      this.track(l.cfg.mode === 'shadow' ? this.shadow(l, batch, l.connector) : this.prepareAndSend(l, batch, l.connector));
    }
  }

  private track(p: Promise<void>): void {
    const tracked = p
      .catch((err: Error) => {
        if (!(err instanceof StopAbort)) this.o.log.error({ err }, 'channel sync step failed');
      })
      .finally(() => {
        this.running.delete(tracked);
        this.rearm();
      });
    this.running.add(tracked);
  }

  /** SKUs never confirmed by the channel are read first, so the compare-and-set starts from what it really shows. */
  private async prepareAndSend(l: Lane, batch: PushItem[], connector: Connector): Promise<void> {
    const unknown = batch.filter((b) => b.from === null);
    let items = batch;
    if (unknown.length) {
      let reads;
      try {
        reads = await connector.read(unknown);
      } catch (err) {
        const retryAt = this.clock.now() + (this.o.retryBaseMs ?? 1000);
        for (const b of batch) {
          l.inFlight.delete(b.sku);
          l.pending.set(b.sku, retryAt);
        }
        l.active--;
        if (!(err instanceof StopAbort)) this.o.log.error({ channel: l.cfg.id, err }, 'reading the channel before the first push failed');
        this.pump(l);
        return;
      }
      const read = new Map(reads.map((r) => [r.sku, r.quantity]));
      const now = this.clock.now();
      items = [];
      for (const b of batch) {
        const current = b.from === null ? (read.get(b.sku) ?? null) : b.from;
        if (b.from === null && current !== null) this.store.known(l.cfg.id, b.sku, current, now);
        if (current === b.quantity && b.from === null) {
          this.store.confirm(l.cfg.id, b.sku, current, now);
          this.stats.unchanged++;
          l.inFlight.delete(b.sku);
        } else items.push({ ...b, from: current });
      }
      if (!items.length) {
        l.active--;
        this.pump(l);
        return;
      }
    }
    await this.send(l, items, newEventId(this.clock.now()), false, connector);
  }

  /** One logical push: stored with its key before it goes out, resolved per SKU when the answer comes. */
  private async send(l: Lane, items: readonly PushItem[], key: string, replay = false, connector = l.connector): Promise<void> {
    const id = l.cfg.id;
    try {
      if (!replay) this.store.beginAttempt(id, key, items, this.clock.now());
      this.stats.pushes++;
      this.stats.itemsPushed += items.length;
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
      this.settle(l, key, items, outcomes);
    } finally {
      for (const it of items) l.inFlight.delete(it.sku);
      l.active--;
      this.pump(l);
    }
  }

  private settle(l: Lane, key: string, items: readonly PushItem[], outcomes: readonly PushOutcome[]): void {
    const id = l.cfg.id;
    const now = this.clock.now();
    const bySku = new Map(outcomes.map((o) => [o.sku, o]));
    const recompute: string[] = [];
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
            recompute.push(it.sku);
            break;
          case 'deferred':
            this.store.release(id, it.sku);
            l.pending.set(it.sku, now);
            break;
          case 'failed': {
            this.store.fail(id, it.sku, o.error);
            const attempts = this.store.row(id, it.sku)?.attempts ?? 1;
            l.pending.set(it.sku, now + backoffMs(attempts, this.o.retryBaseMs ?? 1000, this.o.retryMaxMs ?? 60_000, Math.random()));
            failed ??= o.error;
            break;
          }
        }
      }
      this.store.endAttempt(key);
      if (failed !== undefined) this.store.channelFailure(id, failed, now);
      else if (ok) this.store.channelSuccess(id, now);
    })();
    if (failed !== undefined) {
      const consecutive = this.store.status(id).consecutive_failures;
      l.blockedUntil = now + backoffMs(consecutive, this.o.retryBaseMs ?? 1000, this.o.retryMaxMs ?? 60_000, Math.random());
      this.o.log.warn({ channel: id, key, error: failed, consecutiveFailures: consecutive }, 'channel push failed');
      if (!l.removed) this.health(id);
    }
    for (const sku of recompute) mark(this.dirty, sku, now - this.policy.maxDelayMs);
    if (recompute.length) this.wake(now);
  }

  /** Shadow mode: read what the channel shows and record it beside what we would push. Never writes. */
  private async shadow(l: Lane, batch: PushItem[], connector: Connector): Promise<void> {
    try {
      const reads = await connector.read(batch);
      const now = this.clock.now();
      this.stats.shadowReads += reads.length;
      this.stateDb.transaction(() => {
        for (const r of reads) this.store.recordRead(l.cfg.id, r.sku, r.quantity, now, true);
      })();
      const readErr = reads.find((r) => r.error)?.error;
      if (readErr) this.store.channelFailure(l.cfg.id, readErr, now);
      else this.store.channelSuccess(l.cfg.id, now);
    } finally {
      for (const it of batch) l.inFlight.delete(it.sku);
      l.active--;
      this.pump(l);
    }
  }

  /** Make sure the loop wakes by `at`. */
  private wake(at: number): void {
    if (this.stopped || at >= this.wakeAt) return;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = setTimeout(() => {
      this.wakeAt = Infinity;
      this.wakeTimer = undefined;
      void this.tick();
    }, Math.max(0, at - this.clock.now()));
  }

  /** After a tick or a push: wake for the next coalescing deadline or the earliest delayed retry. */
  private rearm(): void {
    const now = this.clock.now();
    let at = dueSkus(this.dirty, now, this.policy).nextAt ?? Infinity;
    if (this.dirty.size && at === Infinity) at = now;
    const limit = this.o.concurrency ?? 4;
    for (const l of this.lanes.values()) {
      if (l.active >= limit) continue; // a push in flight will pump this lane when it ends
      for (const [sku, notBefore] of l.pending) {
        if (l.inFlight.has(sku)) continue;
        at = Math.min(at, Math.max(notBefore, l.blockedUntil));
      }
    }
    if (at !== Infinity) this.wake(Math.max(at, now));
  }
}
