// scripts/bench — the ledger self-check on a ledger of few SKUs with long histories (issue #24 point 4): N moves over 4
// SKUs, interleaved A B C D A B … (two quantity-tracked FIFO SKUs: receive 2, ship 2; two serial ones: receive a unit,
// ship it), posted through the ledger API and cached under .bench/selfcheck/ (migrated to the current schema on open).
// Then, from a verified point of 0 and no verified states, the hub's self-check (LedgerSelfCheck with its default
// options, its timers fast-forwarded) until the point reaches the newest move: the turns it took and how long (p50,
// p99, longest: how long a posting or a request may wait for one), the CPU time, and the time at the hub's pacing
// (each turn followed by the pause it asked for) — the figure that says whether the point catches up at all.
// `nice -n 10 node --import tsx scripts/bench/selfcheck-long.ts [moves=1000000] [--turn-ms X]`; prints one JSON line.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { migrate, openDatabase, type Db } from '../../hub/db/database.js';
import { readVerifiedPoint } from '../../hub/ledger/check-point.js';
import { clearCheckState } from '../../hub/ledger/check-state.js';
import { createItem, createLocation, moveSerial, postMove } from '../../hub/ledger/index.js';
import { ledgerMigrations } from '../../hub/ledger/schema.js';
import { LedgerSelfCheck, SELF_CHECK_DEFAULTS } from '../../hub/ledger/self-check.js';
import { silentLogger } from '../../protocols/logging/index.js';

const T0 = Date.UTC(2025, 0, 1);
const SKUS = ['QA', 'SA', 'QB', 'SB'];
const serial = (sku: string) => sku.startsWith('S');

function build(path: string, n: number): void {
  const tmp = `${path}.tmp`;
  rmSync(tmp, { force: true });
  const db = openDatabase(tmp);
  db.pragma('synchronous = OFF');
  migrate(db, [ledgerMigrations]);
  createLocation(db, { id: 'stock', name: 'stock', kind: 'stock' }, T0);
  for (const sku of SKUS) createItem(db, { sku, name: sku, tracking: serial(sku) ? 'serial' : 'quantity', costMethod: 'fifo', standardCost: 10 }, T0);
  const actor = { kind: 'api' as const, id: 'bench' };
  const post = (i: number) => {
    const sku = SKUS[i % SKUS.length]!;
    const k = Math.floor(i / SKUS.length);
    const inbound = k % 2 === 0;
    const base = { id: `m-${i}`, sku, actor, occurredAt: new Date(T0 + i).toISOString(), unitCost: 10 };
    const way = inbound ? ({ from: 'supplier', to: 'stock', reason: 'receipt' } as const) : ({ from: 'stock', to: 'customer', reason: 'shipment' } as const);
    if (!serial(sku)) return postMove(db, { ...base, ...way, qty: 2 }, T0);
    const epc = `${sku === 'SA' ? 'aa' : 'bb'}${String(Math.floor(k / 2)).padStart(22, '0')}`;
    moveSerial(db, { ...base, ...way, epc }, T0);
  };
  for (let i = 0; i < n;) {
    const end = Math.min(n, i + 20_000);
    db.transaction(() => {
      for (; i < end; i++) post(i);
    })();
  }
  db.close();
  renameSync(tmp, path);
}

/** Reset the verified point to 0 and drop every verified state (the bench measures the self-check from the start). */
function reset(db: Db): void {
  db.prepare('UPDATE ledger_check_point SET seq = 0, at_ms = 0, fault = NULL, fault_scope = NULL, fault_at_ms = NULL WHERE id = 1').run();
  clearCheckState(db);
}

const n = Number(process.argv[2] ?? 1_000_000);
// `--turn-ms X`: another target turn (a very large one sizes the turns by rows alone: sliceReplay moves per turn)
const turnArg = process.argv.indexOf('--turn-ms');
const options = { ...SELF_CHECK_DEFAULTS, ...(turnArg > 0 ? { turnMs: Number(process.argv[turnArg + 1]) } : {}) };
const dir = join('.bench', 'selfcheck');
mkdirSync(dir, { recursive: true });
const path = join(dir, `ledger-${n}.db`);
const buildS = (() => {
  if (existsSync(path)) return 0;
  const t = performance.now();
  build(path, n);
  return (performance.now() - t) / 1000;
})();
const db = openDatabase(path);
migrate(db, [ledgerMigrations]);
const newest = db.prepare('SELECT MAX(seq) FROM moves').pluck().get() as number;

reset(db);
// The hub's self-check itself (its default options), its timers fast-forwarded: each turn runs at once, on the real
// clock (so its slices are sized by how long turns really take), and the pause it asked for is added to the time it
// would have taken at the hub's pacing.
let timer: (() => void) | undefined;
let paceMs = 0;
const runtime = {
  now: () => performance.now(),
  setTimer: (ms: number, fn: () => void) => {
    paceMs += ms;
    timer = fn;
    return { cancel: () => (timer = undefined) };
  },
};
const check = new LedgerSelfCheck(db, runtime, silentLogger(), options);
check.start();
const turns: number[] = [];
while (readVerifiedPoint(db).seq < newest) {
  const fn = timer!;
  timer = undefined;
  const t = performance.now();
  fn();
  const ms = performance.now() - t;
  turns.push(ms);
  paceMs += ms;
  const fault = readVerifiedPoint(db).fault;
  if (fault) throw new Error(`the check fails: ${fault}`);
}
check.stop();
const round = (x: number) => Math.round(x * 10) / 10;
const sorted = [...turns].sort((a, b) => a - b);
const at = (q: number) => round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
const { sliceMoves, sliceReplay, busyPauseMs, maxShare, turnMs } = options;
console.log(
  JSON.stringify({
    moves: n,
    skus: SKUS.length,
    buildS: round(buildS),
    limits: { sliceMoves, sliceReplay, busyPauseMs, maxShare, turnMs },
    turns: turns.length,
    turnMs: { p50: at(0.5), p99: at(0.99), max: round(sorted.at(-1)!) },
    longestTurnAt: turns.indexOf(sorted.at(-1)!) + 1,
    cpuS: round(turns.reduce((a, b) => a + b, 0) / 1000),
    pointToNewestS: round(paceMs / 1000),
  }),
);
db.close();
