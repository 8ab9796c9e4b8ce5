#!/usr/bin/env node
// scripts/e2e — backlog replay (`npx tsx scripts/e2e/backlog.ts [--events 1000000] [--gateways 10] [--broker mosquitto] [--open-po [--unexpected]]`): each gateway's
// outbox is filled with its share of tag.pass events (fresh units at its receiving door) while nothing runs, as after
// a long broker or hub outage; then the hub and the gateways start as real processes and the script times how long
// until the hub has applied every event (each a receipt move), from the hub's process start and from the gateways' (the
// harness's set-up before them, bundling, reader simulators and items, is given apart), and checks none was applied
// twice. Where the time goes:
// the drain alone (first to last event applied, without process start), the CPU seconds the hub and the gateways
// spent on it (from /proc: on a loaded machine the wall clock says little, events per hub CPU-second says what the hub
// costs), how long the hub's main thread waited for a CPU (/proc/pid/schedstat: the rest of the drain it was idle,
// waiting for messages), and the load average. `--hub-cpu-prof DIR`: the hub runs under `node --cpu-prof` and writes
// its profile there when it stops (open it in Chrome DevTools, or sum self time per function from its JSON);
// `--gw-cpu-prof DIR` the same for every gateway. The gateways' CPU is given per 1,000 drained events, gross and net of
// what they cost at rest (measured for 5 s after the drain). `--drain-rate N|default`: the gateways' drainRatePerSecond
// (default the e2e layout's 20000; `default`: the product's). `--gw-log debug` shows their drain rate adapting.
// Then, unless `--skip-ceiling`, the ceiling of the same run on the same machine: the rows the same number of receipts
// write, inserted raw at 1,600 per transaction into a new database kept as the hub keeps its own (the apply bench's
// ceiling, `../bench/receipt-rows.ts`), and the drain's time as a multiple of it — a VM's pace moves the drain and its
// ceiling together, so the multiple is the figure to compare between machines.
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Outbox } from '../../gateway/outbox/index.js';
import { isoTs, newEventId, type EventDraft } from '../../protocols/events/index.js';
import { silentLogger } from '../../protocols/logging/index.js';
import { timeReceiptRows, type RawPass, type RawSite } from '../bench/receipt-rows.js';
import { sgtin96 } from '../sim/scenario.js';
import { openHubDb } from './site/checks.js';
import { SKUS, UNIT_COST } from './site/layout.js';
import { sleep } from './site/processes.js';
import { Site } from './site/site.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '1000000' },
      gateways: { type: 'string', default: '10' },
      keep: { type: 'boolean', default: false },
      broker: { type: 'string', default: 'embedded' },
      'hub-cpu-prof': { type: 'string' },
      'gw-cpu-prof': { type: 'string' },
      'gw-log': { type: 'string' },
      'drain-rate': { type: 'string' },
      'open-po': { type: 'boolean', default: false },
      unexpected: { type: 'boolean', default: false },
      'skip-ceiling': { type: 'boolean', default: false },
    },
  });
  const total = Number(values.events);
  const gateways = Number(values.gateways);
  const broker = values.broker;
  if (broker !== 'embedded' && broker !== 'mosquitto') throw new Error(`--broker must be embedded or mosquitto, got ${broker}`);
  const say = (l: string) => process.stdout.write(`${l}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'dockgate-backlog-'));
  mkdirSync(dir, { recursive: true });
  // One receiving door per gateway (its reader stays idle); the outboxes are filled before anything starts.
  const prof = values['hub-cpu-prof'];
  const hubNodeArgs = prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [];
  const gwProf = values['gw-cpu-prof'];
  const gatewayNodeArgs = gwProf ? ['--cpu-prof', `--cpu-prof-dir=${gwProf}`] : [];
  const drain = values['drain-rate'];
  if (values.unexpected && !values['open-po']) throw new Error('--unexpected leaves a SKU out of the POs --open-po opens: give both');
  if (drain !== undefined && drain !== 'default' && !(Number(drain) >= 1)) throw new Error(`--drain-rate must be events/s or 'default', got ${drain}`);
  // No side subscriber: the replay checks the hub's database, and the broker hands each message to the hub alone.
  const site: Site = new Site({
    dir,
    doors: Math.max(3, gateways), // the layout's least; each gateway's first door takes its events
    gateways,
    broker,
    cappedGateway: false,
    logLevel: 'warn',
    hubNodeArgs,
    gatewayNodeArgs,
    observer: false,
    ...(values['gw-log'] ? { gatewayLogLevel: values['gw-log'] } : {}),
    ...(drain !== undefined ? { drainRatePerSecond: drain === 'default' ? 'default' : Number(drain) } : {}),
    ...(values['open-po']
      ? { beforeGateways: (api: string): Promise<void> => openPurchaseOrders(api, site, Math.ceil(total / gateways), values.unexpected) }
      : {}),
  });
  for (const d of site.doors) d.mode = 'receiving';
  const per = Math.ceil(total / gateways);
  const tFill = Date.now();
  let serial = 1;
  for (const g of site.gateways) {
    const outbox = Outbox.open({ path: join(dir, `${g.id}-outbox.db`), logger: silentLogger(), maxRows: 2_000_000 });
    const door = g.doors[0]!.id;
    for (let done = 0; done < per;) {
      const n = Math.min(5000, per - done);
      const now = Date.now();
      const drafts: EventDraft[] = Array.from({ length: n }, () => inbound(door, SKUS[serial % SKUS.length]!.itemRef, serial++, now));
      outbox.append(drafts, now);
      done += n;
    }
    outbox.close();
  }
  say(`backlog: ${per * gateways} tag.pass events in ${gateways} gateway outboxes (filled in ${((Date.now() - tFill) / 1000).toFixed(1)} s); dir ${dir}`);

  const t0 = Date.now();
  process.once('exit', () => site.killAll());
  await site.start();
  const db = openHubDb(site.hubDb);
  const applied = () => (db.prepare('SELECT coalesce(sum(applied), 0) AS n FROM streams').get() as { n: number }).n;
  const want = per * gateways;
  let last = -1;
  let lastChange = Date.now();
  let lastSaid = 0;
  const cpu = () => ({
    hub: site.hub.cpuSeconds() ?? 0,
    hubWait: site.hub.cpuWaitSeconds() ?? 0,
    gateways: [...site.gatewayProcs.values()].reduce((sum, p) => sum + (p.cpuSeconds() ?? 0), 0),
    self: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
  });
  let first: { at: number; applied: number; cpu: ReturnType<typeof cpu> } | undefined;
  const load = loadavg()[0]!;
  for (;;) {
    const n = applied();
    if (n > 0 && !first) first = { at: Date.now(), applied: n, cpu: cpu() };
    if (n !== last) {
      last = n;
      lastChange = Date.now();
    }
    // Read every second (the drain's first and last applied are that precise), said every 5 s and at the end.
    if (n > 0 && (Date.now() - lastSaid >= 5000 || n >= want)) {
      lastSaid = Date.now();
      say(
        `  t=${((Date.now() - t0) / 1000).toFixed(0)} s applied ${n} (${Math.round(n / ((Date.now() - t0) / 1000))} events/s) RSS hub ${Math.round((site.hub.rssKb() ?? 0) / 1024)} MiB`,
      );
    }
    if (n >= want) break;
    if (Date.now() - lastChange > 120_000) throw new Error(`backlog stalled at ${n} of ${want} applied`);
    await sleep(1000);
  }
  const seconds = (Date.now() - t0) / 1000;
  const fromHub = (Date.now() - site.spawnedAt.hub!) / 1000;
  const fromGateways = (Date.now() - site.spawnedAt.gateways!) / 1000;
  const end = cpu();
  const drained = want - first!.applied;
  const drainS = (Date.now() - first!.at) / 1000;
  const hubCpu = end.hub - first!.cpu.hub;
  const hubWait = end.hubWait - first!.cpu.hubWait;
  const gwCpu = end.gateways - first!.cpu.gateways;
  say(
    `drain alone (first to last applied): ${drained} events in ${drainS.toFixed(1)} s (${Math.round(drained / drainS)} events/s); ` +
      `hub ${hubCpu.toFixed(1)} CPU-s (${Math.round(drained / hubCpu)} events per hub CPU-s, ${Math.round((100 * hubCpu) / drainS)}% of a core, ` +
      `${hubWait.toFixed(1)} s runnable but waiting for a CPU: ${Math.round((100 * (drainS - hubCpu - hubWait)) / drainS)}% of the drain idle), ` +
      `gateways ${gwCpu.toFixed(1)} CPU-s (${((1000 * gwCpu) / drained).toFixed(3)} per 1,000 events), this script (the relay) ${(end.self - first!.cpu.self).toFixed(1)} CPU-s; load average ${load.toFixed(1)} at start, ${loadavg()[0]!.toFixed(1)} at end`,
  );
  // The gateways at rest (their outboxes empty, a second after the last ack): what they cost anyway, per second.
  await sleep(1000);
  const restFrom = cpu().gateways;
  await sleep(5000);
  const rest = (cpu().gateways - restFrom) / 5;
  const gwNet = gwCpu - rest * drainS;
  say(
    `gateways at rest: ${rest.toFixed(3)} CPU-s per second together; the drain's own gateway CPU: ${gwNet.toFixed(1)} CPU-s, ` +
      `${((1000 * gwNet) / drained).toFixed(3)} per 1,000 events (${((1e6 * gwNet) / drained).toFixed(1)} µs per event)`,
  );
  // A drain that never pauses must not grow the hub's WAL with it (hub/db/checkpointer.ts, `startOver`).
  say(
    `the hub's WAL after the drain: ${(statSync(`${site.hubDb}-wal`).size / 2 ** 20).toFixed(1)} MiB; its database ${(statSync(site.hubDb).size / 2 ** 20).toFixed(1)} MiB`,
  );
  const moves = (db.prepare("SELECT count(*) AS n FROM moves WHERE reason = 'receipt'").get() as { n: number }).n;
  const dup = (
    db.prepare('SELECT count(*) AS n FROM (SELECT event_id FROM moves WHERE event_id IS NOT NULL GROUP BY event_id HAVING count(*) > 1)').get() as { n: number }
  ).n;
  // With --open-po every receipt is booked against its door's PO; with --unexpected, the SKU left out is held instead.
  const againstPo = (db.prepare("SELECT count(*) AS n FROM moves WHERE reason = 'receipt' AND reference IS NOT NULL").get() as { n: number }).n;
  const held = (db.prepare("SELECT coalesce(sum(plan_size), 0) AS n FROM variances WHERE type = 'unexpected_item' AND status = 'open'").get() as { n: number })
    .n;
  say(
    `backlog of ${want} events from ${gateways} gateways drained and applied in ${fromHub.toFixed(1)} s from the hub's process start (${fromGateways.toFixed(1)} s from the gateways'; ${seconds.toFixed(1)} s with the harness's set-up before: bundling, simulators, items); ${moves} receipt moves (${againstPo} against a PO), ${held} units held on unexpected-item variances, ${dup} duplicated`,
  );
  db.close();
  await site.stop();
  const check = await site.hubCli(['check', '--config', site.hubConfig]);
  say(`dockgate-hub check: ${check.code === 0 ? 'ok' : `FAILED ${check.out.slice(0, 400)}`}`);
  site.dispose();
  if (!values['skip-ceiling']) {
    const raw = await ceiling(join(dir, 'ceiling.db'), want, gateways);
    say(
      `ceiling, this run: the rows of ${want} receipts written raw at ${CEILING_PER_TX} per transaction (the hub's pragmas, checkpoints on a worker) in ` +
        `${raw.toFixed(1)} s (${Math.round(want / raw)} events/s); the drain took ${(drainS / raw).toFixed(2)}× that, ${(fromHub / raw).toFixed(2)}× from the hub's process start`,
    );
  }
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
  const booked = values['open-po'] ? againstPo : moves;
  if (moves + held !== want || booked !== moves || (values.unexpected && held === 0) || dup || check.code !== 0) process.exit(1);
}

/** A new unit of the item `itemRef` (its `serial`-th) passing inbound at `door`, a pallet read 12 times. */
function inbound(door: string, itemRef: number, serial: number, now: number): EventDraft & { kind: 'tag.pass' } {
  return {
    kind: 'tag.pass',
    door,
    direction: 'in',
    epc: sgtin96(614141, itemRef, 100_000_000 + serial),
    firstSeen: isoTs(now - 2000),
    lastSeen: isoTs(now),
    reads: 12,
    peakRssi: -55,
    antennas: [],
    confidence: 0.95,
  };
}

/** The apply bench's larger ceiling, and issue #24's: 1,600 events per transaction. */
const CEILING_PER_TX = 1600;

/** Seconds to write the rows of `n` receipts (the replay's SKUs, `gateways` streams) raw into a new database at `path`. */
async function ceiling(path: string, n: number, gateways: number): Promise<number> {
  const per = Math.ceil(n / gateways);
  const now = Date.now();
  const skuOf = new Map<RawPass, string>(); // looked up, not decoded, while the ceiling is timed
  const passes: RawPass[] = Array.from({ length: n }, (_, i) => {
    const g = Math.floor(i / per);
    const sku = SKUS[i % SKUS.length]!;
    const pass: RawPass = {
      ...inbound(`door-${g + 1}`, sku.itemRef, i, now),
      id: newEventId(now),
      stream: `gw-${g + 1}-ceiling`,
      seq: (i % per) + 1,
      ts: isoTs(now),
    };
    skuOf.set(pass, sku.sku);
    return pass;
  });
  const site: RawSite = { door: 'door-1', gateway: 'gw-1', from: 'supplier', to: 'receiving', sku: (p) => skuOf.get(p)!, cost: () => UNIT_COST };
  return timeReceiptRows(
    path,
    passes,
    CEILING_PER_TX,
    site,
    SKUS.map((s) => s.sku),
  );
}

/**
 * `--open-po`: a purchase order open at each gateway's door expecting what its backlog holds (its share spread over
 * the SKUs), so every pass is received against it — a catch-up into open receipts, which asks at every unit what its
 * PO line has received so far. `--unexpected`: the POs leave the last SKU out, so its units (a quarter) are held on
 * one growing unexpected-item variance per door.
 */
async function openPurchaseOrders(api: string, site: Site, perGateway: number, leaveOut: boolean): Promise<void> {
  const post = async (path: string, body: unknown) => {
    const res = await fetch(api + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`backlog: POST ${path} answered ${res.status} ${await res.text()}`);
  };
  for (const g of site.gateways) {
    const po = `PO-${g.id}`;
    await post('/api/v1/receipts', {
      po,
      kind: 'po',
      lines: (leaveOut ? SKUS.slice(0, -1) : SKUS).map((s) => ({ sku: s.sku, qty: Math.ceil(perGateway / SKUS.length) })),
    });
    await post(`/api/v1/receipts/${po}/open`, { door: g.doors[0]!.id });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`backlog failed: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
