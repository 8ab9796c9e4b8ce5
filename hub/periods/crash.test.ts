// hub/periods — kill -9 during a period close and during its archive: a child process closes the period of a real
// SQLite ledger and is SIGKILLed at seeded random moments, first while it checks and snapshots, then between and
// inside archive batches. After every kill each move is live or archived — never both, never neither — the snapshot
// is the old one or the new one, and the ledger check is clean; a rerun completes the close.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rng } from '../../runtime/rng.js';
import { openArchiveReadOnly } from '../ledger/archive.js';
import { checkFull, moveSerial, postMove } from '../ledger/index.js';
import { makeFixture, T0, type Fixture } from '../ledger/test-fixture.js';
import { bundleFixture } from '../testing/crash-run.js';
import { readPeriodState } from './close.js';

const DAY = 86_400_000;
const THROUGH = T0 + DAY;
const BATCH = 150;
const SEED = 2406;

/** Two days of moves: quantity receipts and sales of A (FIFO) and M (moving average), units of S received and shipped. */
function buildLedger(f: Fixture, perDay: number): void {
  const actor = { kind: 'api', id: 't' } as const;
  f.db.transaction(() => {
    for (let d = 0; d < 2; d++) {
      for (let i = 0; i < perDay; i++) {
        const ms = T0 + d * DAY + i * 1000;
        const at = new Date(ms).toISOString();
        const sku = i % 2 ? 'A' : 'M';
        postMove(f.db, f.mv({ sku, from: 'supplier', to: 'stock', qty: 5, reason: 'receipt', unitCost: 90 + (i % 17), occurredAt: at }), ms);
        postMove(f.db, f.mv({ sku, from: 'stock', to: 'customer', qty: 3, reason: 'shipment', occurredAt: at }), ms);
        const epc = `30340000000000${String(d * perDay + i).padStart(10, '0')}`;
        moveSerial(f.db, { id: `s-${d}-${i}-in`, epc, sku: 'S', from: 'supplier', to: 'stock', reason: 'receipt', actor, occurredAt: at }, ms);
        if (i % 3 === 0) moveSerial(f.db, { id: `s-${d}-${i}-out`, epc, to: 'customer', reason: 'shipment', actor, occurredAt: at }, ms);
      }
    }
  })();
}

interface Run {
  lines: string[];
  exited: Promise<number | null>;
  kill(): void;
  /** Resolves once a line starting with `prefix` has come (the n-th such line). */
  line(prefix: string, n?: number): Promise<void>;
}

function runChild(script: string, db: string): Run {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, PERIOD_DB: db, PERIOD_THROUGH_MS: String(THROUGH), PERIOD_BATCH: String(BATCH) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  let buf = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
    for (const w of waiters.splice(0)) w();
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  let gone = false;
  // 'close', not 'exit': stdout may still deliver lines after 'exit'. `gone` is set before the waiters run, so one
  // waiting for a line the child never printed (more batches than were left) ends instead of waiting forever.
  const exited = new Promise<number | null>((r) =>
    child.once('close', (code) => {
      if (code !== 0 && code !== null) process.stderr.write(err);
      gone = true;
      for (const w of waiters.splice(0)) w();
      r(code);
    }),
  );
  const line = (prefix: string, n = 1) =>
    new Promise<void>((res) => {
      const test = () => (gone || lines.filter((l) => l.startsWith(prefix)).length >= n ? res() : waiters.push(test));
      test();
    });
  return { lines, exited, kill: () => child.kill('SIGKILL'), line };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Each move live or archived (by the live marker), never both or neither; the snapshot old or new; check clean. */
function verify(f: Fixture, ids: readonly string[], cut: number): { snapshot: boolean; archived: number } {
  const db = f.db;
  const state = readPeriodState(db);
  expect([0, cut]).toContain(state.snapshotSeq);
  const live = db.prepare('SELECT id FROM moves ORDER BY seq').pluck().all() as string[];
  let archived: string[] = [];
  const path = `${db.name}.archive.sqlite`;
  if (existsSync(path)) {
    const a = openArchiveReadOnly(path);
    const hasTable = a.prepare("SELECT 1 FROM sqlite_master WHERE name = 'moves'").get() !== undefined;
    archived = hasTable ? (a.prepare('SELECT id FROM moves WHERE seq <= ? ORDER BY seq').pluck().all(state.archivedSeq) as string[]) : [];
    a.close();
  }
  expect(archived.length).toBe(state.archivedSeq);
  expect(new Set([...archived, ...live]).size).toBe(archived.length + live.length);
  expect([...archived, ...live]).toEqual(ids);
  const check = checkFull(db, THROUGH + DAY);
  expect(check.report.differences).toEqual([]);
  return { snapshot: state.snapshotSeq === cut, archived: state.archivedSeq };
}

describe('period close under kill -9', () => {
  let f: Fixture;
  let script: string;
  let ids: string[];
  beforeAll(async () => {
    script = await bundleFixture(new URL('./testing/crash-child.ts', import.meta.url).pathname, 'period-close');
    f = makeFixture();
    buildLedger(f, 700);
    ids = f.db.prepare('SELECT id FROM moves ORDER BY seq').pluck().all() as string[];
    f.db.pragma('wal_checkpoint(TRUNCATE)');
  }, 120_000);
  afterAll(() => {
    f?.close();
    if (script) rmSync(script, { force: true });
  });

  it('leaves the old state or the new after every kill, and a rerun completes the close', async () => {
    const cut = f.db.prepare('SELECT MAX(seq) FROM moves WHERE occurred_ms < ?').pluck().get(THROUGH) as number;
    // How long a close of this ledger takes, on a copy: where to aim the kills (no figure is asserted).
    const copy = `${f.dir}/copy.db`;
    copyFileSync(f.db.name, copy);
    const t0 = performance.now();
    const probe = runChild(script, copy);
    await probe.line('snapshot');
    const closeMs = performance.now() - t0;
    expect(await probe.exited).toBe(0);
    const random = rng(SEED);
    const outcomes: Array<{ phase: string; snapshot: boolean; archived: number }> = [];
    // Kills while it checks and snapshots, until one landed before the snapshot committed (at most 6).
    for (let i = 0; i < 6 && !outcomes.some((o) => o.phase === 'close' && !o.snapshot); i++) {
      if (readPeriodState(f.db).snapshotSeq !== 0) break;
      const run = runChild(script, f.db.name);
      await run.line('start');
      await sleep(random() * closeMs * 0.8);
      run.kill();
      await run.exited;
      outcomes.push({ phase: 'close', ...verify(f, ids, cut) });
    }
    // Kills in the archive: after a random batch, at a random moment of the next.
    for (let i = 0; i < 6; i++) {
      const run = runChild(script, f.db.name);
      await run.line('batch', 1 + Math.floor(random() * 3));
      await sleep(random() * 15);
      run.kill();
      const code = await run.exited;
      outcomes.push({ phase: code === 0 ? 'completed' : 'archive', ...verify(f, ids, cut) });
      if (code === 0) break;
    }
    const last = runChild(script, f.db.name);
    expect(await last.exited).toBe(0);
    expect(verify(f, ids, cut)).toEqual({ snapshot: true, archived: cut });
    // Nothing of a killed batch stays behind in the archive file past the marker.
    const a = openArchiveReadOnly(`${f.db.name}.archive.sqlite`);
    expect(a.prepare('SELECT COUNT(*) FROM moves').pluck().get()).toBe(cut);
    a.close();
    expect(
      outcomes.some((o) => o.phase === 'close' && !o.snapshot),
      JSON.stringify(outcomes),
    ).toBe(true);
    expect(outcomes.filter((o) => o.phase === 'archive' && o.archived > 0 && o.archived < cut).length, JSON.stringify(outcomes)).toBeGreaterThan(0);
  }, 240_000);
});
