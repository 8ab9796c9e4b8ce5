// scripts/bench — the hub's REAL apply path end to end: a gateway (worker thread) publishes QoS 1 batches of tag.pass
// events of serialized GS1 EPCs (SGTIN-96, 20 catalog items, random serials) at a receiving door through the
// embedded aedes broker; the ingest validates each batch, dedupes it in the inbox, and the door interpreter turns every
// pass into a receipt (decode EPC → item by GTIN → unit → moveSerial → postMove: balances, FIFO/average cost layers,
// valuation, serial, invariants) plus its door activity row, all in the group-commit transaction; PUBACK after commit.
// Same run: the same path called in-process (no broker, no JSON), the trivial apply (one INSERT) through the broker,
// raw better-sqlite3 statements writing exactly the rows the real path writes (the ceiling), and the bound the real
// path's own SQL sets: the ingest with a no-op apply plus the receipts' recorded statements replayed without logic.
import { loadavg } from 'node:os';
import { encodeSgtin } from '../../protocols/epc/index.js';
import { WIRE_VERSION, type Event, type EventBatch } from '../../protocols/events/index.js';
import type { Statement } from 'better-sqlite3';
import { migrate, type Db } from '../../hub/db/database.js';
import { DoorInterpreter } from '../../hub/doors/interpreter.js';
import { doorsMigrations } from '../../hub/doors/store.js';
import { IngestStore } from '../../hub/ingest/store.js';
import { count, tempDb, type TempDb } from '../../hub/ingest/test-support.js';
import { checkLedger, createItem, createLocation, ledgerMigrations, withBatchedInvariants } from '../../hub/ledger/index.js';
import { batches, benchGateways, endToEnd, publishFromWorker, startHub, tagPass } from './ingest.js';
import { rng } from '../../runtime/rng.js';
import { receiptRowsWriter, type RawPass, type RawSite } from './receipt-rows.js';
import type { Bench, BenchRow } from './report.js';

const T0 = Date.UTC(2025, 2, 1);
const ITEMS = 20;
const BATCH = 100;
const BATCHES = 150;
const WARMUP = 20;
/** A site of 20 doors has about 5 gateways (4 portals each). */
const SITE_GATEWAYS = 5;
export const GTINS = Array.from({ length: ITEMS }, (_, i) => withCheckDigit(`0950600013${String(i).padStart(3, '0')}`));

function withCheckDigit(s13: string): string {
  let sum = 0;
  for (let i = 0; i < 13; i++) sum += Number(s13[12 - i]) * (i % 2 === 0 ? 3 : 1);
  return s13 + String((10 - (sum % 10)) % 10);
}

/** Serials spread over the SGTIN-96 range (38 bits), the same every run. */
const random = rng(20250301);
const nextSerial = (): string => String(Math.floor(random() * 274_877_906_943));

/** A pallet of one of the catalog's items passing inbound through the receiving door. */
export function receivingPass(stream: string, seq: number, nowMs: number): Event {
  const r = encodeSgtin({ gtin: GTINS[seq % ITEMS]!, companyPrefixLength: 7, serial: nextSerial() });
  if (!r.ok) throw new Error(`bench apply: ${r.reason}`);
  return { ...tagPass(stream, seq, nowMs), door: 'door-1', direction: 'in', epc: r.hex } as Event;
}

/** A database the apply runs on, with a receiving door configured on it. */
export interface ApplySite {
  t: TempDb;
  doors: DoorInterpreter;
  /** Names this run's streams apart from an earlier run's on the same database (else its events are duplicates). */
  tag?: string;
}

/**
 * A hub database with the ledger, ingest and door tables, a small site, the catalog and one receiving door.
 * `opened` sees the connection before anything has prepared a statement on it.
 */
function siteDb(opened?: (db: Db) => void): ApplySite {
  const t = tempDb();
  opened?.(t.db);
  migrate(t.db, [ledgerMigrations, doorsMigrations]);
  createLocation(t.db, { id: 'dock-1', name: 'Dock 1', kind: 'door' }, T0);
  createLocation(t.db, { id: 'receiving', name: 'Receiving', kind: 'receiving' }, T0);
  createLocation(t.db, { id: 'stock', name: 'Stock', kind: 'stock' }, T0);
  createLocation(t.db, { id: 'returns', name: 'Returns', kind: 'returns' }, T0);
  GTINS.forEach((gtin, i) =>
    createItem(
      t.db,
      { sku: `P-${i}`, name: `Pallet ${i}`, tracking: 'serial', costMethod: i % 2 ? 'fifo' : 'moving_average', standardCost: 10_000 + i, gtins: [gtin] },
      T0,
    ),
  );
  return { t, doors: receivingDoor(t.db) };
}

/** door-1, a receiving door at dock-1 (receiving → stock), fed by the bench's gateway. */
export function receivingDoor(db: Db): DoorInterpreter {
  const doors = new DoorInterpreter(db);
  doors.configure([{ id: 'door-1', mode: 'receiving', gateway: 'gw-bench', location: 'dock-1', receiving: 'receiving', stock: 'stock', returns: 'returns' }]);
  return doors;
}

/** The moves and the moved passes a site holds. */
function applied(db: Db): { moves: number; activity: number } {
  return { moves: count(db, 'SELECT COUNT(*) AS n FROM moves'), activity: count(db, "SELECT COUNT(*) AS n FROM door_activity WHERE outcome = 'moved'") };
}

/**
 * Every pass was new: one move, one unit, one activity row each (beyond the `before` moves and passes the site held), and the
 * ledger check agrees — the full check, unless the caller checks the new moves itself (`check: false`).
 */
function verify(db: Db, events: number, where: string, before = { moves: 0, activity: 0 }, check = true): void {
  const now = applied(db);
  const moves = now.moves - before.moves;
  const activity = now.activity - before.activity;
  if (moves !== events || activity !== events) throw new Error(`bench apply (${where}): ${moves} moves and ${activity} moved passes for ${events} events`);
  if (!check) return;
  const report = checkLedger(db);
  if (!report.ok) throw new Error(`bench apply (${where}): ledger check failed: ${report.differences[0]!.message}`);
}

/**
 * `n` gateways (each its own worker thread, connection and stream) share the BATCHES batches and publish at once: a
 * site's gateways arrive together, and the ingest commits what arrived together in one group transaction. `noop`:
 * the same messages through the same broker, validation, inbox and commits, but an apply that does nothing — what the
 * ingest itself costs per event, on the thread that also applies. `site`: another database to apply on (the growth
 * bench's large ledgers, applied to again and again under a new `tag`); then the caller checks the new moves.
 */
export async function throughBroker(n: number, noop = false, site?: ApplySite): Promise<{ eventsPerS: number; groups: string }> {
  const { t, doors } = site ?? siteDb();
  const before = site ? applied(t.db) : undefined;
  const gateways = benchGateways(n);
  // The no-op keeps no inbox row for a pass either, as the real path does not (there the door activity row, one of the
  // receipt's own statements, is its record); nothing comes twice here, so there is nothing to find.
  const port = { record: noop ? { kinds: doors.record.kinds, has: () => false } : doors.record };
  const hub = await startHub(noop ? () => undefined : doors.apply, t, withBatchedInvariants, gateways, port);
  try {
    const each = (phase: string, count: number) =>
      gateways.map((gw, i) => batches(`stream-${site?.tag ?? ''}${phase}-${String(i + 1).padStart(2, '0')}`, count, BATCH, 1, receivingPass, gw).payloads);
    await Promise.all(each('warmup', WARMUP / n).map((p, i) => publishFromWorker(hub.url, p, { window: 16 }, gateways[i])));
    const runs = await Promise.all(each('measured', BATCHES / n).map((p, i) => publishFromWorker(hub.url, p, { window: 16 }, gateways[i])));
    const events = (WARMUP + BATCHES) * BATCH;
    if (noop) {
      const applied = count(t.db, 'SELECT SUM(applied) AS n FROM streams');
      if (applied !== events) throw new Error(`bench apply (no-op): ${applied} events applied of ${events}`);
    } else verify(t.db, events, 'end to end', before, !site);
    const g = hub.ingest.stats().groups;
    const seconds = (Math.max(...runs.map((r) => r.t1)) - Math.min(...runs.map((r) => r.t0))) / 1000;
    return { eventsPerS: (BATCHES * BATCH) / seconds, groups: `${g.messages} of ${WARMUP + BATCHES} messages in ${g.committed} group transactions` };
  } finally {
    await hub.close();
  }
}

/** One statement the apply path ran, with its arguments. */
interface Recorded {
  sql: string;
  args: unknown[];
}

/**
 * Record every statement run on `db` from now on (SQL and arguments, in order); `take` hands over what was recorded
 * since the last take. The posting path prepares its statements through db.prepare, so this sees them all.
 */
function recordStatements(db: Db): { take(): Recorded[] } {
  let log: Recorded[] = [];
  const prepare = db.prepare.bind(db);
  db.prepare = ((sql: string) => {
    const st = prepare(sql);
    for (const m of ['run', 'get', 'all', 'iterate'] as const) {
      const call = (st[m] as (...a: unknown[]) => unknown).bind(st);
      (st as unknown as Record<string, unknown>)[m] = (...args: unknown[]) => {
        log.push({ sql, args });
        return call(...args);
      };
    }
    return st;
  }) as Db['prepare'];
  return {
    take() {
      const taken = log;
      log = [];
      return taken;
    },
  };
}

/**
 * The same apply path without broker and JSON: IngestStore.applyBatch, one transaction per batch; and its CPU.
 * `record`: also keep every statement the warmup and the measured batches ran (recording costs, so the figures of a
 * recorded run are not the ones to report).
 */
function inProcess(record = false): { eventsPerS: number; cpuUsPerEvent: number; statements: { warmup: Recorded[]; measured: Recorded[] } } {
  let recorder: ReturnType<typeof recordStatements> | undefined;
  const { t, doors } = siteDb(record ? (db) => (recorder = recordStatements(db)) : undefined);
  try {
    recorder?.take(); // the site's setup
    const store = new IngestStore(t.db, 'bench', doors.apply, withBatchedInvariants, doors.refusal, doors.record);
    const toBatch = (events: Event[]): EventBatch => ({ v: WIRE_VERSION, gateway: 'gw-bench', stream: events[0]!.stream, events });
    const warm = batches('stream-warmup-02', WARMUP, BATCH, 1, receivingPass).events;
    const measured = batches('stream-measured-02', BATCHES, BATCH, 1, receivingPass).events;
    for (let i = 0; i < warm.length; i += BATCH) store.applyBatch(toBatch(warm.slice(i, i + BATCH)), Date.now());
    const warmup = recorder?.take() ?? [];
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < measured.length; i += BATCH) store.applyBatch(toBatch(measured.slice(i, i + BATCH)), Date.now());
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(c0);
    const statements = { warmup, measured: recorder?.take() ?? [] };
    verify(t.db, warm.length + measured.length, 'in process');
    return { eventsPerS: measured.length / seconds, cpuUsPerEvent: (cpu.user + cpu.system) / measured.length, statements };
  } finally {
    t.cleanup();
  }
}

/** What a statement does to which table, e.g. `INSERT balances`, `SELECT catalog_version` (subqueries left out). */
function statementKind(sql: string): string {
  let outer = sql;
  for (let prev = ''; prev !== outer;) [prev, outer] = [outer, outer.replace(/\([^()]*\)/g, '')];
  const verb = /^\s*(\w+)/.exec(outer)?.[1]?.toUpperCase() ?? '?';
  const table = (verb === 'INSERT' ? /\bINTO\s+(\w+)/i : verb === 'UPDATE' ? /^\s*UPDATE\s+(\w+)/i : /\bFROM\s+(\w+)/i).exec(outer)?.[1] ?? '?';
  return `${verb} ${table}`;
}

/**
 * The statements the measured receipts ran, per event and by what they do, most frequent first: deterministic, the
 * same on any machine under any load.
 */
function statementProfile(measured: readonly Recorded[], events: number): { perEvent: number; kinds: string } {
  const kinds = new Map<string, number>();
  for (const r of measured) {
    const k = statementKind(r.sql);
    kinds.set(k, (kinds.get(k) ?? 0) + 1);
  }
  const sorted = [...kinds].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return { perEvent: measured.length / events, kinds: sorted.map(([k, n]) => `${k} ${+(n / events).toPrecision(2)}`).join(', ') };
}

/** The statement profile as a bench row. */
function statementsRow(measured: readonly Recorded[]): BenchRow {
  const p = statementProfile(measured, BATCHES * BATCH);
  return {
    name: 'statements per receipt on the apply path (count, deterministic)',
    value: p.perEvent,
    unit: 'statements/event',
    note: `IngestStore.applyBatch + DoorInterpreter in process, ${BATCHES} batches of ${BATCH}, every statement recorded: ${p.kinds}`,
  };
}

/** The ingest's own statements (inbox, stream positions and gaps, gateways): the no-op ingest pays for those already. */
const INGEST_TABLES = /\b(inbox|streams|stream_gaps|gateways)\b/;

/**
 * The floor under the real path's SQL: the statements the measured receipts ran, minus the ingest's own, replayed on
 * a fresh site (brought to the same state by the warmup's statements) with nothing computed between them, 1,600
 * events per transaction and no fsync. Returns events/s.
 */
function replayStatements(statements: { warmup: Recorded[]; measured: Recorded[] }, events: number): number {
  const { t } = siteDb();
  try {
    const db = t.db;
    db.pragma('synchronous = OFF');
    const prepared = new Map<string, Statement>();
    const compile = (log: Recorded[]) =>
      log
        .filter((r) => !INGEST_TABLES.test(r.sql))
        .map((r) => {
          let st = prepared.get(r.sql);
          if (!st) prepared.set(r.sql, (st = db.prepare(r.sql)));
          return { st, args: r.args, reads: st.reader };
        });
    const replay = db.transaction((steps: ReturnType<typeof compile>) => {
      for (const s of steps) {
        if (s.reads) s.st.all(...s.args);
        else s.st.run(...s.args);
      }
    });
    replay(compile(statements.warmup));
    const steps = compile(statements.measured);
    const perTx = Math.ceil((steps.length / events) * 16 * BATCH);
    const t0 = performance.now();
    for (let i = 0; i < steps.length; i += perTx) replay(steps.slice(i, i + perTx));
    return events / ((performance.now() - t0) / 1000);
  } finally {
    t.cleanup();
  }
}

/**
 * The ceiling: the rows a receipt wrote when issue #24 set its target (inbox, move, two balance upserts, cost layer,
 * valuation, serial, door activity) written raw (`receipt-rows.ts`), one transaction per `perTransaction` passes. The
 * real path writes no inbox row for a pass any more (its door activity row is the ingest's record of it): `inbox =
 * false` is the ceiling of the rows it writes now.
 */
function rawInserts(perTransaction: number, inbox = true): number {
  const { t } = siteDb();
  try {
    const write = receiptRowsWriter(t.db, RAW_SITE, inbox);
    const events = batches('stream-raw-0001', BATCHES, BATCH, 1, receivingPass).events as RawPass[];
    const t0 = performance.now();
    for (let i = 0; i < events.length; i += perTransaction) write(events.slice(i, i + perTransaction));
    return events.length / ((performance.now() - t0) / 1000);
  } finally {
    t.cleanup();
  }
}

/** The bench's receipts raw: from the supplier into receiving at door-1, the item and cost `receivingPass` picks. */
const RAW_SITE: RawSite = {
  door: 'door-1',
  gateway: 'gw-bench',
  from: 'supplier',
  to: 'receiving',
  sku: (p) => `P-${p.seq % ITEMS}`,
  cost: (p) => 10_000 + (p.seq % ITEMS),
};

/** The ceiling the issue set its target against: a receipt's rows as it wrote them then, inbox row included. */
const CEILING = "raw inserts of a receipt's rows (with the inbox row)";

/** Rounds of the end-to-end paths and their ceiling. */
const ROUNDS = 7;

/** One round: the real path with one gateway and with a site's, and the raw ceiling, timed one after another. */
interface Round {
  real: { eventsPerS: number; groups: string };
  site: { eventsPerS: number; groups: string };
  ceiling: number;
}

/**
 * ROUNDS rounds of the real path (one gateway, then a site's) and the raw ceiling at the same batch size, in turn (which
 * goes first rotates): a slow spell of a shared machine lands on both sides of a round's ratio, where single runs a
 * minute apart gave ratios from 0.43 to 1.00 (session 12, a noisy VM).
 */
async function roundsInTurn(): Promise<Round[]> {
  const rounds: Round[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const r: Partial<Round> = {};
    const steps = [
      async () => void (r.real = await throughBroker(1)),
      async () => void (r.ceiling = rawInserts(BATCH)),
      async () => void (r.site = await throughBroker(SITE_GATEWAYS)),
    ];
    for (let k = 0; k < steps.length; k++) await steps[(k + i) % steps.length]!();
    rounds.push(r as Round);
  }
  return rounds;
}

/** The round whose `ratio` is the median (the table shows its figures, so its ratio column is the median ratio). */
export function medianRound<R>(rounds: readonly R[], ratio: (r: R) => number): R {
  if (rounds.length === 0) throw new Error('medianRound: no rounds');
  return [...rounds].sort((a, b) => ratio(a) - ratio(b))[Math.floor((rounds.length - 1) / 2)]!;
}

function roundsNote(rounds: readonly Round[], ratio: (r: Round) => number): string {
  return `the median of ${rounds.length} rounds timed in turn with the ceiling; every round's ratio: ${rounds.map((r) => ratio(r).toFixed(3)).join(', ')}`;
}

export const bench: Bench = {
  name: 'apply',
  async run(): Promise<BenchRow[]> {
    // `npm run bench -- apply --statements`: only the statement count (and, on stderr, what they are), in seconds.
    if (process.argv.includes('--statements')) {
      const row = statementsRow(inProcess(true).statements.measured);
      process.stderr.write(`bench apply: ${row.note}\n`);
      return [row];
    }
    const rounds = await roundsInTurn();
    const realRatio = (r: Round) => r.real.eventsPerS / r.ceiling;
    const siteRatio = (r: Round) => r.site.eventsPerS / r.ceiling;
    const real = medianRound(rounds, realRatio);
    const site = medianRound(rounds, siteRatio);
    const realRounds = roundsNote(rounds, realRatio);
    const siteRounds = roundsNote(rounds, siteRatio);
    process.stderr.write(`bench apply: one gateway, ${realRounds}\nbench apply: ${SITE_GATEWAYS} gateways, ${siteRounds}\n`);
    const ingestOnly = await throughBroker(1, true);
    const local = inProcess();
    const groupCeiling = rawInserts(16 * BATCH);
    const nowCeiling = rawInserts(BATCH, false);
    const recorded = inProcess(true).statements;
    const sqlFloor = replayStatements(recorded, BATCHES * BATCH);
    const trivial = await endToEnd(BATCHES, BATCH);
    // One thread validates, dedupes, applies and commits: per event it spends at least the no-op ingest's time plus
    // SQLite's time for the receipt's own statements with nothing computed between them.
    const bound = 1 / (1 / ingestOnly.eventsPerS + 1 / sqlFloor);
    const setting = `${BATCHES} batches of ${BATCH} tag.pass (SGTIN-96, ${ITEMS} serial items FIFO + moving average, random serials) at a receiving door, WAL synchronous=FULL`;
    return [
      {
        name: 'hub apply end to end: door passes → receipts (events/s)',
        value: real.real.eventsPerS,
        unit: 'events/s',
        baseline: { name: CEILING, value: real.ceiling },
        target: '>= 20,000',
        met: real.real.eventsPerS >= 20_000,
        note: `${setting}; QoS 1, 16 unacked, embedded aedes, PUBACK after commit, gateway in a worker thread; ${real.real.groups}; ${realRounds}; load average ${loadavg()[0]!.toFixed(1)}`,
      },
      {
        name: `hub apply end to end, ${SITE_GATEWAYS} gateways at once (events/s)`,
        value: site.site.eventsPerS,
        unit: 'events/s',
        baseline: { name: CEILING, value: site.ceiling },
        note: `the same ${BATCHES} batches shared by ${SITE_GATEWAYS} gateways publishing together (a site's doors), each its own worker, connection and stream; ${site.site.groups}; ${siteRounds}`,
      },
      {
        name: 'raw inserts of the rows a receipt writes now (no inbox row), 100 per transaction (events/s)',
        value: nowCeiling,
        unit: 'events/s',
        baseline: { name: CEILING, value: real.ceiling },
        note: `the pass's door activity row is the ingest's record of it; the end-to-end ratio to this ceiling: ${(real.real.eventsPerS / nowCeiling).toFixed(3)} (one gateway, the median round's figure)`,
      },
      {
        name: "raw inserts of a receipt's rows, with the inbox row, 1,600 per transaction (events/s)",
        value: groupCeiling,
        unit: 'events/s',
        baseline: { name: '100 per transaction', value: real.ceiling },
        note: 'the largest group commit the ingest makes (16 unacked batches of 100): no parsing, no reads, no logic — what SQLite itself allows for these rows on this machine',
      },
      {
        name: "most the receipt path's SQL allows here: no-op ingest + its statements replayed (events/s)",
        value: bound,
        unit: 'events/s',
        baseline: { name: 'the target', value: 20_000 },
        note: `1 / (1/${Math.round(ingestOnly.eventsPerS)} + 1/${Math.round(sqlFloor)}): the same messages through the broker with an apply that does nothing (validation, inbox, commits with fsync; ${ingestOnly.groups}), plus every statement the receipts ran past the ingest's own (writes and the reads the rules need), replayed with nothing computed between them, 1,600 events per transaction, no fsync — both on the one thread that does both`,
      },
      {
        name: 'hub apply in process: door passes → receipts (events/s)',
        value: local.eventsPerS,
        unit: 'events/s',
        baseline: { name: CEILING, value: real.ceiling },
        note: `IngestStore.applyBatch + DoorInterpreter, one transaction per batch, no broker or JSON; ${local.cpuUsPerEvent.toFixed(0)} µs CPU per event`,
      },
      {
        name: 'hub ingest end to end, trivial apply (events/s)',
        value: trivial.eventsPerS,
        unit: 'events/s',
        note: `same broker path, apply = one INSERT; ${trivial.groups}`,
      },
      statementsRow(recorded.measured),
    ];
  },
};
