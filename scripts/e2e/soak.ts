#!/usr/bin/env node
// scripts/e2e — load and soak (`npx tsx scripts/e2e/soak.ts --doors 20 --minutes 10`): every door's simulated reader
// reports ~1,100 reads/s (large pallets back to back, played at the speed that gives that rate) into gateways as real
// processes, all doors receiving fresh units, for the given minutes. Prints, every 30 s and at the end: reads/s sent,
// passes emitted and moves posted, the lag between them, gateway outbox depths, RSS and CPU of hub and gateways, and
// read-to-ledger latency (move posted − pass lastSeen − the portal's absence time) p50/p99 per window.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openHubDb } from './site/checks.js';
import { sgtin96 } from '../sim/scenario.js';
import { SKUS } from './site/layout.js';
import { makePatterns, streamOf } from './site/patterns.js';
import { sleep } from './site/processes.js';
import { Site } from './site/site.js';

const ABSENCE_MS = 3000;

function quantile(xs: number[], q: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { doors: { type: 'string', default: '20' }, minutes: { type: 'string', default: '10' }, gateways: { type: 'string' }, rate: { type: 'string', default: '1100' }, keep: { type: 'boolean', default: false } } });
  const doors = Number(values.doors);
  const minutes = Number(values.minutes);
  const gateways = Number(values.gateways ?? Math.max(1, Math.ceil(doors / 4)));
  const rate = Number(values.rate);
  const dir = mkdtempSync(join(tmpdir(), 'dockgate-soak-'));
  const say = (l: string) => process.stdout.write(`${l}\n`);
  const patterns = makePatterns(99, 12, 120, { minTags: 40 });
  const site = new Site({ dir, doors, gateways, broker: 'embedded', cappedGateway: false, logLevel: 'warn' });
  // Every door receives: each pass is a receipt of a fresh unit.
  for (const d of site.doors) d.mode = 'receiving';
  say(`soak: ${doors} doors at ~${rate} reads/s each, ${gateways} gateways, ${minutes} min; dir ${dir}`);
  process.once('exit', () => site.killAll());
  await site.start();
  const db = openHubDb(site.hubDb);
  const procs = () => [site.hub, ...site.gatewayProcs.values()];
  const mem = () => Object.fromEntries(procs().map((p) => [p.name, Math.round((p.rssKb() ?? 0) / 1024)]));
  const cpu = () => Object.fromEntries(procs().map((p) => [p.name, p.cpuSeconds() ?? 0]));
  const rssStart = mem();
  const cpuStart = cpu();
  say(`RSS at start (MiB): ${JSON.stringify(rssStart)}`);

  let serial = 1;
  let stop = false;
  let readsSent = 0;
  let readsDropped = 0;
  const t0 = Date.now();
  const end = t0 + minutes * 60_000;
  const loops = site.doors.map(async (d, i) => {
    const reader = site.readers.get(d.reader)!;
    let k = i;
    while (!stop && Date.now() < end) {
      const p = patterns[k++ % patterns.length]!;
      const speed = Math.max(0.25, rate / (p.reads.length / (p.durationMs / 1000)));
      const units = Array.from({ length: p.tags }, () => sgtin96(614141, SKUS[serial % SKUS.length]!.itemRef, 50_000_000 + serial++));
      const r = await reader.play(streamOf(p, d.reader, 'in', units), { speed });
      readsSent += r.sent;
      readsDropped += r.dropped;
    }
  });

  const latencies: number[] = [];
  let lastSeq = 0;
  let lastReads = 0;
  let lastT = t0;
  const windows: string[] = [];
  const sample = () => {
    const rows = db.prepare('SELECT seq, posted_ms - occurred_ms AS l FROM moves WHERE seq > ? AND event_id IS NOT NULL').all(lastSeq) as Array<{ seq: number; l: number }>;
    const w = rows.map((r) => r.l - ABSENCE_MS);
    for (const r of rows) lastSeq = Math.max(lastSeq, r.seq);
    latencies.push(...w);
    const now = Date.now();
    const moves = (db.prepare('SELECT count(*) AS n FROM moves').get() as { n: number }).n;
    const passes = site.observer.passes.size;
    const applied = (db.prepare("SELECT count(*) AS n FROM door_activity WHERE kind = 'pass'").get() as { n: number }).n;
    const depth = (db.prepare('SELECT coalesce(sum(outbox_depth), 0) AS d FROM gateways').get() as { d: number }).d;
    const line = `t=${Math.round((now - t0) / 1000)}s reads/s/door=${Math.round((readsSent - lastReads) / ((now - lastT) / 1000) / doors)} passes=${passes} moves=${moves} applied=${applied} lag(emitted−applied)=${passes - applied} outbox=${depth} latency p50/p99=${quantile(w, 0.5)}/${quantile(w, 0.99)} ms RSS=${JSON.stringify(mem())}`;
    lastReads = readsSent;
    lastT = now;
    windows.push(line);
    say(line);
  };
  const timer = setInterval(sample, 30_000);
  await Promise.all(loops);
  stop = true;
  clearInterval(timer);
  await sleep(ABSENCE_MS + 4000);
  sample();
  const rssEnd = mem();
  const cpuEnd = cpu();
  const seconds = (Date.now() - t0) / 1000;
  say(`\nRSS at start (MiB): ${JSON.stringify(rssStart)}\nRSS at end   (MiB): ${JSON.stringify(rssEnd)}`);
  say(`CPU seconds used: ${JSON.stringify(Object.fromEntries(Object.keys(cpuEnd).map((k) => [k, +(cpuEnd[k]! - (cpuStart[k] ?? 0)).toFixed(1)])))} over ${seconds.toFixed(0)} s`);
  say(`reads sent ${readsSent} (${Math.round(readsSent / seconds / doors)} reads/s per door, ${readsDropped} dropped), passes ${site.observer.passes.size}, moves ${(db.prepare('SELECT count(*) AS n FROM moves').get() as { n: number }).n}`);
  say(`read-to-ledger latency beyond the absence time (${ABSENCE_MS} ms), all passes: p50 ${quantile(latencies, 0.5)} ms, p99 ${quantile(latencies, 0.99)} ms, max ${latencies.reduce((m, x) => Math.max(m, x), -Infinity)} ms`);
  db.close();
  await site.stop();
  site.dispose();
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  process.stderr.write(`soak failed: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
