// scripts/bench — the gateway outbox: events/s it takes durably (WAL, synchronous=FULL, appends of 50 events as the
// OutboxWriter batches them), next to synchronous=NORMAL and to raw inserts of the same rows into in-memory SQLite,
// all in the same run. Also: unbatched appends (why the writer batches) and acks (the publisher's PUBACK path).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { silentLogger } from '../../protocols/logging/index.js';
import { Outbox, type Synchronous } from '../../gateway/outbox/index.js';
import { tagPassDraft } from '../../gateway/outbox/fixtures/drafts.js';
import type { Bench, BenchRow } from './report.js';

const BATCH = 50;
const EVENTS = Number(process.env.BENCH_OUTBOX_EVENTS ?? 20_000);

function appendRate(dir: string, sync: Synchronous, batch: number, events: number): { rate: number; rows: Array<[number, string, string, number, number, string]> } {
  const path = join(dir, `outbox-${sync}-${batch}.db`);
  const outbox = Outbox.open({ path, logger: silentLogger(), synchronous: sync });
  const drafts = Array.from({ length: events }, (_, i) => tagPassDraft(i));
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < events; i += batch) outbox.append(drafts.slice(i, i + batch), Date.now());
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const rows = outbox.peekRows(events).map((r) => {
    const e = JSON.parse(r.body) as { kind: string };
    return [r.seq, r.id, e.kind, Date.now(), Buffer.byteLength(r.body), r.body] as [number, string, string, number, number, string];
  });
  outbox.close();
  return { rate: events / s, rows };
}

function rawMemoryRate(rows: Array<[number, string, string, number, number, string]>, batch: number): number {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, created_ms INTEGER NOT NULL, bytes INTEGER NOT NULL, body TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?, ?)');
  const tx = db.transaction((chunk: typeof rows) => {
    for (const r of chunk) insert.run(...r);
  });
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < rows.length; i += batch) tx(rows.slice(i, i + batch));
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  db.close();
  return rows.length / s;
}

function ackRate(dir: string, events: number, batch: number): number {
  const outbox = Outbox.open({ path: join(dir, 'ack.db'), logger: silentLogger() });
  const drafts = Array.from({ length: events }, (_, i) => tagPassDraft(i));
  for (let i = 0; i < events; i += 500) outbox.append(drafts.slice(i, i + 500), Date.now());
  const t0 = process.hrtime.bigint();
  for (let seq = 1; seq <= events; seq += batch) outbox.ack(Array.from({ length: Math.min(batch, events - seq + 1) }, (_, k) => seq + k));
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (outbox.depth() !== 0) throw new Error(`ack bench left ${outbox.depth()} rows`);
  outbox.close();
  return events / s;
}

export const bench: Bench = {
  name: 'outbox',
  async run(): Promise<BenchRow[]> {
    const dir = mkdtempSync(join(tmpdir(), 'bench-outbox-'));
    try {
      const full = appendRate(dir, 'FULL', BATCH, EVENTS);
      const normal = appendRate(dir, 'NORMAL', BATCH, EVENTS);
      const raw = rawMemoryRate(full.rows, BATCH);
      const single = appendRate(dir, 'FULL', 1, Math.min(EVENTS, 1000));
      const big = appendRate(dir, 'FULL', 500, EVENTS);
      const acks = ackRate(dir, EVENTS, 200);
      const where = `${EVENTS} tag.pass events (~${Math.round(full.rows.reduce((n, r) => n + r[4], 0) / full.rows.length)} B JSON) in ${tmpdir()}`;
      return [
        { name: `outbox append, synchronous=FULL (chosen), appends of ${BATCH}`, value: full.rate, unit: 'events/s', baseline: { name: 'raw in-memory SQLite inserts, same rows', value: raw }, target: '>= 2,000 (a pallet: hundreds/s)', met: full.rate >= 2000, note: where },
        { name: `outbox append, synchronous=NORMAL, appends of ${BATCH}`, value: normal.rate, unit: 'events/s', baseline: { name: 'synchronous=FULL', value: full.rate }, note: 'not durable against power loss; see gateway/outbox/outbox.ts' },
        { name: 'outbox append, synchronous=FULL, appends of 1 (unbatched)', value: single.rate, unit: 'events/s', baseline: { name: `FULL, appends of ${BATCH}`, value: full.rate }, note: 'one fsync per event: why OutboxWriter batches' },
        { name: 'outbox append, synchronous=FULL, appends of 500', value: big.rate, unit: 'events/s', baseline: { name: 'raw in-memory SQLite inserts, same rows', value: raw } },
        { name: 'outbox ack (delete after PUBACK), 200 seqs per ack, FULL', value: acks, unit: 'events/s' },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
