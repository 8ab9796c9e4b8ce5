// scripts/bench — the ledger self-check on a ledger of few SKUs with long histories (issue #24 point 4): N moves over 4
// SKUs, interleaved A B C D A B … (two quantity-tracked FIFO SKUs: receive 2, ship 2; two serial ones: receive a unit,
// ship it), posted through the ledger API and cached under .bench/selfcheck/. Then, on that database: the longest
// single call of the old self-check slice (checkIncremental with the hub's default limits, one call per timer turn),
// and the new one's slices (checkIncrementalSliced, one `next()` per timer turn): the longest slice, the slices and
// the CPU time of one check, the moves it verified; and how long the point would take to reach the newest move at the
// hub's pacing (busyPauseMs, or the maxShare pause when longer).
// `nice -n 10 node --import tsx scripts/bench/selfcheck-long.ts [moves=1000000] [checks=3]`; prints one JSON line.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { migrate, openDatabase, type Db } from '../../hub/db/database.js';
import { checkIncremental, checkIncrementalSliced, readVerifiedPoint } from '../../hub/ledger/check-point.js';
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

/** Reset the verified point to 0 (the bench measures a check from the start). */
function resetPoint(db: Db): void {
  db.prepare('UPDATE ledger_check_point SET seq = 0, at_ms = 0, fault = NULL, fault_scope = NULL, fault_at_ms = NULL WHERE id = 1').run();
}

const n = Number(process.argv[2] ?? 1_000_000);
const checks = Number(process.argv[3] ?? 3);
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
const { sliceMoves, sliceReplay, busyPauseMs, maxShare } = SELF_CHECK_DEFAULTS;
const limit = { moves: sliceMoves, replay: sliceReplay };

// Before: one checkIncremental call per timer turn.
resetPoint(db);
const oldTicks: number[] = [];
for (let c = 0; c < checks; c++) {
  const t = performance.now();
  checkIncremental(db, T0, limit);
  oldTicks.push(performance.now() - t);
}
const oldPoint = readVerifiedPoint(db).seq;

// After: a check in slices, one next() per timer turn.
resetPoint(db);
const newChecks: Array<{ slices: number; longestMs: number; cpuMs: number; finalMs: number; verified: number; paceMs: number }> = [];
for (let c = 0; c < checks; c++) {
  const gen = checkIncrementalSliced(db, () => T0, limit, sliceReplay);
  let slices = 0;
  let longestMs = 0;
  let cpuMs = 0;
  let paceMs = 0;
  for (;;) {
    const t = performance.now();
    const r = gen.next();
    const ms = performance.now() - t;
    slices++;
    longestMs = Math.max(longestMs, ms);
    cpuMs += ms;
    paceMs += ms + pauseAfterSlice(ms, busyPauseMs, maxShare ?? 0.1);
    if (r.done) {
      if (!r.value.report.ok) throw new Error(`the check fails: ${r.value.point.fault}`);
      newChecks.push({ slices, longestMs, cpuMs, finalMs: ms, verified: r.value.toSeq - r.value.fromSeq, paceMs });
      break;
    }
  }
}
const newPoint = readVerifiedPoint(db).seq;
if (newPoint !== oldPoint) throw new Error(`the sliced check verified to ${newPoint}, the old one to ${oldPoint}`);
const perCheck = newChecks.reduce((s, c) => s + c.paceMs, 0) / newChecks.length;
const verifiedPerCheck = newPoint / checks;
const round = (x: number) => Math.round(x * 10) / 10;
console.log(
  JSON.stringify({
    moves: n,
    skus: SKUS.length,
    buildS: round(buildS),
    limits: { sliceMoves, sliceReplay, busyPauseMs, maxShare },
    before: { longestTickMs: round(Math.max(...oldTicks)), ticksMs: oldTicks.map(round), verifiedPerTick: oldPoint / checks },
    after: {
      longestTickMs: round(Math.max(...newChecks.map((c) => c.longestMs))),
      checks: newChecks.map((c) => ({
        slices: c.slices,
        longestMs: round(c.longestMs),
        finalMs: round(c.finalMs),
        cpuMs: round(c.cpuMs),
        verified: c.verified,
      })),
      pacedSPerCheck: round(perCheck / 1000),
    },
    pointToNewestDays: round(((n / verifiedPerCheck) * perCheck) / 86_400_000),
  }),
);
db.close();
