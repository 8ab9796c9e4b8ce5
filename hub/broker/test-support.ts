// hub/broker — test support (not used in production): free ports, waiting for conditions, a real Mosquitto.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { isLoopback } from '../auth/bind.js';

/** A TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Poll `cond` until it is truthy or the deadline passes (then throw naming `what`). */
export async function waitFor<T>(cond: () => T | Promise<T>, what: string, timeoutMs = 15_000, everyMs = 10): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export interface Mosquitto {
  port: number;
  url: string;
  dir: string;
  stop(): Promise<void>;
  output(): string;
}

/**
 * Start a real Mosquitto on a free port with persistence in a temp dir; anonymous access (tests only) unless
 * `anonymous` is false (then extraConfig says who may connect).
 */
export async function startMosquitto(extraConfig: string[] = [], { anonymous = true }: { anonymous?: boolean } = {}): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'dockgate-mosquitto-'));
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const conf = join(dir, 'mosquitto.conf');
    writeFileSync(
      conf,
      [
        `listener ${port} 127.0.0.1`,
        ...(anonymous ? ['allow_anonymous true'] : []),
        'persistence true',
        `persistence_location ${dir}/`,
        'max_queued_messages 0',
        'max_inflight_messages 100',
        'log_dest stderr',
        'log_type error',
        'log_type warning',
        ...extraConfig,
        '',
      ].join('\n'),
    );
    let out = '';
    const child: ChildProcess = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    let exited = false;
    child.once('exit', () => (exited = true));
    try {
      await waitFor(async () => exited || (await canConnect(port)), `mosquitto on port ${port}`, 10_000);
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    }
    if (exited) {
      if (attempt < 3) continue; // the port was taken between freePort() and mosquitto's bind
      throw new Error(`mosquitto did not start: ${out}`);
    }
    return {
      port,
      url: `mqtt://127.0.0.1:${port}`,
      dir,
      output: () => out,
      async stop() {
        if (!exited) {
          const gone = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await gone;
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}

/** An IPv4 address of this machine that is not loopback (a LAN address), to bind listeners that are not loopback. */
export function lanAddress(): string {
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal && !isLoopback(a.address)) return a.address;
  throw new Error('this machine has no IPv4 address other than loopback');
}

/** A real aedes broker on a TCP port; `close` stops both. */
export async function aedesOverTcp(): Promise<{ aedes: Aedes; url: string; close(): Promise<void> }> {
  const aedes = await Aedes.createBroker();
  const server = createServer(aedes.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { aedes, url: `mqtt://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => aedes.close(() => server.close(() => resolve()))) };
}
