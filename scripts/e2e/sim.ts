#!/usr/bin/env node
// scripts/e2e — the site simulator (`npm run sim -- --seed N --doors 20 --minutes 10`): a hub and gateways as real
// processes, a simulated LLRP reader per door, a seeded day of pallets, REST moves and channel orders, seeded faults,
// and at the end the hub's ledger against two independent expectations — the ground truth of the day (whole chain) and
// the passes the gateways really emitted (the hub's exactly-once effect) — plus `dockgate-hub check`, no duplicate
// moves, dead letters and gaps accounted for. A failing seed prints the command that replays it.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { claimedPasses, compareCounts, compareLedger, deadLetters, doorExceptions, duplicateMoves, hubLocations, hubPass, hubScan, appliedAt, missingGaps, openHubDb, reportedGaps, valuationAtStandardCost, type Finding } from './site/checks.js';
import { DOOR_CLEAR_MS, DayRunner } from './site/day.js';
import { ExpectedLedger } from './site/expected.js';
import { FaultRunner } from './site/faults.js';
import { QTY_SKUS, SHOP_LOCATION, SKUS, UNIT_COST, shopItem, skuOfEpc } from './site/layout.js';
import { makePatterns } from './site/patterns.js';
import { expectedVariances, planDay } from './site/plan.js';
import { cogs, compareVariances } from './site/receipts.js';
import { sleep, until } from './site/processes.js';
import { Site } from './site/site.js';

export interface SimOptions {
  seed: number;
  doors: number;
  minutes: number;
  gateways: number;
  broker: 'embedded' | 'mosquitto';
  faults: boolean;
  /** Keep the run's directory (configs, logs, databases). */
  keep?: boolean;
  dir?: string;
  say?: (line: string) => void;
}

export interface SimResult {
  ok: boolean;
  findings: Finding[];
  replay: string;
  dir: string;
  figures: Record<string, number | string>;
}

/** The portal's absence time plus its settle time: a pass is emitted this long after its last read (defaults). */
const EMIT_AFTER_MS = DOOR_CLEAR_MS;

/** Events the gateway's log says it dropped for the outbox cap (one error line per overflow). */
function droppedInLog(path: string): number {
  if (!existsSync(path)) return 0;
  let n = 0;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.includes('outbox full')) continue;
    try {
      n += Number((JSON.parse(line) as { droppedEvents?: number }).droppedEvents ?? 0);
    } catch {
      // not a JSON log line
    }
  }
  return n;
}

export function replayCommand(o: SimOptions): string {
  return `npx tsx scripts/e2e/sim.ts --seed ${o.seed} --doors ${o.doors} --minutes ${o.minutes} --gateways ${o.gateways} --broker ${o.broker} --faults ${o.faults ? 'on' : 'off'}`;
}

export async function runSim(o: SimOptions): Promise<SimResult> {
  const start = Date.now();
  const out = o.say ?? ((l: string) => process.stdout.write(`${l}\n`));
  const say = (l: string) => out(`[${((Date.now() - start) / 1000).toFixed(0).padStart(4)} s] ${l}`);
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), `dockgate-sim-${o.seed}-`));
  const t0 = Date.now();
  // Pallets that clear the door within 11 s (most do): the day is about the ledger, not about slow forklifts.
  const patterns = makePatterns(o.seed, 24, 12, { maxDurationMs: 11_000 });
  if (!patterns.some((p) => p.tags === 1)) patterns.push(...makePatterns(o.seed + 1, 40, 2, { maxDurationMs: 11_000 }).filter((p) => p.tags === 1).slice(0, 1));
  const capPatterns = o.faults ? makePatterns(o.seed, 2, 90, { minTags: 55, maxDurationMs: 11_000 }) : [];
  const site = new Site({ dir, doors: o.doors, gateways: o.gateways, broker: o.broker, cappedGateway: o.faults, scanner: true, shopify: true });
  const plan = planDay({ seed: o.seed, minutes: o.minutes, doors: site.doors, patterns, capPatterns, faults: o.faults, broker: o.broker, ...(site.scanner ? { scanner: site.scanner.id } : {}), channels: ['web', 'shop'] });
  say(`sim seed ${o.seed}: ${o.doors} doors, ${o.gateways} gateway(s)${o.faults ? ' + 1 capped' : ''}, broker ${o.broker}, ${o.minutes} min, faults ${o.faults ? 'on' : 'off'}; ${plan.trips.length} pallets, ${plan.orders.length} orders, ${plan.faults.length} faults; dir ${dir}`);
  const findings: Finding[] = [];
  const figures: Record<string, number | string> = {};
  let day: DayRunner | undefined;
  let faults: FaultRunner | undefined;
  let played = false;
  const killAll = () => site.killAll();
  process.once('exit', killAll);
  try {
    await site.start();
    say(`  site up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    day = new DayRunner(site, plan, patterns, capPatterns, say);
    faults = new FaultRunner(site, day, plan.faults, EMIT_AFTER_MS, say);
    const dayP = day.run();
    const capP = day.overflowCap(EMIT_AFTER_MS);
    const faultP = faults.run(Date.now());
    await Promise.all([dayP, capP, faultP]);
    const playedMs = Date.now() - day.startedAt();
    // The plan's last steps fall before its end; the site keeps running to the end of the planned day regardless.
    if (playedMs < plan.durationMs) await sleep(plan.durationMs - playedMs);
    say(`  day played in ${(playedMs / 1000).toFixed(1)} s; site ran the planned ${(plan.durationMs / 1000).toFixed(0)} s`);

    // Settle: every unit where the truth says, or the deadline (a difference is then reported below).
    const units = [...day.units];
    const capUnits = new Set(plan.cap.flatMap((l) => l.units));
    await until(async () => {
      const at = hubLocations(day!.hubDb(), units);
      const cartons = QTY_SKUS.every((q) => ((day!.hubDb().prepare("SELECT qty FROM balances WHERE sku = ? AND location = 'receiving'").get(q.sku) as { qty: number } | undefined)?.qty ?? 0) === (day!.truth.quantities.get(`${q.sku}@receiving`) ?? 0));
      return cartons && units.every((u) => capUnits.has(u) || (at.get(u) ?? 'supplier') === day!.truth.locationOf(u));
    }, 'the hub to show every unit where it is', 90_000, 250).catch(() => undefined);
    // The capped gateway's backlog and gap, and every outbox drained (statuses say depth 0).
    await until(() => {
      const rows = day!.hubDb().prepare('SELECT gateway, outbox_depth AS d FROM gateways').all() as Array<{ gateway: string; d: number | null }>;
      return rows.length >= site.gateways.length && rows.every((r) => r.d === 0);
    }, 'every gateway outbox to drain', 60_000, 250).catch(() => findings.push({ check: 'outboxes drained', detail: 'a gateway still reports events in its outbox 60 s after the day' }));
    // Channel quantities converge to the expected ones.
    const channelOk = () => SKUS.every((s) => (site.webhook.shows.get(s.sku.toLowerCase()) ?? 0) === day!.truth.channelQuantity(s.sku));
    await until(channelOk, 'the channel to show the expected quantities', 60_000, 250).catch(() => undefined);
    if (!channelOk()) {
      findings.push({ check: 'channel quantities', detail: SKUS.map((s) => `${s.sku}: expected ${day!.truth.channelQuantity(s.sku)}, channel shows ${site.webhook.shows.get(s.sku.toLowerCase()) ?? 0}`).join('; ') });
    }
    for (const [key, n] of site.webhook.applications) if (n !== 1) findings.push({ check: 'channel pushes applied once', detail: `push ${key} applied ${n} times` });
    if (site.shop) {
      const shop = site.shop;
      const shopOk = () => SKUS.every((s) => (shop.quantity(shopItem(s), SHOP_LOCATION) ?? 0) === day!.truth.channelQuantity(s.sku));
      await until(shopOk, 'Shopify to show the expected quantities', 60_000, 250).catch(() => undefined);
      if (!shopOk()) findings.push({ check: 'Shopify quantities', detail: SKUS.map((s) => `${s.sku}: expected ${day!.truth.channelQuantity(s.sku)}, Shopify shows ${shop.quantity(shopItem(s), SHOP_LOCATION)}`).join('; ') });
      // One mutation carries several SKUs under one key: each (key, item) must be applied once.
      const applied = new Map<string, number>();
      for (const a of shop.applications) applied.set(`${a.key} ${a.item}`, (applied.get(`${a.key} ${a.item}`) ?? 0) + 1);
      for (const [key, n] of applied) if (n !== 1) findings.push({ check: 'Shopify mutations applied once', detail: `key and item ${key} applied ${n} times` });
      figures.shopifyRequests = shop.requests.length;
      figures.shopifyApplications = shop.applications.length;
    }
    figures.channelPushes = site.webhook.received.length;
    say('  settled: units shown, outboxes drained, channel converged');
    day.closeDb();
    played = true;
  } finally {
    day?.closeDb();
    if (day) day.stopping = true;
    await site.stop().catch((err: unknown) => findings.push({ check: 'clean stop', detail: String(err) }));
    process.off('exit', killAll);
    if (!played) site.dispose(); // the run failed before the checks: nothing will use the bundles any more
  }

  // ── after the run: the hub's database, closed and at rest
  const unexpected = site.exits.filter((e) => !e.expected);
  for (const e of unexpected) findings.push({ check: 'no crash', detail: `${e.name} exited on its own (code ${e.code}, signal ${e.signal}); see ${dir}/${e.name}.log` });
  const check = await site.hubCli(['check', '--config', site.hubConfig]);
  site.dispose();
  if (check.code !== 0) findings.push({ check: 'dockgate-hub check', detail: `exit ${check.code}: ${check.out.slice(0, 600)}` });
  figures.hubCheck = check.code === 0 ? 'ok' : 'FAILED';

  const db = openHubDb(site.hubDb);
  try {
    const d = day!;
    const units = [...d.units];
    const capUnits = plan.cap.flatMap((l) => l.units);
    const apiMoves = d.rest.length;

    // 1. Whole chain: the ground truth, except what the forced gap lost (which must equal what the gap reported).
    const capAt = hubLocations(db, capUnits);
    const lostCap = capUnits.filter((u) => !capAt.has(u));
    for (const u of lostCap) {
      d.truth.where.delete(u);
      d.truth.moves--;
    }
    // A gap's range also covers the seqs of earlier gap records it swallowed (its reason says how many): those are
    // not events lost. The gateway's log states each overflow's dropped events too.
    const gaps = reportedGaps(db);
    const gapSeqs = gaps.reduce((n, g) => n + g.toSeq - g.fromSeq + 1, 0);
    const merged = gaps.reduce((n, g) => n + Number(/merged (\d+) earlier gap/.exec(g.reason ?? '')?.[1] ?? 0), 0);
    const gapCount = gapSeqs - merged;
    const logged = droppedInLog(join(dir, 'gw-cap.log'));
    // Of the capped door's units the hub does not have, those whose pass never arrived are the gap's; one whose pass
    // arrived but moved nothing (direction unknown) is the portal's miss, not the gap's, and is counted apart.
    const delivered = new Set([...site.observer.passes.values()].filter((p) => p.door === 'door-cap').map((p) => p.epc));
    const lostToGap = lostCap.filter((u) => !delivered.has(u)).length;
    Object.assign(figures, { gapReported: gapCount, gapRecordsMerged: merged, gapDroppedLogged: logged, capUnitsLost: lostCap.length, capUnitsLostToGap: lostToGap });
    if (o.faults && gapCount === 0) findings.push({ check: 'forced gap reported', detail: `the capped gateway received ${capUnits.length} units while cut off (outbox cap 100) but the hub has no reported gap` });
    if (lostToGap !== gapCount || (o.faults && logged !== gapCount)) {
      findings.push({ check: 'gap equals the difference', detail: `the capped gateway's gaps cover ${gapSeqs} seq(s) (${merged} of them earlier gap records): ${gapCount} event(s) lost; its log says ${logged} dropped; ${lostToGap} of its unit(s) never arrived (${lostCap.length} not received in all)` });
    }
    if (gaps.some((g) => g.gateway !== 'gw-cap')) findings.push({ check: 'gaps only where forced', detail: `reported gaps: ${JSON.stringify(gaps)}` });
    const missing = missingGaps(db);
    if (missing.length) findings.push({ check: 'no unexplained seq gaps', detail: JSON.stringify(missing.slice(0, 5)) });
    findings.push(...compareLedger(db, d.truth, 'ledger = ground truth', [...units, ...capUnits], apiMoves));

    // 2. Exactly-once effect: the passes the gateways emitted (seen by the side subscriber) through this file's door table.
    const emitted = new ExpectedLedger(skuOfEpc);
    for (const t of plan.trips) for (const u of t.receipt?.held ?? []) emitted.held.add(u);
    const modeOf = new Map(site.doors.map((x) => [x.id, x.mode]));
    const passes = [...site.observer.passes.values()];
    const scans = [...site.observer.scans.values()];
    let filled = 0;
    for (const h of site.observer.holes()) {
      for (const row of appliedAt(db, h.stream, h.seqs)) {
        filled++;
        const p = row.kind === 'tag.pass' ? hubPass(db, row.event_id) : undefined;
        if (p) passes.push({ id: row.event_id, gateway: h.gateway, epc: p.epc, door: p.door, direction: p.direction as 'in' | 'out', lastSeenMs: Date.parse(p.occurred_at), receivedAt: 0 });
        const sc = row.kind === 'scan' ? hubScan(db, row.event_id) : undefined;
        if (sc) scans.push({ id: row.event_id, gateway: h.gateway, scanner: '?', door: sc.door, gtin: sc.gtin ?? undefined, qty: sc.qty, receivedAt: Date.parse(sc.occurred_at) });
      }
    }
    const skuOfGtin = new Map(QTY_SKUS.map((q) => [q.gtin, q.sku]));
    figures.observerHolesFilledFromHub = filled;
    type Step = { t: number; apply: () => void };
    const steps: Step[] = [
      // In the order the hub applied them: passes when the observer got them (≈ when the hub did), REST moves when answered.
      ...passes.map((p) => ({ t: p.receivedAt || p.lastSeenMs + EMIT_AFTER_MS, apply: () => void emitted.pass(p.epc, modeOf.get(p.door)!, p.direction) })),
      ...d.rest.map((m) => ({ t: m.at, apply: () => emitted.move(m.epc, m.from, m.to) })),
      ...scans.map((sc) => ({ t: sc.receivedAt, apply: () => emitted.scan(skuOfGtin.get(sc.gtin ?? '') ?? `unknown GTIN ${sc.gtin}`, modeOf.get(sc.door ?? '')!, sc.qty) })),
    ];
    steps.sort((a, b) => a.t - b.t);
    try {
      for (const s of steps) s.apply();
      findings.push(...compareLedger(db, emitted, 'ledger = emitted passes', [...units, ...capUnits], apiMoves));
    } catch (err) {
      findings.push({ check: 'ledger = emitted passes', detail: (err as Error).message });
    }
    figures.passEvents = passes.length;
    figures.passRepeats = emitted.repeats;
    figures.passExceptions = emitted.exceptions;

    // 3. Receipts: the variances the plan's ASNs imply (short at close, SKUs not on the ASN held, then accepted or
    // dismissed as planned), and every held pass claimed by its receipt, none moved.
    const closed = new Set(d.stats.receiptsClosed);
    const receipts = plan.trips.flatMap((t) => (t.receipt && closed.has(t.receipt.po) ? [t.receipt] : []));
    const wantVariances = expectedVariances(receipts);
    findings.push(...compareVariances(db, wantVariances, receipts.map((r) => r.po)));
    const claims = claimedPasses(db);
    if (claims.length !== emitted.heldPasses) findings.push({ check: 'held passes', detail: `the gateways emitted ${emitted.heldPasses} pass(es) of units not on their ASN, the hub's receipts claimed ${claims.length}: ${claims.slice(0, 5).map((c) => `${c.door} ${c.epc}: ${c.message}`).join('; ')}` });
    Object.assign(figures, { receipts: receipts.length, receiptsPlanned: plan.trips.filter((t) => t.receipt).length, variancesExpected: wantVariances.length, variancesResolved: d.stats.variancesResolved, heldPasses: emitted.heldPasses });
    // 4. Cycle counts of the reserve: each result as counted (a unit gone: counted one less, the books follow).
    findings.push(...compareCounts(db, d.stats.counts));
    Object.assign(figures, { counts: d.stats.counts.length, countsSkipped: d.stats.countsSkipped, unitsLostInCounts: d.stats.counts.reduce((n, c) => n + c.book - c.counted, 0) });
    // 4. Cost of goods sold: every unit with a customer at its standard cost.
    const atCustomer = units.filter((u) => d.truth.locationOf(u) === 'customer').length;
    figures.cogs = cogs(db);
    if (figures.cogs !== atCustomer * UNIT_COST) findings.push({ check: 'COGS', detail: `${atCustomer} unit(s) with customers at ${UNIT_COST} = ${atCustomer * UNIT_COST}, the hub's moves say ${figures.cogs}` });

    findings.push(...duplicateMoves(db));
    findings.push(...valuationAtStandardCost(db, UNIT_COST));
    const dl = deadLetters(db);
    figures.deadLetters = dl.length;
    figures.corruptionsSent = faults?.corruptionsSent ?? 0;
    if (dl.length !== (faults?.corruptionsSent ?? 0)) findings.push({ check: 'dead letters', detail: `sent ${faults?.corruptionsSent ?? 0} corrupt payload(s), the hub dead-lettered ${dl.length}: ${JSON.stringify(dl.slice(0, 5))}` });
    const exc = doorExceptions(db);
    figures.doorExceptions = exc.length;
    if (exc.length !== emitted.exceptions) findings.push({ check: 'door exceptions', detail: `expected ${emitted.exceptions}, hub recorded ${exc.length}: ${exc.slice(0, 5).map((e) => `${e.door} ${e.outcome}: ${e.message}`).join('; ')}` });
    if (d.stats.ordersRefused.length) findings.push({ check: 'channel orders', detail: `refused although the simulator had the stock: ${d.stats.ordersRefused.slice(0, 5).join('; ')}` });
    if (d.stats.stuck.length) findings.push({ check: 'passes shown', detail: d.stats.stuck.slice(0, 5).join('; ') });
    const moves = (db.prepare('SELECT count(*) AS n FROM moves').get() as { n: number }).n;
    Object.assign(figures, {
      pallets: plan.trips.length,
      passesPlayed: d.stats.passesPlayed,
      unitsPassed: d.stats.unitsPassed,
      readsSent: d.stats.readsSent,
      readsDropped: d.stats.readsDropped,
      redrives: d.stats.redrives,
      moves,
      restMoves: d.stats.restMoves,
      restRetries: d.stats.restRetries,
      ordersPlaced: d.stats.ordersPlaced,
      ordersCancelled: d.stats.ordersCancelled,
      scans: d.stats.scans,
      scansUnplugged: d.stats.scansUnplugged,
      scanEvents: scans.length,
      faults: faults?.log.length ?? 0,
      observerDuplicates: site.observer.duplicates,
      seconds: Math.round((Date.now() - t0) / 1000),
    });
  } finally {
    db.close();
  }
  const ok = findings.length === 0;
  if (ok && !o.keep && !o.dir) rmSync(dir, { recursive: true, force: true });
  return { ok, findings, replay: replayCommand(o), dir, figures };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: '1' },
      seeds: { type: 'string' },
      doors: { type: 'string', default: '20' },
      minutes: { type: 'string', default: '10' },
      gateways: { type: 'string' },
      broker: { type: 'string', default: 'embedded' },
      faults: { type: 'string', default: 'on' },
      keep: { type: 'boolean', default: false },
      parallel: { type: 'string', default: '1' },
    },
  });
  const doors = Number(values.doors);
  const brokerOf = (seed: number): SimOptions['broker'] => (values.broker === 'alternate' ? (seed % 2 ? 'embedded' : 'mosquitto') : (values.broker as SimOptions['broker']));
  if (!['embedded', 'mosquitto', 'alternate'].includes(values.broker)) throw new Error(`--broker must be embedded, mosquitto or alternate (odd seeds embedded, even seeds Mosquitto), got ${values.broker}`);
  if (values.faults !== 'on' && values.faults !== 'off') throw new Error(`--faults must be on or off, got ${values.faults}`);
  const parallel = Number(values.parallel);
  if (!Number.isInteger(parallel) || parallel < 1) throw new Error(`--parallel must be a whole number of seeds run at once, got ${values.parallel}`);
  const seeds = values.seeds ? values.seeds.split(',').flatMap((s) => (s.includes('-') ? range(s) : [Number(s)])) : [Number(values.seed)];
  if (parallel > 1 && seeds.length > 1) {
    const passOn = ['--doors', values.doors, '--minutes', values.minutes, '--faults', values.faults, ...(values.gateways ? ['--gateways', values.gateways] : []), ...(values.keep ? ['--keep'] : [])];
    const failedSeeds = await runSeedsInParallel(seeds, parallel, (seed) => [...passOn, '--broker', brokerOf(seed)]);
    process.stdout.write(`${seeds.length - failedSeeds} of ${seeds.length} seeds passed\n`);
    process.exit(failedSeeds ? 1 : 0);
  }
  let failed = 0;
  for (const seed of seeds) {
    const o: SimOptions = { seed, doors, minutes: Number(values.minutes), gateways: Number(values.gateways ?? Math.max(1, Math.ceil(doors / 4))), broker: brokerOf(seed), faults: values.faults === 'on', keep: values.keep };
    const r = await runSim(o);
    process.stdout.write(`${JSON.stringify(r.figures)}\n`);
    if (r.ok) process.stdout.write(`seed ${seed}: OK — ledger equals both expectations, every invariant holds\n`);
    else {
      failed++;
      process.stdout.write(`seed ${seed}: FAILED\n${r.findings.map((f) => `  ✗ ${f.check}: ${f.detail}`).join('\n')}\n  logs and databases: ${r.dir}\n  replay: ${r.replay}\n`);
    }
  }
  if (seeds.length > 1) process.stdout.write(`${seeds.length - failed} of ${seeds.length} seeds passed\n`);
  await sleep(10);
  process.exit(failed ? 1 : 0);
}

/**
 * Each seed in its own process (this script, --seed N), `parallel` at a time: a seed's simulated readers and timing
 * keep their own event loop. Its output goes to seed-N.log in one directory; one line per seed says how it ended.
 */
async function runSeedsInParallel(seeds: number[], parallel: number, argsFor: (seed: number) => string[]): Promise<number> {
  const logs = mkdtempSync(join(tmpdir(), 'dockgate-sim-seeds-'));
  process.stdout.write(`${seeds.length} seeds, ${parallel} at a time; each seed's output in ${logs}/seed-N.log\n`);
  const queue = [...seeds];
  let failed = 0;
  const lane = async (): Promise<void> => {
    for (let seed = queue.shift(); seed !== undefined; seed = queue.shift()) {
      const log = join(logs, `seed-${seed}.log`);
      const started = Date.now();
      const fd = openSync(log, 'w');
      const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, '--seed', String(seed), ...argsFor(seed)], { stdio: ['ignore', fd, fd] });
      closeSync(fd); // the child holds its own copy
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      const minutes = ((Date.now() - started) / 60_000).toFixed(1);
      if (code === 0) process.stdout.write(`seed ${seed}: OK in ${minutes} min (${argsFor(seed).join(' ')})\n`);
      else {
        failed++;
        const tail = readFileSync(log, 'utf8').split('\n').filter((l) => /FAILED|✗|replay:|logs and databases/.test(l)).join('\n');
        process.stdout.write(`seed ${seed}: FAILED (exit ${code}) after ${minutes} min — ${log}\n${tail}\n`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, seeds.length) }, lane));
  return failed;
}

function range(s: string): number[] {
  const [a, b] = s.split('-').map(Number);
  return Array.from({ length: b! - a! + 1 }, (_, i) => a! + i);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  main().catch((err: unknown) => {
    process.stderr.write(`sim failed: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(2);
  });
}
