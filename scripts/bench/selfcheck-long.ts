// scripts/bench — the ledger self-check on a ledger of few SKUs with long histories (issue #24 point 4): N moves over 4
// SKUs, interleaved A B C D A B … (two quantity-tracked FIFO SKUs: receive 2, ship 2; two serial ones: receive a unit,
// ship it), posted through the ledger API and cached under .bench/selfcheck/ (migrated to the current schema on open).
// Then, from a verified point of 0 and no verified states, the self-check's checks (checkIncrementalSliced with the
// hub's default limits, one `next()` per timer turn) until the point reaches the newest move: the checks and turns it
// took, the longest turn, the CPU time, and the time at the hub's pacing (each turn followed by busyPauseMs, or the
// maxShare pause when longer) — the figure that says whether the point catches up at all.
// `nice -n 10 node --import tsx scripts/bench/selfcheck-long.ts [moves=1000000]`; prints one JSON line.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { migrate, openDatabase, type Db } from '../../hub/db/database.js';
import { checkIncrementalSliced, readVerifiedPoint } from '../../hub/ledger/check-point.js';
import { clearCheckState } from '../../hub/ledger/check-state.js';
import { createItem, createLocation, moveSerial, postMove } from '../../hub/ledger/index.js';
import { ledgerMigrations } from '../../hub/ledger/schema.js';
import { pauseAfterSlice, SELF_CHECK_DEFAULTS } from '../../hub/ledger/self-check.js';

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
const { sliceMoves, sliceReplay, busyPauseMs, maxShare } = SELF_CHECK_DEFAULTS;
const limit = { moves: sliceMoves, replay: sliceReplay };
const newest = db.prepare('SELECT MAX(seq) FROM moves').pluck().get() as number;

reset(db);
const checks: Array<{ slices: number; longestMs: number; cpuMs: number; replayed: number; verified: number }> = [];
let paceMs = 0;
while (readVerifiedPoint(db).seq < newest) {
  const gen = checkIncrementalSliced(db, () => T0, limit, sliceReplay);
  const c = { slices: 0, longestMs: 0, cpuMs: 0, replayed: 0, verified: 0 };
  for (;;) {
    const t = performance.now();
    const r = gen.next();
    const ms = performance.now() - t;
    c.slices++;
    c.longestMs = Math.max(c.longestMs, ms);
    c.cpuMs += ms;
    paceMs += ms + pauseAfterSlice(ms, busyPauseMs, maxShare ?? 0.1);
    if (r.done) {
      if (!r.value.report.ok) throw new Error(`the check fails: ${r.value.point.fault}`);
      c.replayed = r.value.report.moves;
      c.verified = r.value.toSeq - r.value.fromSeq;
      break;
    }
  }
  checks.push(c);
}
const round = (x: number) => Math.round(x * 10) / 10;
const sum = (f: (c: (typeof checks)[number]) => number) => checks.reduce((s, c) => s + f(c), 0);
const longest = checks.reduce((a, c) => (c.longestMs > a.longestMs ? c : a));
console.log(
  JSON.stringify({
    moves: n,
    skus: SKUS.length,
    buildS: round(buildS),
    limits: { sliceMoves, sliceReplay, busyPauseMs, maxShare },
    checks: checks.length,
    turns: sum((c) => c.slices),
    replayed: sum((c) => c.replayed),
    longestTurnMs: round(longest.longestMs),
    longestTurnInCheck: checks.indexOf(longest) + 1,
    cpuS: round(sum((c) => c.cpuMs) / 1000),
    pointToNewestS: round(paceMs / 1000),
    firstChecks: checks
      .slice(0, 5)
      .map((c) => ({ slices: c.slices, longestMs: round(c.longestMs), cpuMs: round(c.cpuMs), replayed: c.replayed, verified: c.verified })),
    laterLongestTurnMs: round(Math.max(0, ...checks.slice(SKUS.length).map((c) => c.longestMs))),
  }),
);
db.close();
