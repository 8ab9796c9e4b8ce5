// hub/testing — the kill -9 harness (tests only): a hub process is SIGKILLed at seeded random moments while a
// gateway-like client publishes numbered events with QoS 1 and retries each batch until it is acknowledged.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import mqtt from 'mqtt';
import { WIRE_VERSION, topics, type Event } from '../../protocols/events/index.js';
import { rng } from '../../runtime/rng.js';
import { waitFor } from '../broker/test-support.js';


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const REPO = resolve(import.meta.dirname, '..', '..');

/**
 * The fixture bundled into one file (esbuild, which tsx brings along), so each of the many restarts costs a plain
 * `node file.mjs` start instead of tsx transforming hundreds of modules. Packages stay outside the bundle (native
 * better-sqlite3, and fastify plugins that read their own files); the bundle is written under node_modules/.cache so
 * they resolve from the repository.
 */
export async function bundleFixture(entry: string, name: string): Promise<string> {
  const { build } = await import('esbuild');
  const dir = join(REPO, 'node_modules', '.cache', 'dockgate-crash');
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, `${name}-${process.pid}-${Date.now()}.mjs`);
  await build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning', packages: 'external' });
  return outfile;
}

export interface CrashRun {
  /** The bundled hub script; it prints "ready" once it takes messages. */
  script: string;
  env: Record<string, string>;
  port: number;
  site: string;
  gateway: string;
  password: string;
  stream: string;
  kills: number;
  seed: number;
  /** Events for seqs from..to of the stream. */
  events(from: number, to: number): Event[];
}

export interface CrashOutcome {
  produced: number;
  killsWithUnacked: number;
}

export async function runCrash(run: CrashRun): Promise<CrashOutcome> {
  const random = rng(run.seed);
  const children = new Set<ChildProcess>();
  const spawnHub = () => {
    const child = spawn(process.execPath, [run.script], { env: { ...process.env, ...run.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<void>((res) => child.once('exit', () => (children.delete(child), res())));
    const ready = new Promise<void>((res, rej) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && res());
      child.once('exit', (code, signal) => rej(new Error(`hub exited (${code ?? signal}) before ready: ${err}`)));
    });
    return { child, ready, exited };
  };

  // The gateway: numbered events in batches of 1..20, QoS 1, at most 16 batches unacknowledged, each retried
  // until acked (mqtt.js resends its unacked messages on every reconnect; a rejected publish is sent again).
  const gw = mqtt.connect(`mqtt://127.0.0.1:${run.port}`, { clientId: run.gateway, username: run.gateway, password: run.password, reconnectPeriod: 20, connectTimeout: 2000, clean: false });
  gw.on('error', () => {});
  let produced = 0;
  let producing = true;
  const inFlight = new Set<Promise<void>>();
  const publishUntilAcked = async (payload: string) => {
    for (;;) {
      try {
        await gw.publishAsync(topics.events(run.site, run.gateway), payload, { qos: 1 });
        return;
      } catch {
        await sleep(20);
      }
    }
  };
  try {
    const producer = (async () => {
      while (producing) {
        if (inFlight.size >= 16) {
          await Promise.race(inFlight);
          continue;
        }
        const n = 1 + Math.floor(random() * 20);
        const batch = { v: WIRE_VERSION, gateway: run.gateway, stream: run.stream, events: run.events(produced + 1, produced + n) };
        produced += n;
        const p: Promise<void> = publishUntilAcked(JSON.stringify(batch)).then(() => void inFlight.delete(p));
        inFlight.add(p);
      }
    })();

    let killsWithUnacked = 0;
    for (let k = 0; k < run.kills; k++) {
      const hub = spawnHub();
      await hub.ready;
      // A random moment once traffic flows again: sometimes right away, sometimes after many commits.
      await waitFor(() => gw.connected, 'the gateway to reconnect');
      await sleep(random() * 60);
      if (inFlight.size > 0) killsWithUnacked++;
      hub.child.kill('SIGKILL');
      await hub.exited;
    }

    const last = spawnHub();
    await last.ready;
    producing = false;
    await producer;
    await waitFor(() => inFlight.size === 0, 'every batch to be acknowledged', 60_000);
    last.child.kill('SIGKILL');
    await last.exited;
    return { produced, killsWithUnacked };
  } finally {
    gw.end(true);
    for (const c of children) c.kill('SIGKILL');
    rmSync(run.script, { force: true });
  }
}
