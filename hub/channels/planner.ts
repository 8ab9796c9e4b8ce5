// hub/channels — the channel sync's decisions, pure: which SKUs are due (coalescing), what each channel's quantity is
// (the allocation rules and global buffer), which batches go out with which idempotency key, when a failed SKU or
// channel is tried again (the one back-off, runtime/backoff.ts, with the runtime's randomness as jitter) and when the
// loop must wake. No database, no HTTP: the driver (sync.ts) reads stock, stores targets and outcomes, talks to the
// connectors and reports back here. Time, the wake timer and jitter come from the injected Runtime, so a seed and the
// order of inputs replay a run exactly (planner.test.ts, under the simulated runtime).
import type { ChannelConfig } from '../../protocols/channels/config.js';
import { allocate } from '../../protocols/channels/rules.js';
import { newEventId } from '../../protocols/events/index.js';
import type { PushItem } from '../../connectors/types.js';
import { backoffDelay, type BackoffOptions } from '../../runtime/backoff.js';
import type { Runtime, Timer } from '../../runtime/runtime.js';
import { DEFAULT_COALESCE, dueSkus, markDirty, type CoalescePolicy, type DirtyMark } from './coalesce.js';

export interface PlannerOptions {
  runtime: Pick<Runtime, 'now' | 'setTimer' | 'random'>;
  coalesce?: Partial<CoalescePolicy>;
  /** logical pushes in flight per channel. Default 4. */
  concurrency?: number;
  /** back-off of a SKU or a channel after a failed push: ceiling retryBaseMs × 2^(n−1), capped at retryMaxMs, 25 % jitter */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** units held back from every channel */
  globalBuffer?: number;
  /** called when the loop must run (a coalescing window closed, a retry fell due): the driver then calls takeDue and plan */
  onWake: () => void;
  /** the idempotency key of a new logical push; default a UUIDv7 at the runtime's time */
  newKey?: (now: number) => string;
}

/** What the store holds for one channel×SKU, as the planner needs it to decide a push. */
export interface TargetView {
  /** the computed quantity the channel should show; null = not computed yet */
  shouldShow: number | null;
  /** what the channel last confirmed; null = unknown */
  lastConfirmed: number | null;
}

/** A batch the driver must carry out: push these quantities with this key (live), or read them (shadow). */
export interface PlannedBatch {
  readonly channel: string;
  readonly kind: 'push' | 'shadow';
  readonly key: string;
  readonly items: readonly PushItem[];
}

/** A push's answer, per SKU, after the driver stored it; `attempts` = the SKU's failed tries so far (failed only). */
export interface SettledPush {
  failed: ReadonlyArray<{ sku: string; attempts: number }>;
  deferred: readonly string[];
  stale: readonly string[];
  /** the channel's consecutive failures when any SKU failed (the channel then waits out its back-off) */
  channelFailures?: number;
}

interface Lane {
  cfg: ChannelConfig;
  batchSize: number;
  /** SKUs whose stored target must be pushed (or read, in shadow mode), not before the given time */
  pending: Map<string, number>;
  /** SKUs to push even when the channel already confirmed the target (resync) */
  forced: Set<string>;
  inFlight: Set<string>;
  active: number;
  blockedUntil: number;
  /** removed at run time: pushes in flight finish, nothing new starts */
  removed: boolean;
}

export class SyncPlanner {
  private readonly lanes = new Map<string, Lane>();
  private readonly bySku = new Map<string, Lane[]>();
  private readonly dirty = new Map<string, DirtyMark>();
  /**
   * Each batch in flight: its lane (a lane replaced or removed meanwhile still gets its answer) and the SKUs it still
   * holds (release() hands some back early; another batch may then take them, and this one must not free them again).
   */
  private readonly flights = new WeakMap<PlannedBatch, { lane: Lane; holds: Set<string> }>();
  private readonly rt: PlannerOptions['runtime'];
  readonly policy: CoalescePolicy;
  private readonly concurrency: number;
  private readonly backoff: BackoffOptions;
  private readonly globalBuffer: number;
  private readonly newKey: (now: number) => string;
  private wakeTimer?: Timer;
  private wakeAt = Infinity;
  private stopped = false;
  /** computed quantities not pushed because the channel already showed them */
  unchanged = 0;

  constructor(private readonly o: PlannerOptions) {
    this.rt = o.runtime;
    this.policy = { ...DEFAULT_COALESCE, ...o.coalesce };
    this.concurrency = o.concurrency ?? 4;
    this.backoff = { initialMs: o.retryBaseMs ?? 1000, maxMs: o.retryMaxMs ?? 60_000, jitter: 0.25 };
    this.globalBuffer = o.globalBuffer ?? 0;
    this.newKey = o.newKey ?? newEventId;
    const { quietMs, maxDelayMs } = this.policy;
    if (!(quietMs >= 0) || !(maxDelayMs >= quietMs))
      throw new RangeError(`coalescing needs 0 <= quietMs <= maxDelayMs (got quietMs ${quietMs}, maxDelayMs ${maxDelayMs})`);
    if (!(this.concurrency >= 1)) throw new RangeError(`concurrency must be >= 1, got ${this.concurrency}`);
    if (!(this.backoff.initialMs > 0) || !(this.backoff.maxMs >= this.backoff.initialMs)) {
      throw new RangeError(`retry back-off needs 0 < retryBaseMs <= retryMaxMs (got ${this.backoff.initialMs}, ${this.backoff.maxMs})`);
    }
  }

  /** Add a channel or replace one's config (its batch size from its connector). Returns the config it replaced. */
  setChannel(cfg: ChannelConfig, batchSize: number): ChannelConfig | undefined {
    if (!(batchSize >= 1)) throw new RangeError(`channel "${cfg.id}": batch size must be >= 1, got ${batchSize}`);
    const old = this.lanes.get(cfg.id);
    if (old) {
      const was = old.cfg;
      old.cfg = cfg;
      old.batchSize = batchSize;
      old.blockedUntil = 0;
      for (const sku of [...old.pending.keys()]) if (!cfg.skus[sku]) old.pending.delete(sku);
      for (const sku of [...old.forced]) if (!cfg.skus[sku]) old.forced.delete(sku);
      this.index();
      return was;
    }
    this.lanes.set(cfg.id, { cfg, batchSize, pending: new Map(), forced: new Set(), inFlight: new Set(), active: 0, blockedUntil: 0, removed: false });
    this.index();
    return undefined;
  }

  /** Stop planning for a channel: batches in flight still report back, nothing new is planned. */
  removeChannel(id: string): ChannelConfig {
    const l = this.lane(id);
    l.removed = true;
    l.pending.clear();
    l.forced.clear();
    this.lanes.delete(id);
    this.index();
    return l.cfg;
  }

  channelIds(): string[] {
    return [...this.lanes.keys()];
  }

  config(id: string): ChannelConfig | undefined {
    return this.lanes.get(id)?.cfg;
  }

  /** The channels that sell this SKU, in configuration order. */
  channelsOf(sku: string): ChannelConfig[] {
    return (this.bySku.get(sku) ?? []).map((l) => l.cfg);
  }

  /** A stock change of `sku`. Returns false (and plans nothing) when no channel sells it. */
  mark(sku: string): boolean {
    if (!this.bySku.has(sku)) return false;
    const now = this.rt.now();
    markDirty(this.dirty, sku, now);
    const m = this.dirty.get(sku)!;
    this.wake(Math.min(now + this.policy.quietMs, m.first + this.policy.maxDelayMs));
    return true;
  }

  /** The dirty SKUs whose coalescing window has closed, taken off the dirty set: the driver computes them now. */
  takeDue(): string[] {
    const { due } = dueSkus(this.dirty, this.rt.now(), this.policy);
    for (const sku of due) this.dirty.delete(sku);
    return due;
  }

  /** Each channel's quantity of one SKU, by its rule, from what is available in its locations (channel id → units). */
  allocate(sku: string, available: ReadonlyMap<string, number>): Map<string, number> {
    const stock = this.channelsOf(sku).map((cfg) => {
      const a = available.get(cfg.id);
      if (a === undefined) throw new Error(`allocate ${sku}: no availability for channel "${cfg.id}"`);
      return { channel: cfg.id, rule: cfg.rule, available: a };
    });
    return allocate(stock, this.globalBuffer);
  }

  /** The driver stored new targets of these SKUs for a channel: queue them (`force`: push even if already confirmed). */
  queue(channel: string, skus: readonly string[], force = false): void {
    const l = this.lane(channel);
    const now = this.rt.now();
    for (const sku of skus) {
      if (!l.pending.has(sku)) l.pending.set(sku, now);
      if (force) l.forced.add(sku);
    }
  }

  /**
   * The batches to start now, on one channel or all, as far as each channel's concurrency and back-off allow. `view`
   * answers what the store holds; a live SKU whose channel already confirmed its target is dropped (counted in
   * `unchanged`) unless forced.
   */
  plan(view: (channel: string, sku: string) => TargetView | undefined, channel?: string): PlannedBatch[] {
    if (this.stopped) return [];
    const lanes = channel === undefined ? [...this.lanes.values()] : [this.lane(channel)];
    const out: PlannedBatch[] = [];
    for (const l of lanes) this.planLane(l, view, out);
    return out;
  }

  private planLane(l: Lane, view: (channel: string, sku: string) => TargetView | undefined, out: PlannedBatch[]): void {
    if (l.removed) return;
    const now = this.rt.now();
    while (l.active < this.concurrency && now >= l.blockedUntil) {
      const items: PushItem[] = [];
      for (const [sku, notBefore] of l.pending) {
        if (items.length >= l.batchSize) break;
        if (notBefore > now || l.inFlight.has(sku)) continue;
        const row = view(l.cfg.id, sku);
        const forced = l.forced.delete(sku);
        l.pending.delete(sku);
        if (!row || row.shouldShow === null) continue;
        if (l.cfg.mode === 'live' && !forced && row.lastConfirmed === row.shouldShow) {
          this.unchanged++;
          continue;
        }
        const m = l.cfg.skus[sku];
        if (!m) continue;
        items.push({ sku, item: m.item ?? sku, ...(m.location ? { location: m.location } : {}), quantity: row.shouldShow, from: row.lastConfirmed });
      }
      if (!items.length) break;
      out.push(this.fly(l, l.cfg.mode === 'shadow' ? 'shadow' : 'push', this.newKey(now), items));
    }
  }

  /** A push a previous run left unanswered, sent again with its own key: in flight from now on. */
  replay(channel: string, key: string, items: readonly PushItem[]): PlannedBatch {
    return this.fly(this.lane(channel), 'push', key, items);
  }

  private fly(l: Lane, kind: PlannedBatch['kind'], key: string, items: readonly PushItem[]): PlannedBatch {
    for (const it of items) {
      if (l.inFlight.has(it.sku)) throw new Error(`channel "${l.cfg.id}": ${it.sku} is already in flight`);
      l.inFlight.add(it.sku);
    }
    l.active++;
    const batch: PlannedBatch = { channel: l.cfg.id, kind, key, items };
    this.flights.set(batch, { lane: l, holds: new Set(items.map((it) => it.sku)) });
    return batch;
  }

  /** Some SKUs of a batch are settled before it is sent (the channel already showed them): free them now. */
  release(batch: PlannedBatch, skus: readonly string[]): void {
    const { lane, holds } = this.flight(batch);
    for (const sku of skus) if (holds.delete(sku)) lane.inFlight.delete(sku);
  }

  /** Reading the channel before a first push failed: the whole batch is tried again after the base back-off. */
  readFailed(batch: PlannedBatch): void {
    const l = this.flight(batch).lane;
    const at = this.rt.now() + this.backoff.initialMs;
    for (const it of batch.items) if (!l.removed) l.pending.set(it.sku, at);
    this.ended(batch);
  }

  /**
   * A push was answered and the driver stored the outcomes: deferred SKUs go again at once, failed ones after their
   * back-off even if their target is what the channel last confirmed (and the whole channel after its own when any
   * failed), stale ones are recomputed at once.
   */
  settled(batch: PlannedBatch, s: SettledPush): void {
    const l = this.flight(batch).lane;
    const now = this.rt.now();
    if (!l.removed) {
      for (const sku of s.deferred) l.pending.set(sku, now);
      // A failed push may have been applied all the same (its answer lost, a timeout): what the store says the channel
      // confirmed is no longer known to be true, so the retry goes even when the target equals it (the compare-and-set
      // then finds out what the channel shows).
      for (const f of s.failed) {
        l.pending.set(f.sku, now + this.delay(f.attempts));
        l.forced.add(f.sku);
      }
    }
    if (s.channelFailures !== undefined) l.blockedUntil = now + this.delay(s.channelFailures);
    // The channel changed under us (an order taken there): recompute now, as if the coalescing window had closed.
    for (const sku of s.stale) markDirty(this.dirty, sku, now - this.policy.maxDelayMs);
    if (s.stale.length) this.wake(now);
  }

  /** The batch is over (answered, failed, interrupted): the SKUs it still holds and its slot are free. */
  ended(batch: PlannedBatch): void {
    const { lane: l, holds } = this.flight(batch);
    this.flights.delete(batch);
    for (const sku of holds) l.inFlight.delete(sku);
    l.active--;
    if (l.active < 0) throw new Error(`channel "${l.cfg.id}": more batches ended than started`);
  }

  /** The back-off before the next try after `failures` failures (1 = the first), with the runtime's jitter. */
  delay(failures: number): number {
    return backoffDelay(Math.max(0, failures - 1), this.backoff, this.rt.random());
  }

  /** When the channel is blocked until (after failures), 0 = not blocked. */
  blockedUntil(channel: string): number {
    return this.lane(channel).blockedUntil;
  }

  /** SKUs queued (not in flight) on a channel, and those queued or in flight. */
  queued(channel: string): { pending: number; queuedOrInFlight: number } {
    const l = this.lane(channel);
    return { pending: l.pending.size, queuedOrInFlight: l.pending.size + l.inFlight.size };
  }

  /** When the oldest stock change of a SKU this channel sells, not yet computed, happened (null: none). */
  oldestDirty(channel: string): number | null {
    const l = this.lane(channel);
    let oldest: number | null = null;
    for (const [sku, m] of this.dirty) if (l.cfg.skus[sku] && (oldest === null || m.first < oldest)) oldest = m.first;
    return oldest;
  }

  /** Anything dirty, queued or in flight. */
  busy(): boolean {
    return this.dirty.size > 0 || [...this.lanes.values()].some((l) => l.pending.size > 0 || l.active > 0);
  }

  /** After a tick or a batch: wake for the next coalescing deadline or the earliest delayed retry. */
  rearm(): void {
    const now = this.rt.now();
    let at = dueSkus(this.dirty, now, this.policy).nextAt ?? Infinity;
    if (this.dirty.size && at === Infinity) at = now;
    for (const l of this.lanes.values()) {
      if (l.active >= this.concurrency) continue; // a batch in flight will plan this lane when it ends
      for (const [sku, notBefore] of l.pending) {
        if (l.inFlight.has(sku)) continue;
        at = Math.min(at, Math.max(notBefore, l.blockedUntil));
      }
    }
    if (at !== Infinity) this.wake(Math.max(at, now));
  }

  /** Cancel the wake timer and plan nothing more; batches in flight may still report back. */
  stop(): void {
    this.stopped = true;
    this.wakeTimer?.cancel();
    this.wakeTimer = undefined;
    this.wakeAt = Infinity;
  }

  /** Make sure the loop wakes by `at`. */
  private wake(at: number): void {
    if (this.stopped || at >= this.wakeAt) return;
    this.wakeTimer?.cancel();
    this.wakeAt = at;
    this.wakeTimer = this.rt.setTimer(Math.max(0, at - this.rt.now()), () => {
      this.wakeAt = Infinity;
      this.wakeTimer = undefined;
      this.o.onWake();
    });
  }

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

  private lane(id: string): Lane {
    const l = this.lanes.get(id);
    if (!l) throw new Error(`unknown channel "${id}"`);
    return l;
  }

  private flight(batch: PlannedBatch): { lane: Lane; holds: Set<string> } {
    const l = this.flights.get(batch);
    if (!l) throw new Error(`channel "${batch.channel}": batch ${batch.key} is not in flight`);
    return l;
  }
}
