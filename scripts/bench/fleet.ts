// scripts/bench — the fleet: 10 and then 50 simulated sites publish their change feeds (move records of the
// protocols/feed contract, Nats-Msg-Id = change id) to a 3-node JetStream cluster on loopback (streams R3); the fleet
// applies them to PostgreSQL. Measured in the same run: apply events/s (backlog drained from the streams) against a
// server-side COPY of the same rows into a table of the same shape, and feed latency publish → applied (p50/p99)
// with the fleet running while sites publish, and the CPU each applied event costs (the fleet, PostgreSQL, the
// nats-servers), so the 50-site rows read against the 10-site ones as growth. The sites are simulated publishers, not
// hubs (a hub's own publish path is the outbox bench's business); everything else is the real fleet.
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import pg from 'pg';
import { FEED_VERSION, feedStream, feedSubject, type FeedRecordOf } from '../../protocols/feed/index.js';
import { silentLogger } from '../../protocols/logging/index.js';
import { isoTs } from '../../protocols/events/index.js';
import { startFleet } from '../../fleet/app.js';
import { parseFleetConfig } from '../../fleet/config.js';
import { migrateFleet } from '../../fleet/store/schema.js';
import { startNatsCluster, type NatsCluster } from '../../fleet/testing/nats-cluster.js';
import { startPostgres } from '../../fleet/testing/postgres.js';
import { waitFor } from '../../fleet/testing/ports.js';
import { cpuMs } from './proc.js';
import type { Bench, BenchRow } from './report.js';

const PER_SITE = Number(process.env.BENCH_FLEET_PER_SITE ?? 1000);
const LATENCY_PER_SITE = Number(process.env.BENCH_FLEET_LATENCY_PER_SITE ?? 40);
const BATCH = 500;
const POOL = 8;

function move(site: string, seq: number, ms: number): FeedRecordOf<'move'> {
  const inbound = seq % 3 !== 0;
  return {
    v: FEED_VERSION, site, seq, id: `${site}-m${seq}`, ts: isoTs(ms), kind: 'move',
    data: { sku: `SKU-${seq % 50}`, qty: inbound ? 2 : 1, from: inbound ? 'supplier' : 'stock', to: inbound ? 'stock' : 'customer', fromKind: inbound ? 'supplier' : 'stock', toKind: inbound ? 'stock' : 'customer', fromVirtual: inbound, toVirtual: !inbound, reason: inbound ? 'receipt' : 'shipment', reference: null, epc: null, occurredAt: isoTs(ms), valueDelta: 0 },
  };
}

interface Round {
  sites: number;
  events: number;
  applyRate: number;
  copyRate: number;
  p50: number;
  p99: number;
  /** CPU µs per applied event during the backlog drain: the fleet (this process), PostgreSQL, the 3 nats-servers. */
  cpu: { fleet: number; postgres: number; nats: number; total: number };
}

/** CPU ms of a set of processes; one that is gone reads as what it had last. */
function cpuOf(pids: number[], last: Map<number, number>): number {
  let sum = 0;
  for (const pid of pids) {
    try {
      last.set(pid, cpuMs(pid));
    } catch {
      // exited: its last reading stands
    }
  }
  for (const v of last.values()) sum += v;
  return sum;
}

async function round(sites: number, nats: NatsCluster, pgUrl: string, dir: string): Promise<Round> {
  const ids = Array.from({ length: sites }, (_, i) => `bench-${sites}-${i}`);
  const nc = await connect({ servers: nats.servers });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  for (const id of ids) await jsm.streams.add({ name: feedStream(id), subjects: [feedSubject(id)], storage: StorageType.File, num_replicas: 3 });
  // Backlog: every site's records in its stream before the fleet starts.
  const records = ids.flatMap((id) => Array.from({ length: PER_SITE }, (_, i) => move(id, i + 1, Date.now())));
  for (let i = 0; i < records.length; i += 500) {
    await Promise.all(records.slice(i, i + 500).map((r) => js.publish(feedSubject(r.site), JSON.stringify(r), { msgID: r.id })));
  }
  const config = parseFleetConfig(`sites: [${ids.map((s) => `{ id: ${s} }`).join(', ')}]\nnats: { servers: [${nats.servers.join(', ')}], replicas: 3, batch: ${BATCH} }\npostgres: { url: '${pgUrl}', poolSize: ${POOL} }\nhttp: { host: 127.0.0.1, port: 0 }\n`);
  // The schema exists before the clock starts: migrations are not apply.
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await migrateFleet(admin);
  const pgPids = async () => (await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity')).rows.map((r) => r.pid);
  const natsPids = nats.nodes.map((n) => n.process!.pid!);
  const pgCpu = new Map<number, number>();
  const natsCpu = new Map<number, number>();
  const pg0 = cpuOf(await pgPids(), pgCpu);
  const nats0 = cpuOf(natsPids, natsCpu);
  const fleet0 = process.cpuUsage();
  const t0 = Date.now();
  const fleet = await startFleet(config, silentLogger());
  const db = fleet.pool;
  const applied = async () => Number((await db.query('SELECT COALESCE(SUM(applied_through), 0) AS n FROM fleet_sites WHERE site LIKE $1', [`bench-${sites}-%`])).rows[0].n);
  await waitFor('the backlog to be applied', async () => {
    cpuOf(await pgPids(), pgCpu); // backends that leave the pool before the end still count
    return (await applied()) === records.length;
  }, 600_000);
  const fleetCpu = process.cpuUsage(fleet0);
  const pgUsed = cpuOf(await pgPids(), pgCpu) - pg0;
  const natsUsed = cpuOf(natsPids, natsCpu) - nats0;
  // The drain ended when its last row was written (PostgreSQL's clock, same machine), not when the poll saw it.
  const end = (await db.query('SELECT MAX(applied_at) AS t FROM fleet_changes WHERE site LIKE $1', [`bench-${sites}-%`])).rows[0].t as Date;
  const applyRate = records.length / ((end.getTime() - t0) / 1000);
  const perEvent = (ms: number) => (ms * 1000) / records.length;
  const cpu = { fleet: perEvent((fleetCpu.user + fleetCpu.system) / 1000), postgres: perEvent(pgUsed), nats: perEvent(natsUsed), total: 0 };
  cpu.total = cpu.fleet + cpu.postgres + cpu.nats;

  // COPY of the same rows, server side, into a table of fleet_changes' shape.
  const csv = join(dir, `changes-${sites}.csv`);
  writeFileSync(csv, records.map((r) => [r.site, r.seq, r.id, r.kind, r.ts, JSON.stringify(JSON.stringify(r.data)).replaceAll('\\"', '""')].join(',')).join('\n'));
  chmodSync(csv, 0o644);
  await db.query('DROP TABLE IF EXISTS bench_copy; CREATE TABLE bench_copy (LIKE fleet_changes INCLUDING ALL)');
  const c0 = process.hrtime.bigint();
  await db.query(`COPY bench_copy (site, seq, id, kind, ts, data) FROM '${csv}' WITH (FORMAT csv)`);
  const copyRate = records.length / (Number(process.hrtime.bigint() - c0) / 1e9);
  const copied = Number((await db.query('SELECT COUNT(*) AS n FROM bench_copy')).rows[0].n);
  if (copied !== records.length) throw new Error(`COPY loaded ${copied} rows of ${records.length}`);

  // Latency: sites publish while the fleet runs; publish time is the record's ts, applied_at the fleet's clock.
  const since = new Date();
  for (let k = 0; k < LATENCY_PER_SITE; k++) {
    await Promise.all(ids.map((id) => {
      const r = move(id, PER_SITE + k + 1, Date.now());
      return js.publish(feedSubject(id), JSON.stringify(r), { msgID: r.id });
    }));
    await new Promise((r) => setTimeout(r, 20));
  }
  const total = records.length + LATENCY_PER_SITE * sites;
  await waitFor('the live records to be applied', async () => (await applied()) === total, 600_000);
  const lat = (await db.query(`SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99
      FROM (SELECT EXTRACT(EPOCH FROM (applied_at - ts)) * 1000 AS ms FROM fleet_changes WHERE ts >= $1 AND site LIKE $2) x`, [since, `bench-${sites}-%`])).rows[0];
  await fleet.stop();
  await admin.end();
  await nc.close();
  return { sites, events: records.length, applyRate, copyRate, p50: Number(lat.p50), p99: Number(lat.p99), cpu };
}

function rows(r: Round, from?: Round): BenchRow[] {
  const note = `${r.sites} sites × ${PER_SITE} moves (${r.events}), R3 streams, 3 nats-server nodes + PostgreSQL on loopback; fetch window ${BATCH}, pool ${POOL}`;
  const growth = (v: number) => (from ? { baseline: { name: `${from.sites} sites, same run`, value: v } } : {});
  return [
    { name: `fleet apply, ${r.sites} sites (events/s)`, value: r.applyRate, unit: 'events/s', baseline: { name: 'PostgreSQL COPY of the same rows', value: r.copyRate }, target: '>= 0.3× COPY', met: r.applyRate >= 0.3 * r.copyRate, note },
    { name: `fleet feed latency p99, ${r.sites} sites (ms)`, value: r.p99, unit: 'ms', ...growth(from?.p99 ?? 0), target: '<= 2,000 ms', met: r.p99 <= 2000, note: `p50 ${r.p50.toFixed(1)} ms; ${LATENCY_PER_SITE} rounds of one move per site, 20 ms apart; commit (record ts) → applied_at` },
    { name: `fleet cost per event, ${r.sites} sites (µs CPU: fleet ${r.cpu.fleet.toFixed(0)} + PostgreSQL ${r.cpu.postgres.toFixed(0)} + nats-server ${r.cpu.nats.toFixed(0)})`, value: r.cpu.total, unit: 'µs/event', ...growth(from?.cpu.total ?? 0), note: 'CPU while draining the backlog: this process (the fleet), PostgreSQL backends and the 3 nats-servers, from /proc' },
    ...(from ? [{ name: `fleet apply growth ${from.sites}→${r.sites} sites (events/s)`, value: r.applyRate, unit: 'events/s', baseline: { name: `${from.sites} sites, same run`, value: from.applyRate }, note: `${r.sites / from.sites}× the sites; ratio 1× = throughput holds, cost per event above` }] : []),
  ];
}

export const bench: Bench = {
  name: 'fleet',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'dockgate-bench-fleet-'));
    chmodSync(dir, 0o755);
    const [nats, pgsrv] = await Promise.all([startNatsCluster(3), startPostgres()]);
    try {
      const client = new pg.Client({ connectionString: pgsrv.url });
      await client.connect();
      await client.end();
      const ten = await round(10, nats, pgsrv.url, dir);
      const fifty = await round(50, nats, pgsrv.url, dir);
      return [...rows(ten), ...rows(fifty, ten)];
    } finally {
      await nats.stop();
      await pgsrv.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
