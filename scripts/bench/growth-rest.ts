// scripts/bench — one round of the growth bench's REST requests in a process of its own, as a hub runs in one:
// `node --import tsx scripts/bench/growth-rest.ts <hub.db> <moves> <round> <requests> <warmup>` starts a real hub (every
// room) on the ledger, asks each path `warmup` times unmeasured and then `requests` times, and prints one JSON line:
// each path's latencies (ms). In the bench's own process the hub inherited what the rounds before had left (other
// sizes' hubs, apply's broker and gateways): a SKU's stock at 50 M had a p99 of 1.15 ms there against 0.24–0.42 ms
// for the same requests on the same copy in a process of its own (no disk read, no self-check turn among them).
import { silentLogger } from '../../protocols/logging/index.js';
import { startHub } from '../../hub/app.js';
import { parseHubConfig } from '../../hub/config/load.js';
import { hubModules } from '../../hub/modules.js';
import { dirname } from 'node:path';
import { benchSiteYaml, timeHttp } from './api.js';
import { DAY_MS, DAYS, ROUND, SKUS, T0, epcOf, skuName } from './growth-ledger.js';

export type RestKey = 'stock' | 'page' | 'variances' | 'unit' | 'day';

/** A deterministic walk over 0..n−1 (the same requests every run). */
function walker(n: number, start = 0): () => number {
  let x = start;
  return () => (x = (x * 7919 + 104_729) % n);
}

const [path, movesArg, roundArg, requestsArg, warmupArg] = process.argv.slice(2);
const [moves, round, requests, warmup] = [movesArg, roundArg, requestsArg, warmupArg].map(Number) as [number, number, number, number];
if (!path || ![moves, round, requests, warmup].every((n) => Number.isSafeInteger(n) && n >= 0))
  throw new Error(`usage: growth-rest.ts <hub.db> <moves> <round> <requests> <warmup>, got ${process.argv.slice(2).join(' ')}`);

const config = parseHubConfig(benchSiteYaml(path), { env: {}, baseDir: dirname(path) });
const hub = await startHub(config, silentLogger(), hubModules(config));
try {
  const next = walker(1_000_003, round * 7);
  const serialRounds = Math.floor(moves / ROUND / 2);
  const unitPath = () => {
    const r = 2 * (next() % serialRounds); // SKUS is even: an even round is a serial SKU's
    return `/api/v1/moves?epc=${epcOf(r % SKUS, 2 * r + (next() % 2))}`;
  };
  const dayPath = () => {
    const d = next() % DAYS;
    return `/api/v1/moves?since=${new Date(T0 + d * DAY_MS).toISOString()}&until=${new Date(T0 + (d + 1) * DAY_MS).toISOString()}&limit=100`;
  };
  const paths: Array<[RestKey, () => string]> = [
    ['stock', () => `/api/v1/stock?sku=${skuName(next() % SKUS)}`],
    ['page', () => `/api/v1/stock?limit=100&after=${skuName(next() % SKUS)}`],
    ['variances', () => '/api/v1/variances?status=open&limit=100'],
    ['unit', unitPath],
    ['day', dayPath],
  ];
  // The fixture answers what is asked: a unit has its moves, a day has 100.
  const first = async (p: string) => (await (await fetch(hub.url + p)).json()) as { moves: unknown[] };
  if ((await first(unitPath())).moves.length < 1) throw new Error('growth: a unit of the ledger has no history');
  if ((await first(dayPath())).moves.length !== 100) throw new Error('growth: a day of the ledger has fewer than 100 moves');
  await (await fetch(`${hub.url}/metrics`)).arrayBuffer(); // the first scrape counts the moves, as after a start
  const out = {} as Record<RestKey, number[]>;
  for (const [key, p] of paths) out[key] = await timeHttp(hub.url, p, requests, warmup);
  process.stdout.write(JSON.stringify(out) + '\n');
} finally {
  await hub.stop();
}
