// scripts/e2e — support for the gateway daemon's end-to-end tests and benchmark (not production code): gateway.yaml
// for a test, the daemon as a child process (under tsx, or bundled once for the many starts of the kill test) with its
// JSON log parsed, seeded pallet scenarios for the LLRP simulator, and the same stream replayed through the portal
// engine in-process (what the daemon must deliver, exactly).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventDraft } from '../../protocols/events/index.js';
import { waitFor } from '../../hub/broker/test-support.js';
import { parseGatewayConfig } from '../../gateway/config/load.js';
import { portalConfigOf } from '../../gateway/config/portal.js';
import { PortalEngine } from '../../gateway/portal/index.js';
import type { LlrpSimulator } from '../sim/llrp-reader.js';
import { replay } from '../sim/portal-score.js';
import type { ReadStream } from '../sim/read-stream.js';
import { dockSite, generateScenario, toStreamItems, type PassTruth } from '../sim/scenario.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SITE = 'test-site';
export const GATEWAY = 'gw-1';

/** Wait for a condition with a deadline (never sleep-and-hope). */
export const until = waitFor;

export interface GatewayYamlOptions {
  mqttUrl: string;
  outboxPath: string;
  /** Readers: one door each (door-1 for the first …), antenna 1 outside, 2 inside, GPOs 1–4 light stack and horn. */
  readers: Array<{ id: string; port: number }>;
  password?: string;
  metrics?: boolean;
  /** Extra portal.defaults keys, YAML flow style, e.g. `{ minReads: 1 }`. */
  portalDefaults?: string;
  logLevel?: string;
  extra?: string;
}

export function gatewayYaml(o: GatewayYamlOptions): string {
  const readers = o.readers
    .map(
      (r, i) => `  - id: ${r.id}
    host: 127.0.0.1
    port: ${r.port}
    keepaliveMs: 1000
    connectTimeoutMs: 3000
    reconnect: { initialMs: 50, maxMs: 500 }
    antennas:
      - { id: 1, door: door-${i + 1}, side: outside }
      - { id: 2, door: door-${i + 1}, side: inside }
    gpo:
      - { port: 1, door: door-${i + 1}, role: light-green }
      - { port: 2, door: door-${i + 1}, role: light-red }
      - { port: 3, door: door-${i + 1}, role: light-amber }
      - { port: 4, door: door-${i + 1}, role: horn }`,
    )
    .join('\n');
  return `site: ${SITE}
gateway: ${GATEWAY}
logLevel: ${o.logLevel ?? 'info'}
readers:
${readers}
portal:
${o.portalDefaults ? `  defaults: ${o.portalDefaults}\n` : ''}  doors:
${o.readers.map((_, i) => `    - { id: door-${i + 1} }`).join('\n')}
mqtt:
  url: ${o.mqttUrl}
  ${o.password !== undefined ? `password: ${o.password}` : ''}
  batch: { maxEvents: 200, lingerMs: 20 }
  drainRatePerSecond: 5000
  reconnect: { initialMs: 100, maxMs: 1000 }
outbox:
  path: ${o.outboxPath}
${o.metrics ? 'metrics: { port: 0 }\n' : ''}${o.extra ?? ''}`;
}

export function writeGatewayYaml(dir: string, o: GatewayYamlOptions, name = 'gateway.yaml'): string {
  const path = join(dir, name);
  writeFileSync(path, gatewayYaml(o));
  return path;
}

export type LogLine = Record<string, unknown> & { level: string; msg: string; component?: string };

export interface GatewayProcess {
  child: ChildProcess;
  pid: number;
  logs: LogLine[];
  stderr(): string;
  /** Resolves with the exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitLog(pred: (l: LogLine) => boolean, what: string, ms?: number): Promise<LogLine>;
  /** Send a signal and wait for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Build gateway/main.ts once into one ESM file (node_modules stay external) under node_modules/.cache, so it resolves
 * the project's packages; a start costs ~0.3 s of CPU instead of ~2 s under tsx. Returns the file and a cleanup.
 */
export function bundleGateway(): { file: string; remove(): void } {
  const dir = join(ROOT, 'node_modules/.cache', `dockgate-e2e-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'dockgate-gateway.mjs');
  execFileSync(join(ROOT, 'node_modules/.bin/esbuild'), [join(ROOT, 'gateway/main.ts'), '--bundle', '--platform=node', '--format=esm', '--packages=external', `--outfile=${file}`, '--log-level=warning']);
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Start `dockgate-gateway --config <path>`: by default `node --import tsx gateway/main.ts`, or a bundle. */
export function spawnGateway(configPath: string, opts: { bundle?: string; env?: NodeJS.ProcessEnv; echo?: boolean } = {}): GatewayProcess {
  const args = opts.bundle ? [opts.bundle, '--config', configPath] : ['--import', 'tsx', join(ROOT, 'gateway/main.ts'), '--config', configPath];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, DOCKGATE_LOG_LEVEL: '', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: LogLine[] = [];
  const waiters: Array<{ pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void }> = [];
  let buf = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (opts.echo) process.stdout.write(`[gw] ${line}\n`);
      let parsed: LogLine;
      try {
        parsed = JSON.parse(line) as LogLine;
      } catch {
        parsed = { level: 'raw', msg: line };
      }
      logs.push(parsed);
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (waiters[i]!.pred(parsed)) {
          waiters[i]!.resolve(parsed);
          waiters.splice(i, 1);
        }
      }
    }
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.once('exit', (code, signal) => res({ code, signal })));
  return {
    child,
    pid: child.pid!,
    logs,
    stderr: () => err,
    exited,
    waitLog(pred, what, ms = 30_000) {
      const found = logs.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise<LogLine>((res, rej) => {
        const t = setTimeout(() => rej(new Error(`timed out after ${ms} ms waiting for the gateway to log ${what}; stderr: ${err}\nlast lines: ${logs.slice(-5).map((l) => JSON.stringify(l)).join('\n')}`)), ms);
        waiters.push({
          pred,
          resolve: (l) => {
            clearTimeout(t);
            res(l);
          },
        });
        void exited.then(() => {
          clearTimeout(t);
          const late = logs.find(pred);
          if (late) res(late);
          else rej(new Error(`the gateway exited before logging ${what}; stderr: ${err}\nlast lines: ${logs.slice(-5).map((l) => JSON.stringify(l)).join('\n')}`));
        });
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** A scenario's stream with time compressed `speedup` times (and its truth), for one door served by reader r1. */
export function pallets(seed: number, opts: { movements?: number; maxTags?: number; speedup?: number } = {}): { stream: ReadStream; truth: PassTruth[]; durationMs: number } {
  const speedup = opts.speedup ?? 1;
  const s = generateScenario(seed, dockSite(1), { movements: opts.movements ?? 2, maxTags: opts.maxTags ?? 20, crossingChance: 0, standChance: 0 });
  return {
    stream: { reads: s.stream.reads.map((r) => ({ ...r, t: r.t / speedup })), gpi: s.stream.gpi.map((g) => ({ ...g, t: g.t / speedup })) },
    truth: s.truth,
    durationMs: s.durationMs / speedup,
  };
}

/** What the portal engine decides for `stream` under the gateway config `yaml`, replayed in-process. */
export function engineDecisions(yaml: string, stream: ReadStream, tickMs = 50): EventDraft[] {
  const engine = new PortalEngine(portalConfigOf(parseGatewayConfig(yaml, { env: {} })));
  return replay(engine, toStreamItems(stream, Date.UTC(2026, 0, 1)), tickMs);
}

/** Play once the daemon's reader client has the simulator inventorying. */
export async function playWhenReading(sim: LlrpSimulator, stream: ReadStream): Promise<{ sent: number; dropped: number }> {
  await until(() => sim.rospecState === 'active', 'the simulated reader to be inventorying');
  return sim.play(stream, { speed: 1 });
}

/** The sorted (epc door direction) keys of tag.pass events or drafts. */
export function passKeys(events: ReadonlyArray<{ kind: string }>): string[] {
  return events
    .filter((e): e is Extract<EventDraft, { kind: 'tag.pass' }> => e.kind === 'tag.pass')
    .map((e) => `${e.epc} ${e.door} ${e.direction}`)
    .sort();
}
