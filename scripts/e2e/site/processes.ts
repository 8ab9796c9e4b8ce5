// scripts/e2e/site — the site's real processes: dockgate-hub and dockgate-gateway bundled once with esbuild (a start
// then costs ~0.3 s of CPU instead of ~2 s under tsx, which matters with many kill -9 restarts on 2 cores), Mosquitto,
// each a child with its output appended to a log file; kill -9, restart, RSS from /proc.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, rmSync, type WriteStream } from 'node:fs';
import { createConnection } from 'node:net';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../../..');

/** Bundle an entry point (node_modules stay external) under node_modules/.cache so it resolves the project's packages. */
export function bundle(entry: string, name: string): { file: string; remove(): void } {
  const dir = join(ROOT, 'node_modules/.cache', `dockgate-sim-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.mjs`);
  execFileSync(join(ROOT, 'node_modules/.bin/esbuild'), [
    join(ROOT, entry),
    '--bundle',
    '--platform=node',
    '--format=esm',
    '--packages=external',
    `--outfile=${file}`,
    '--log-level=error',
  ]);
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface ExitRecord {
  name: string;
  code: number | null;
  signal: string | null;
  /** Whether the simulator asked for it (a fault or the end of the run). */
  expected: boolean;
  at: number;
}

/** One long-lived child that the simulator may kill -9 and start again with the same command. */
export class Proc {
  private child?: ChildProcess;
  private log: WriteStream;
  private expectExit = false;
  starts = 0;

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: string[],
    private readonly env: NodeJS.ProcessEnv,
    readonly logFile: string,
    private readonly exits: ExitRecord[],
  ) {
    this.log = createWriteStream(logFile, { flags: 'a' });
  }

  get pid(): number | undefined {
    return this.alive ? this.child!.pid : undefined;
  }

  get alive(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    if (this.alive) throw new Error(`${this.name} is already running`);
    this.expectExit = false;
    this.starts++;
    this.log.write(`\n==== start #${this.starts} at ${new Date().toISOString()} ====\n`);
    const child = spawn(this.command, this.args, { cwd: ROOT, env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.pipe(this.log, { end: false });
    child.stderr!.pipe(this.log, { end: false });
    child.on('exit', (code, signal) => this.exits.push({ name: this.name, code, signal, expected: this.expectExit, at: Date.now() }));
    this.child = child;
  }

  /** Send `signal` and wait for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<void> {
    const c = this.child;
    if (!c || !this.alive) return;
    this.expectExit = true;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill(signal);
    const timer = setTimeout(() => c.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  kill9(): Promise<void> {
    return this.stop('SIGKILL');
  }

  /** Resident set size in kB (from /proc), undefined when not running. */
  rssKb(): number | undefined {
    const pid = this.pid;
    if (!pid) return undefined;
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Number(m[1]) : undefined;
    } catch {
      return undefined;
    }
  }

  /** CPU seconds used so far (utime + stime from /proc/pid/stat). */
  cpuSeconds(): number | undefined {
    const pid = this.pid;
    if (!pid) return undefined;
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(f[11]) + Number(f[12])) / 100;
    } catch {
      return undefined;
    }
  }

  /**
   * Seconds its main thread spent runnable but waiting for a CPU so far (/proc/pid/schedstat, second field): on a
   * loaded machine, what it would have run had it had a core.
   */
  cpuWaitSeconds(): number | undefined {
    const pid = this.pid;
    if (!pid) return undefined;
    try {
      return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9;
    } catch {
      return undefined;
    }
  }

  close(): void {
    this.log.end();
  }
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createConnection({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      res(true);
    });
    s.once('error', () => res(false));
  });
}

/** Wait for a condition with a deadline (never sleep-and-hope). */
export async function until<T>(cond: () => T | Promise<T>, what: string, ms = 30_000, everyMs = 50): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await cond();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
