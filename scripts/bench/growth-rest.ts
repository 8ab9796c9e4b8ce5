// scripts/bench — one round of the growth bench's REST requests, every size's hub in this one process:
// `node --import tsx scripts/bench/growth-rest.ts <round> <requests> <warmup> <hub.db>:<moves>…` starts a real hub
// (every room) on each ledger, asks each path `warmup` times unmeasured and then `requests` times, the sizes in turn
// request by request (timeHttpInterleaved), and prints one JSON line: per size, in the order given, each path's latencies (ms).
// Sizes compared from rounds run one after the other had tails that said more about the moment than the size: in one
// run a unit's history had a p99 of 1.88 ms at 1 M and 0.70 ms at 50 M, with medians within 3 %; in turn, request by
// request, a hiccup of the machine lands on every size alike. In this one process the hubs share a heap, so a
// scavenge falls on whichever size's request is running: the sizes pay for garbage alike too, and what is left
// between them is what the ledger's size costs a request. (In the bench's own process the hubs had inherited what the
// rounds before had left: a SKU's stock at 50 M had a p99 of 1.15 ms there against 0.24–0.42 ms in a process of its own.)
import { silentLogger } from '../../protocols/logging/index.js';
import { startHub, type Hub } from '../../hub/app.js';
import { parseHubConfig } from '../../hub/config/load.js';
import { hubModules } from '../../hub/modules.js';
import { dirname } from 'node:path';
import { benchSiteYaml, timeHttpInterleaved } from './api.js';
import { DAY_MS, DAYS, ROUND, SKUS, T0, epcOf, skuName } from './growth-ledger.js';

const REST_KEYS = ['stock', 'page', 'variances', 'unit', 'day'] as const;
export type RestKey = (typeof REST_KEYS)[number];

/** A deterministic walk over 0..n−1 (the same requests every run). */
function walker(n: number, start = 0): () => number {
  let x = start;
  return () => (x = (x * 7919 + 104_729) % n);
}

interface Size {
  path: string;
  moves: number;
}

const [roundArg, requestsArg, warmupArg, ...sizeArgs] = process.argv.slice(2);
const [round, requests, warmup] = [roundArg, requestsArg, warmupArg].map(Number) as [number, number, number];
const sizes: Size[] = sizeArgs.map((a) => {
  const at = a.lastIndexOf(':');
  return { path: a.slice(0, at), moves: Number(a.slice(at + 1)) };
});
if (!sizes.length || ![round, requests, warmup, ...sizes.map((z) => z.moves)].every((n) => Number.isSafeInteger(n) && n >= 0))
  throw new Error(`usage: growth-rest.ts <round> <requests> <warmup> <hub.db>:<moves>…, got ${process.argv.slice(2).join(' ')}`);

/** A size's hub and the paths asked of it; every size walks the same sequence of SKUs, units and days. */
async function startSize(z: Size): Promise<{ hub: Hub; paths: Record<RestKey, () => string> }> {
  const config = parseHubConfig(benchSiteYaml(z.path), { env: {}, baseDir: dirname(z.path) });
  const hub = await startHub(config, silentLogger(), hubModules(config));
  const next = walker(1_000_003, round * 7);
  const serialRounds = Math.floor(z.moves / ROUND / 2);
  const paths: Record<RestKey, () => string> = {
    stock: () => `/api/v1/stock?sku=${skuName(next() % SKUS)}`,
    page: () => `/api/v1/stock?limit=100&after=${skuName(next() % SKUS)}`,
    variances: () => '/api/v1/variances?status=open&limit=100',
    unit: () => {
      const r = 2 * (next() % serialRounds); // SKUS is even: an even round is a serial SKU's
      return `/api/v1/moves?epc=${epcOf(r % SKUS, 2 * r + (next() % 2))}`;
    },
    day: () => {
      const d = next() % DAYS;
      return `/api/v1/moves?since=${new Date(T0 + d * DAY_MS).toISOString()}&until=${new Date(T0 + (d + 1) * DAY_MS).toISOString()}&limit=100`;
    },
  };
  // The fixture answers what is asked: a unit has its moves, a day has 100.
  const first = async (p: string) => (await (await fetch(hub.url + p)).json()) as { moves: unknown[] };
  if ((await first(paths.unit())).moves.length < 1) throw new Error(`growth: a unit of the ${z.moves} ledger has no history`);
  if ((await first(paths.day())).moves.length !== 100) throw new Error(`growth: a day of the ${z.moves} ledger has fewer than 100 moves`);
  await (await fetch(`${hub.url}/metrics`)).arrayBuffer(); // the first scrape counts the moves, as after a start
  return { hub, paths };
}

const started: Array<Awaited<ReturnType<typeof startSize>>> = [];
try {
  for (const z of sizes) started.push(await startSize(z));
  const out = sizes.map(() => ({}) as Record<RestKey, number[]>);
  for (const key of REST_KEYS) {
    const samples = await timeHttpInterleaved(
      started.map((s) => ({ url: s.hub.url, paths: s.paths[key] })),
      requests,
      warmup,
    );
    out.forEach((o, i) => (o[key] = samples[i]!));
  }
  process.stdout.write(JSON.stringify(out) + '\n');
} finally {
  for (const s of started) await s.hub.stop();
}
