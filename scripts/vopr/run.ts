// scripts/vopr — one run of the whole-chain simulator: a seed picks the scenario (gateways, events, publisher settings,
// fault rates) and every decision after it (latencies, drops, duplicates, broken links, broker and hub crashes), so a
// seed replays one exact interleaving. A run has three phases on simulated time:
// 1. storm: gateways append passes while faults fire;
// 2. heal: faults stop, every link is broken once (so publishes the broker silently dropped go again), and the chain
//    runs until every outbox is empty and the broker holds nothing (or a time limit: then something is stuck or lost);
// 3. check: the guarantees (check.ts) on the files the run left.
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedRuntime } from '../../runtime/testing/simulated-runtime.js';
import { SimBroker, type BrokerFaults } from './broker.js';
import { checkRun, type RunFacts } from './check.js';
import { SimGateway, type GatewayPlan } from './gateway.js';
import { movesByEpc, SimHub, SKU, type HubFaults } from './hub.js';
import { BOXES, SimSync, syncScenarioOf, type SyncScenario } from './sync.js';

export const START_MS = Date.UTC(2026, 0, 5, 6, 0, 0);
/** Simulated time the heal phase may take before a run counts as stuck. */
const HEAL_LIMIT_MS = 10 * 60_000;
/** Simulated time the storm may take. */
const STORM_LIMIT_MS = 30 * 60_000;
const STEP_MS = 25;

export interface Scenario {
  gateways: GatewayPlan[];
  broker: BrokerFaults;
  hub: HubFaults;
  /** Mean time between broken links / broker crashes (ms); Infinity: none. */
  breakEveryMs: number;
  brokerCrashEveryMs: number;
  brokerDownMs: number;
  /** Mean time between gateway crashes (one gateway each time; Infinity: none), and how long one stays down. */
  gatewayCrashEveryMs: number;
  gatewayDownMs: number;
  sync: SyncScenario;
}

export interface RunResult {
  seed: number;
  ok: boolean;
  failures: string[];
  /** Simulated ms the run took, and what happened in it. */
  simMs: number;
  events: number;
  hubCrashes: number;
  /** Hub statements failed with a full disk (rolled back, not acknowledged). */
  diskFull: number;
  gatewayCrashes: number;
  brokerCrashes: number;
  lostInBrokerCrash: number;
  duplicatesSeen: number;
  /** Channel sync: pushes applied on the channels, retries answered from an idempotency key, answers lost, 429s, stale compare-and-sets. */
  channelApplied: number;
  channelReplayed: number;
  channelLostAnswers: number;
  channelRateLimited: number;
  channelStale: number;
}

/** The scenario of a seed: drawn first from the run's one random stream. */
export function scenarioOf(random: () => number): Scenario {
  const pick = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const p = (max: number) => (random() < 0.25 ? 0 : random() * max);
  const n = pick(2, 4);
  const gateways: GatewayPlan[] = [];
  for (let i = 1; i <= n; i++) {
    gateways.push({
      id: `gw-${i}`,
      door: `door-${i}`,
      events: pick(20, 120),
      maxBurst: pick(1, 12),
      maxGapMs: pick(5, 400),
      serialBase: i * 1_000_000,
      publisher: {
        batch: { maxEvents: pick(1, 30), lingerMs: pick(0, 20) },
        maxInFlight: pick(1, 8),
        drainRatePerSecond: pick(100, 5000),
        confirmTimeoutMs: pick(300, 3000),
        reconnect: { initialMs: pick(10, 200), maxMs: pick(500, 3000) },
        pollMs: pick(100, 1000),
      },
    });
  }
  return {
    gateways,
    broker: { latencyMs: pick(0, 40), dropPublish: p(0.05), duplicateDelivery: p(0.1), saveEveryMs: pick(50, 3000) },
    hub: {
      crashPerStatement: p(0.004),
      diskFullPerStatement: p(0.004),
      diskFullBurst: pick(0, 40),
      commitFull: p(0.2),
      commitFullBurst: pick(1, 4),
      crashAtEdge: p(0.02),
      restartMs: pick(1, 800),
      reconnectMs: pick(10, 300),
    },
    breakEveryMs: random() < 0.2 ? Infinity : pick(100, 5000),
    brokerCrashEveryMs: random() < 0.3 ? Infinity : pick(500, 15_000),
    brokerDownMs: pick(1, 2000),
    gatewayCrashEveryMs: random() < 0.4 ? Infinity : pick(500, 10_000),
    gatewayDownMs: pick(1, 2000),
    sync: syncScenarioOf(random, [SKU, ...BOXES], ['receiving', 'stock']),
  };
}

/** Random faults on timers: broken links, broker and gateway crashes, each exponential around its mean. */
function injectFaults(rt: SimulatedRuntime, broker: SimBroker, gateways: readonly SimGateway[], s: Scenario, healed: () => boolean): void {
  const every = (meanMs: number, fn: () => void) => {
    if (!Number.isFinite(meanMs)) return;
    const next = () => rt.setTimer(Math.ceil(-Math.log(1 - rt.random()) * meanMs), () => !healed() && (fn(), next()));
    next();
  };
  every(s.breakEveryMs, () => broker.breakOne(rt.random()));
  every(s.brokerCrashEveryMs, () => broker.crash(s.brokerDownMs));
  every(s.gatewayCrashEveryMs, () => gateways[Math.floor(rt.random() * gateways.length)]!.crash(s.gatewayDownMs));
}

/** Base directory for run files: memory-backed when the machine has one (fsyncs are cheap there). */
function baseDir(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

export async function runSeed(seed: number, opts: { keep?: boolean } = {}): Promise<RunResult> {
  const rt = new SimulatedRuntime({ seed, startMs: START_MS });
  const random = () => rt.random();
  const s = scenarioOf(random);
  const dir = mkdtempSync(join(baseDir(), `dockgate-vopr-${seed}-`));
  const broker = new SimBroker(rt, s.broker);
  const hub = new SimHub(
    dir,
    rt,
    broker,
    s.hub,
    s.gateways.map((g) => ({ gateway: g.id, door: g.door })),
  );
  const setup = hub.setupConnection();
  const sync = new SimSync(rt, s.sync, setup, [SKU, ...BOXES]);
  setup.close();
  hub.rooms.push(sync);
  const auditor = SimHub.auditor(hub.path);
  hub.watch(auditor);
  sync.watch(auditor);
  const gateways = s.gateways.map((plan) => new SimGateway(dir, rt, broker, plan, `vopr-${seed}-${plan.id}`, movesByEpc(auditor)));
  let healed = false;
  const failures: string[] = [];
  const result = (facts?: RunFacts): RunResult => ({
    seed,
    ok: failures.length === 0,
    failures,
    simMs: rt.now() - START_MS,
    events: gateways.reduce((n, g) => n + g.produced.length, 0),
    hubCrashes: hub.crashes,
    diskFull: hub.diskFull,
    gatewayCrashes: gateways.reduce((n, g) => n + g.crashes, 0),
    brokerCrashes: broker.stats.crashes,
    lostInBrokerCrash: broker.stats.lostInCrash,
    duplicatesSeen: facts ? [...facts.ingest.values()].reduce((n, t) => n + t.duplicates, 0) : 0,
    ...channelStats(sync),
  });
  try {
    hub.boot();
    for (const g of gateways) g.start();
    injectFaults(rt, broker, gateways, s, () => healed);
    sync.startChanges();

    while (!gateways.every((g) => g.done) && rt.now() - START_MS < STORM_LIMIT_MS) await rt.advanceAsync(STEP_MS);
    if (!gateways.every((g) => g.done)) failures.push('the storm did not end: gateways did not produce their events');

    healed = true;
    broker.heal();
    hub.heal();
    sync.heal();
    const healStart = rt.now();
    let broken = false;
    const drained = () => hub.isAlive && broker.isUp && broker.queuedCount() === 0 && gateways.every((g) => g.isAlive && g.outbox.depth() === 0);
    while (!drained() && rt.now() - healStart < HEAL_LIMIT_MS) {
      if (!broken && broker.isUp && hub.isAlive && gateways.every((g) => g.isAlive)) {
        broker.breakAll(); // publishes dropped in the storm hold publisher slots until the link goes
        broken = true;
      }
      await rt.advanceAsync(STEP_MS);
    }
    if (!drained()) {
      const depths = gateways.map((g) => `${g.plan.id} ${g.isAlive ? g.outbox.depth() : 'down'}`).join(', ');
      failures.push(
        `not drained ${HEAL_LIMIT_MS / 1000} s after the faults stopped: outbox depths ${depths}; broker queued ${broker.queuedCount()}; hub ${hub.isAlive ? 'up' : 'down'}`,
      );
    }
    // Channel sync goes quiet after the last stock change: then every channel must show what the rules give.
    let quiet: boolean | undefined = drained() ? undefined : false;
    if (quiet === undefined) void sync.idle(HEAL_LIMIT_MS).then((q) => (quiet = q));
    while (quiet === undefined) await rt.advanceAsync(STEP_MS);
    const facts: RunFacts = {
      auditor,
      gateways: gateways.map((g) => ({
        id: g.plan.id,
        stream: g.outbox.stream,
        produced: g.produced,
        depth: g.isAlive ? g.outbox.depth() : -1,
        violations: g.violations,
      })),
      ingest: hub.ingestTotals(),
      hubViolations: hub.violations,
      simErrors: [...hub.errors, ...sync.errors],
      channels: { quiet, sync },
    };
    failures.push(...checkRun(facts));
    return result(facts);
  } catch (err) {
    // An invariant a part asserts (publisher cursors, ledger postings …) or a simulator fault: the seed fails.
    failures.push(`threw at t=${rt.now() - START_MS} ms: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return result();
  } finally {
    hub.close();
    for (const g of gateways) g.close();
    auditor.close();
    if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  }
}

function channelStats(sync: SimSync): Pick<RunResult, 'channelApplied' | 'channelReplayed' | 'channelLostAnswers' | 'channelRateLimited' | 'channelStale'> {
  const out = { channelApplied: 0, channelReplayed: 0, channelLostAnswers: 0, channelRateLimited: 0, channelStale: 0 };
  for (const shop of sync.shops.values()) {
    out.channelApplied += shop.stats.applied;
    out.channelReplayed += shop.stats.replayed;
    out.channelLostAnswers += shop.stats.lostAnswers;
    out.channelRateLimited += shop.stats.rateLimited;
    out.channelStale += shop.stats.stale;
  }
  return out;
}

/** The command that replays a seed exactly. */
export function replayCommand(seed: number): string {
  return `npm run vopr -- --seed ${seed}`;
}

/** One line for a seed that kept every guarantee; for one that did not, its failures and its replay command. */
export function describeRun(r: RunResult): string {
  const facts = `${r.events} events, ${r.hubCrashes} hub crashes, ${r.diskFull} disk-full writes, ${r.gatewayCrashes} gateway crashes, ${r.brokerCrashes} broker crashes (${r.lostInBrokerCrash} acknowledged messages lost), ${r.duplicatesSeen} duplicates, ${r.channelApplied} channel pushes applied (${r.channelLostAnswers} answers lost, ${r.channelReplayed} retries answered by key), ${(r.simMs / 1000).toFixed(1)} s simulated`;
  if (r.ok) return `seed ${r.seed} ok: ${facts}`;
  return [`seed ${r.seed} FAILED: ${facts}`, ...r.failures.map((f) => `  - ${f}`), `  replay: ${replayCommand(r.seed)}`].join('\n');
}
