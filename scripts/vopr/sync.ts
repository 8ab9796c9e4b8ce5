// scripts/vopr — channel sync in the whole-chain simulator: the real driver (hub/channels/sync.ts) and its pure planner
// (planner.ts) on the hub's SQLite file, told of every stock change the ledger makes (receipts the ingest applies,
// units found and sales at seeded times), pushing through the real Shopify connector to simulated channels
// (channel.ts). It lives and dies with the hub process: a hub crash stops it where it stands (requests in flight are
// cut off, though what was sent may still arrive), a restart replays the stored unanswered pushes with their keys.
// Checked as it happens, at each application on a channel:
// - the quantity is one the allocation rules gave for the ledger's available stock at some computation, and not an
//   older one than the quantity it overwrites (no stale or reordered push undoes a newer one);
// - a key is applied at most once.
// Checked once the run is quiet (converged()): every channel shows exactly what the rules give for the ledger's
// available stock now, and no push is left outstanding in the store.
import type { Database, Statement } from 'better-sqlite3';
import { shopifyConnector } from '../../connectors/shopify.js';
import { DEFAULT_HTTP } from '../../connectors/http.js';
import { parseChannel, type ChannelConfig } from '../../protocols/channels/config.js';
import { allocate } from '../../protocols/channels/rules.js';
import { silentLogger } from '../../protocols/logging/index.js';
import type { SimulatedRuntime } from '../../runtime/testing/simulated-runtime.js';
import { migrate, type Db } from '../../hub/db/database.js';
import { createItem, getStock, postMove } from '../../hub/ledger/index.js';
import { channelsMigrations, ledgerAvailability, markDirtyOnStockChange, ChannelSync } from '../../hub/channels/index.js';
import { SimShopify, type Application, type ChannelFaults, type SetInput } from './channel.js';

/** Quantity-tracked SKUs the simulator receives and sells directly (the ingest's pallets are the serial SKU). */
export const BOXES = ['BOX-1', 'BOX-2'];
const LOCATION = 'gid://shopify/Location/1';
const itemOf = (sku: string) => `gid://shopify/InventoryItem/${sku}`;

export interface SyncScenario {
  channels: ChannelConfig[];
  faults: ChannelFaults;
  globalBuffer: number;
  concurrency: number;
  retryBaseMs: number;
  retryMaxMs: number;
  quietMs: number;
  maxDelayMs: number;
  /** Mean time between direct stock changes (units found (an adjustment) or a sale of a box SKU). */
  changeEveryMs: number;
}

/** The channel sync of a seed: its channels (every one sells every SKU), their rules and faults, drawn from `random`. */
export function syncScenarioOf(random: () => number, skus: readonly string[], sellable: readonly string[]): SyncScenario {
  const pick = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const p = (max: number) => (random() < 0.25 ? 0 : random() * max);
  const n = pick(1, 2);
  const channels: ChannelConfig[] = [];
  for (let i = 1; i <= n; i++) {
    const fixed = i > 1 && random() < 0.3 ? { fixed: pick(1, 10) } : {};
    const max = random() < 0.3 ? { max: pick(5, 60) } : {};
    channels.push(
      parseChannel(
        {
          id: `shop-${i}`,
          connector: 'shopify',
          locations: [...sellable],
          rule: { pct: random() < 0.4 ? 1 : Math.round(random() * 100) / 100, channelBuffer: pick(0, 3), endWhen: pick(0, 2), ...max, ...fixed },
          skus: Object.fromEntries(skus.map((sku) => [sku, { item: itemOf(sku) }])),
          shopify: { endpoint: `https://shop-${i}.example`, accessToken: 'sim', locationId: LOCATION, batchSize: pick(1, 3) },
          http: { timeoutMs: pick(200, 2000), maxTries: pick(1, 5), backoffBaseMs: pick(10, 300), backoffMaxMs: pick(300, 3000) },
        },
        `vopr shop-${i}`,
      ),
    );
  }
  return {
    channels,
    faults: { latencyMs: pick(0, 100), slow: p(0.05), fail: p(0.1), rateLimit: p(0.1), retryAfterS: pick(0, 2), loseAnswer: p(0.1) },
    globalBuffer: pick(0, 2),
    concurrency: pick(1, 4),
    retryBaseMs: pick(20, 500),
    retryMaxMs: pick(500, 5000),
    quietMs: pick(0, 50),
    maxDelayMs: pick(50, 400),
    changeEveryMs: pick(50, 1000),
  };
}

/** One computation of a SKU's quantities: what each channel should show for the available stock read then. */
interface Computation {
  available: number;
  show: Map<string, number>;
}

export class SimSync {
  readonly shops = new Map<string, SimShopify>();
  /** Guarantees broken as they happened (stale overwrites, unknown quantities, a key applied twice). */
  readonly violations: string[] = [];
  readonly errors: string[] = [];
  private readonly computations = new Map<string, Computation[]>();
  /** What each channel×SKU shows, and the newest computation that gave it (-1: not ours). */
  private readonly shown = new Map<string, { quantity: number; source: number }>();
  private readonly appliedKeys = new Set<string>();
  private sync: ChannelSync | undefined;
  private abort: AbortController | undefined;
  private stopListening: Array<() => void> = [];
  private db: Db | undefined;
  private faultsOn = true;
  private changes = 0;
  private keys = 0;
  private readonly t0: number;
  /** The stored outstanding attempt of a key, read through the run's auditor (watch()). */
  private attempt: Statement | undefined;

  constructor(
    private readonly rt: SimulatedRuntime,
    private readonly s: SyncScenario,
    db: Db,
    private readonly skus: readonly string[],
  ) {
    this.t0 = rt.now();
    migrate(db, [channelsMigrations], silentLogger());
    for (const sku of BOXES) createItem(db, { sku, name: sku, tracking: 'quantity', standardCost: 100 }, rt.now());
    for (const c of s.channels) {
      this.shops.set(
        c.id,
        new SimShopify(
          rt,
          s.faults,
          (a) => this.applied(c.id, a),
          (key, q) => this.sending(c.id, key, q),
        ),
      );
      for (const sku of skus) this.shops.get(c.id)!.levels.set(itemOf(sku), Math.floor(rt.random() * 20)); // what it showed before us
    }
  }

  /** Check every push going out against the attempts stored in the file, through `auditor` (read-only, committed). */
  watch(auditor: Database): void {
    this.attempt = auditor.prepare('SELECT channel, items FROM channel_attempts WHERE key = ?');
  }

  /** A hub process started on `db` (its ledger writes go through `writes`): a new channel sync, started. */
  boot(db: Db, writes: Db): void {
    this.db = db;
    const abort = new AbortController();
    this.abort = abort;
    const log = silentLogger();
    const connectors = Object.fromEntries(
      this.s.channels.map((c) => [
        c.id,
        shopifyConnector(c.shopify!, { ...DEFAULT_HTTP, ...c.http, signal: abort.signal, transport: this.shops.get(c.id)!.transport }, this.rt, log),
      ]),
    );
    const available = ledgerAvailability(db);
    const sync = new ChannelSync({
      db,
      channels: this.s.channels,
      availability: (sku, locations) => this.computed(sku, available(sku, locations)),
      log,
      connectors,
      runtime: this.rt,
      globalBuffer: this.s.globalBuffer,
      coalesce: { quietMs: this.s.quietMs, maxDelayMs: this.s.maxDelayMs },
      reconcileEveryMs: 0,
      healthEveryMs: 3_600_000,
      retryBaseMs: this.s.retryBaseMs,
      retryMaxMs: this.s.retryMaxMs,
      concurrency: this.s.concurrency,
      newKey: () => `vopr-push-${++this.keys}`, // a UUIDv7 would draw on the system's randomness
    });
    this.sync = sync;
    this.stopListening = [db, writes].map((d) => markDirtyOnStockChange(d, sync));
    sync.start().catch((err: Error) => this.sync === sync && this.errors.push(`channel sync start failed: ${err.message}`));
  }

  /** The hub process died: its sync stops where it stands (nothing more is planned, stored or sent). */
  crash(): void {
    for (const stop of this.stopListening) stop();
    this.stopListening = [];
    this.abort?.abort(); // requests in flight end unanswered; what was sent may still arrive at the channel
    void this.sync?.stop();
    this.sync = undefined;
    this.db = undefined;
  }

  /** Faults off: channels answer every request promptly, no more direct stock changes. */
  heal(): void {
    this.faultsOn = false;
    for (const shop of this.shops.values()) shop.heal();
  }

  /** Direct stock changes at seeded times while the faults run: units found (an adjustment) or a sale of a box SKU, when the hub is up. */
  startChanges(): void {
    const next = () =>
      this.rt.setTimer(Math.ceil(-Math.log(1 - this.rt.random()) * this.s.changeEveryMs), () => {
        if (!this.faultsOn) return;
        this.change();
        next();
      });
    next();
  }

  private change(): void {
    const db = this.db;
    const sku = BOXES[Math.floor(this.rt.random() * BOXES.length)]!;
    const qty = 1 + Math.floor(this.rt.random() * 8);
    const sale = this.rt.random() < 0.5;
    if (!db) return; // the hub is down: nobody takes the change
    const onHand = getStock(db, { sku })[0]?.locations.find((l) => l.location === 'stock')?.onHand ?? 0;
    if (sale && onHand < qty) return;
    // Not 'receipt': the run's exactly-once check counts receipt moves as the gateways' events.
    const id = `vopr-${sale ? 'sale' : 'found'}-${++this.changes}`;
    const from = sale ? 'stock' : 'adjustment';
    const to = sale ? 'customer' : 'stock';
    const reason = sale ? 'shipment' : 'adjustment';
    postMove(
      db,
      { id, sku, qty, from, to, reason, actor: { kind: 'api', id: 'vopr' }, occurredAt: new Date(this.rt.now()).toISOString(), unitCost: 100 },
      this.rt.now(),
    );
  }

  /** The driver read a SKU's availability: what every channel should show for it (the rules, worked out here). */
  private computed<T extends { available: number }>(sku: string, a: T): T {
    const show = allocate(
      this.s.channels.map((c) => ({ channel: c.id, rule: c.rule, available: a.available })),
      this.s.globalBuffer,
    );
    const list = this.computations.get(sku) ?? [];
    list.push({ available: a.available, show });
    this.computations.set(sku, list);
    return a;
  }

  /**
   * Every try of a push carries the key stored with it, and exactly its stored items (sync.ts: an attempt is stored
   * before the first byte goes out, so a restart can replay it with the same key): otherwise a push the channel applied
   * could be applied again under another key, or an outstanding one never resolved.
   */
  private sending(channel: string, key: string, quantities: SetInput['quantities']): void {
    const stored = this.attempt?.get(key) as { channel: string; items: string } | undefined;
    const at = `t=${this.rt.now() - this.t0} ms`;
    if (!stored || stored.channel !== channel) {
      this.violations.push(`${channel}: a push went out under key ${key}, which is not a stored outstanding attempt of this channel (${at})`);
      return;
    }
    const items = (JSON.parse(stored.items) as Array<{ item: string; quantity: number; from: number | null }>).map((i) => `${i.item}=${i.quantity}<-${i.from}`);
    const sent = quantities.map((q) => `${q.inventoryItemId}=${q.quantity}<-${q.changeFromQuantity}`);
    if (items.join() !== sent.join()) this.violations.push(`${channel}: key ${key} went out with ${sent.join(', ')}; stored with ${items.join(', ')} (${at})`);
  }

  /** A channel applied a push: check it against the computations so far and what it overwrites. */
  private applied(channel: string, a: Application): void {
    const sku = a.item.slice(itemOf('').length);
    const list = this.computations.get(sku) ?? [];
    let source = -1;
    for (let i = list.length - 1; i >= 0; i--)
      if (list[i]!.show.get(channel) === a.quantity) {
        source = i;
        break;
      }
    const at = `t=${this.rt.now() - this.t0} ms`;
    if (this.appliedKeys.has(`${channel}\u0000${a.key}\u0000${a.item}`)) this.violations.push(`${channel} applied key ${a.key} for ${sku} twice (${at})`);
    this.appliedKeys.add(`${channel}\u0000${a.key}\u0000${a.item}`);
    if (source < 0) this.violations.push(`${channel} was set to ${a.quantity} of ${sku}, a quantity no computation gave (${at})`);
    const was = this.shown.get(`${channel}\u0000${sku}`);
    if (was && was.quantity === a.was && a.quantity !== was.quantity && source < was.source)
      this.violations.push(
        `${channel}: a stale push set ${sku} to ${a.quantity} (computation ${source}, available ${list[source]?.available}) over ${was.quantity} of a newer one (computation ${was.source}, available ${list[was.source]?.available}) (${at})`,
      );
    this.shown.set(`${channel}\u0000${sku}`, { quantity: a.quantity, source });
  }

  /**
   * Resolves true once the live sync has nothing dirty, queued or in flight, false if it did not within `limitMs` or
   * its hub process died first. It waits on the simulated timers: the caller advances the runtime meanwhile.
   */
  idle(limitMs: number): Promise<boolean> {
    const sync = this.sync;
    if (!sync) return Promise.resolve(false);
    return sync.idle(limitMs).then(
      () => this.sync === sync,
      () => false,
    );
  }

  /** Once quiet: every channel shows what the rules give for the ledger's available stock; no push outstanding. */
  converged(auditor: Database): string[] {
    const out: string[] = [];
    const available = ledgerAvailability(auditor);
    for (const sku of this.skus) {
      const channels = this.s.channels.map((c) => ({ channel: c.id, rule: c.rule, available: available(sku, c.locations).available }));
      for (const [channel, q] of allocate(channels, this.s.globalBuffer)) {
        const shows = this.shops.get(channel)!.levels.get(itemOf(sku));
        if (shows !== q) out.push(`${channel} shows ${shows} of ${sku} at the end; the rules give ${q} for available ${channels[0]!.available}`);
      }
    }
    const open = auditor.prepare('SELECT COUNT(*) FROM channel_attempts').pluck().get() as number;
    if (open > 0) out.push(`${open} pushes still outstanding in channel_attempts at the end`);
    return out;
  }
}
