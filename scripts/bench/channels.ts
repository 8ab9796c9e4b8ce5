// scripts/bench — channel stock sync: commit → request latency (p50/p99) under a burst of 10,000 moves across 1,000
// SKUs against a local fake Shopify (standard-plan cost bucket: 2,000 points, 100/s), and what coalescing saved.
// Two runs: moves posted through the real ledger in the same process (the hub as it runs: the ledger's commit cost
// paces the burst and competes for the event loop), and the channel layer alone over an in-memory stock table
// (the burst arrives as fast as the loop can take it).
import { silentLogger } from '../../protocols/logging/index.js';
import { postMove } from '../../hub/ledger/index.js';
import { ledgerAvailability } from '../../hub/channels/ledger-port.js';
import { ChannelSync } from '../../hub/channels/sync.js';
import { FakeShopify } from '../../hub/channels/testing/fake-shopify.js';
import { LOCATION_GID, itemGid, makeSite, shopifyChannel } from '../../hub/channels/testing/harness.js';
import type { Bench, BenchRow } from './report.js';
import { rng } from '../../runtime/rng.js';

const MOVES = 10_000;
const SKUS = 1_000;
const MOVES_PER_COMMIT = 50; // ingest applies a batch of events per transaction


function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function scenario(kind: 'ledger' | 'memory'): Promise<BenchRow[]> {
  const skus = Array.from({ length: SKUS }, (_, i) => `SKU-${String(i).padStart(4, '0')}`);
  const site = makeSite(kind === 'ledger' ? skus : []);
  const memory = new Map<string, number>();
  const gidToSku = new Map(skus.map((s) => [itemGid(s), s]));
  const arrivals = new Map<string, number[]>(); // sku → request arrival times
  const shop = await new FakeShopify({
    token: 'shpat_bench',
    bucket: { maximumAvailable: 2000, restoreRate: 100 },
    onRequest: (op, vars) => {
      if (op !== 'set') return;
      const t = performance.now();
      for (const q of (vars.input as { quantities: Array<{ inventoryItemId: string }> }).quantities) {
        const sku = gidToSku.get(q.inventoryItemId)!;
        const list = arrivals.get(sku) ?? [];
        list.push(t);
        arrivals.set(sku, list);
      }
    },
  }).start();
  for (const s of skus) shop.seed(itemGid(s), LOCATION_GID, 0);
  const channel = shopifyChannel('shop', shop.url, 'shpat_bench', skus, { http: { timeoutMs: 10_000, maxTries: 5, backoffBaseMs: 50, backoffMaxMs: 2000 } });
  const availability = kind === 'ledger' ? ledgerAvailability(site.db) : (sku: string) => {
    const q = memory.get(sku) ?? 0;
    return { onHand: q, reserved: 0, available: q };
  };
  const sync = new ChannelSync({ db: site.db, channels: [channel], availability, log: silentLogger(), reconcileEveryMs: 0 });
  // state of a previous run: every SKU confirmed at 0, so the start does not read 1,000 levels
  const t0 = Date.now();
  sync.store.setTargets('shop', skus.map((sku) => ({ sku, q: 0 })), t0);
  site.db.transaction(() => skus.forEach((sku) => sync.store.confirm('shop', sku, 0, t0)))();
  await sync.start();
  await sync.idle();

  const random = rng(42);
  const commits = new Map<string, number[]>(); // sku → commit times
  const started = performance.now();
  for (let m = 0; m < MOVES; ) {
    const touched: string[] = [];
    if (kind === 'ledger') {
      site.db.transaction(() => {
        for (let k = 0; k < MOVES_PER_COMMIT && m < MOVES; k++, m++) {
          const sku = skus[Math.floor(random() * SKUS)]!;
          postMove(site.db, { id: `bench-${m}`, sku, qty: 1, from: 'supplier', to: 'stock', reason: 'receipt', actor: { kind: 'system', id: 'bench' }, occurredAt: new Date().toISOString() }, Date.now());
          touched.push(sku);
        }
      })();
    } else {
      for (let k = 0; k < MOVES_PER_COMMIT && m < MOVES; k++, m++) {
        const sku = skus[Math.floor(random() * SKUS)]!;
        memory.set(sku, (memory.get(sku) ?? 0) + 1);
        touched.push(sku);
      }
    }
    const t = performance.now();
    for (const sku of touched) {
      const list = commits.get(sku) ?? [];
      list.push(t);
      commits.set(sku, list);
      sync.markDirty(sku);
    }
    await new Promise((r) => setImmediate(r));
  }
  const burstMs = performance.now() - started;
  await sync.idle(120_000);
  const settledMs = performance.now() - started;

  const latencies: number[] = [];
  for (const [sku, times] of commits) {
    const reqs = arrivals.get(sku) ?? [];
    for (const t of times) {
      const first = reqs.find((r) => r >= t);
      latencies.push(first === undefined ? Infinity : first - t);
    }
  }
  latencies.sort((a, b) => a - b);
  const wrong = skus.filter((s) => shop.quantity(itemGid(s), LOCATION_GID) !== (kind === 'ledger' ? ledgerAvailability(site.db)(s, ['stock', 'stock-b']).available : (memory.get(s) ?? 0))).length;
  const requests = shop.setRequests().length;
  const throttled = shop.setRequests().filter((r) => r.answer === 'THROTTLED').length;
  const stats = sync.stats;
  await sync.stop();
  await shop.close();
  site.close();

  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  const note = `${kind}: ${MOVES} moves, ${SKUS} SKUs, ${MOVES_PER_COMMIT} moves/commit, burst ${Math.round(burstMs)} ms, all confirmed after ${Math.round(settledMs)} ms`;
  const rows: BenchRow[] = [
    { name: 'channels: commit→request p50', value: p50, unit: 'ms', target: '< 1,000', met: p50 < 1000, note },
    { name: 'channels: commit→request p99', value: p99, unit: 'ms', target: '< 1,000', met: p99 < 1000, note: `max ${Math.round(latencies.at(-1)!)} ms` },
    {
      name: 'channels: HTTP requests (coalesced + batched)',
      value: requests,
      unit: 'requests',
      baseline: { name: 'one push per move', value: MOVES },
      note: `${MOVES - requests} saved; ${throttled} answered THROTTLED; ${stats.pushes} logical pushes`,
    },
    {
      name: 'channels: SKU quantities pushed',
      value: stats.itemsPushed,
      unit: 'items',
      baseline: { name: 'one per move', value: MOVES },
      note: `${stats.unchanged} recomputed but unchanged`,
    },
    { name: 'channels: SKUs wrong at the channel after settling', value: wrong, unit: 'SKUs', target: '0', met: wrong === 0 },
  ];
  return rows.map((r) => ({ ...r, name: r.name.replace('channels:', `channels (${kind === 'ledger' ? 'via ledger' : 'in-memory stock'}):`) }));
}

async function run(): Promise<BenchRow[]> {
  return [...(await scenario('memory')), ...(await scenario('ledger'))];
}

export const bench: Bench = { name: 'channels', run };
