// scripts/bench — ledger posting rate: postMove (checks, valuation, balances, invariants) in transactions of 100, with
// its own savepoint per move and in the caller's rollback,
// next to raw better-sqlite3 inserts of the same move rows into a bare table (the ceiling), same run, same settings.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openDatabase, type Db } from '../../hub/db/database.js';
import { checkLedger, createItem, createLocation, ledgerMigrations, postMove, type MoveInput, type PostOptions } from '../../hub/ledger/index.js';
import type { Bench, BenchRow } from './report.js';

const SKUS = 100;
const MOVES = 30_000;
const BATCH = 100;
const T0 = Date.UTC(2025, 2, 1);

/** A realistic mix per SKU: receive 10 at a price, put away, ship 3 twice — 4 moves, all accepted. */
function workload(): MoveInput[] {
  const out: MoveInput[] = [];
  const actor = { kind: 'gateway' as const, id: 'gw-1' };
  for (let i = 0; out.length < MOVES; i++) {
    const sku = `SKU-${i % SKUS}`;
    const at = new Date(T0 + i * 1000).toISOString();
    out.push({ id: `${i}-r`, sku, qty: 10, from: 'supplier', to: 'receiving', reason: 'receipt', reference: `PO-${i}`, unitCost: 100 + (i % 7), actor, occurredAt: at });
    out.push({ id: `${i}-t`, sku, qty: 10, from: 'receiving', to: 'stock', reason: 'transfer', actor, occurredAt: at });
    out.push({ id: `${i}-s1`, sku, qty: 3, from: 'stock', to: 'customer', reason: 'shipment', reference: `SO-${i}`, actor, occurredAt: at });
    out.push({ id: `${i}-s2`, sku, qty: 3, from: 'stock', to: 'customer', reason: 'shipment', reference: `SO-${i}`, actor, occurredAt: at });
  }
  return out.slice(0, MOVES);
}

function setUp(db: Db): void {
  migrate(db, [ledgerMigrations]);
  createLocation(db, { id: 'receiving', name: 'Receiving', kind: 'receiving' }, T0);
  createLocation(db, { id: 'stock', name: 'Stock', kind: 'stock' }, T0);
  for (let s = 0; s < SKUS; s++) createItem(db, { sku: `SKU-${s}`, name: `Item ${s}`, tracking: 'quantity', costMethod: s % 2 ? 'fifo' : 'moving_average', standardCost: 100 }, T0);
}

function timed(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

export const bench: Bench = {
  name: 'ledger',
  async run(): Promise<BenchRow[]> {
    const dir = mkdtempSync(join(tmpdir(), 'bench-ledger-'));
    try {
      const moves = workload();
      /** Post the workload on a fresh ledger in transactions of BATCH; seconds and CPU µs per move. */
      const post = (file: string, options?: PostOptions): { seconds: number; cpuUs: number; db: Db } => {
        const db = openDatabase(join(dir, file));
        setUp(db);
        const c0 = process.cpuUsage();
        const seconds = timed(() => {
          for (let i = 0; i < moves.length; i += BATCH) {
            db.transaction(() => {
              for (const m of moves.slice(i, i + BATCH)) postMove(db, m, T0, options);
            })();
          }
        });
        const c = process.cpuUsage(c0);
        return { seconds, cpuUs: (c.user + c.system) / MOVES, db };
      };
      const verify = (db: Db): void => {
        const r = checkLedger(db);
        if (!r.ok) throw new Error(`ledger check failed after the benchmark: ${r.differences[0]!.message}`);
      };
      const own = post('ledger.db');
      verify(own.db);
      own.db.close();
      const inBatch = post('ledger-in-batch.db', { callerRollsBack: true });
      const checkSec = timed(() => verify(inBatch.db));
      inBatch.db.close();
      const raw = openDatabase(join(dir, 'raw.db'));
      raw.exec(`CREATE TABLE moves (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, sku TEXT, qty INTEGER,
        from_location TEXT, to_location TEXT, reason TEXT, reference TEXT, actor_kind TEXT, actor_id TEXT, unit_cost INTEGER, occurred_ms INTEGER, posted_ms INTEGER)`);
      const ins = raw.prepare('INSERT INTO moves (id, sku, qty, from_location, to_location, reason, reference, actor_kind, actor_id, unit_cost, occurred_ms, posted_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
      const rawSec = timed(() => {
        for (let i = 0; i < moves.length; i += BATCH) {
          raw.transaction(() => {
            for (const m of moves.slice(i, i + BATCH)) ins.run(m.id, m.sku, m.qty, m.from, m.to, m.reason, m.reference ?? null, m.actor.kind, m.actor.id, m.unitCost ?? null, Date.parse(m.occurredAt), T0);
          })();
        }
      });
      raw.close();

      const note = `${MOVES.toLocaleString('en-US')} moves, ${SKUS} SKUs (FIFO + moving average), ${BATCH}/transaction, WAL synchronous=FULL, load average ${loadavg()[0]!.toFixed(1)}`;
      return [
        { name: 'ledger postMove (moves/s)', value: MOVES / own.seconds, unit: 'moves/s', baseline: { name: 'raw inserts', value: MOVES / rawSec }, note: `${note}; a savepoint per move; ${own.cpuUs.toFixed(0)} µs CPU/move` },
        {
          name: 'ledger postMove in the caller\'s rollback (moves/s)',
          value: MOVES / inBatch.seconds,
          unit: 'moves/s',
          baseline: { name: 'raw inserts', value: MOVES / rawSec },
          note: `callerRollsBack (the ingest's and reservations' way: no savepoint per move); ${inBatch.cpuUs.toFixed(0)} µs CPU/move`,
        },
        { name: 'ledger checkLedger (moves/s replayed)', value: MOVES / checkSec, unit: 'moves/s', note: `full recompute of ${MOVES.toLocaleString('en-US')} moves` },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
