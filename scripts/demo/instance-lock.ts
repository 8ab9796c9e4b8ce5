// scripts/demo — one demo per state folder. The first `npm start` writes demo.lock (its pid, then its ports and the
// pids of its hub and gateway); a second one on the same folder is refused with a message naming the running one. A
// lock left by a demo that was killed (its pid is gone) is taken over, after stopping the hub and gateway it left
// running on this folder's configs.
import { closeSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface DemoInstance {
  pid: number;
  startedAt: string;
  dir: string;
  api?: string;
  mqtt?: string;
  /** The demo's hub and gateway processes. */
  children?: Array<{ name: string; pid: number }>;
}

export class DemoAlreadyRunning extends Error {
  constructor(readonly running: DemoInstance) {
    const where = running.api ? `REST ${running.api}, MQTT ${running.mqtt ?? '?'}` : 'still starting, ports not chosen yet';
    super(
      `another dockgate demo is already running on ${running.dir}: pid ${running.pid} (started ${running.startedAt}; ${where}).\n` +
        `Use that one, stop it first (Ctrl-C in its terminal, or kill ${running.pid}), or give this one its own folder: ` +
        `DOCKGATE_DEMO_DIR=/tmp/dockgate-demo-2 npm start`,
    );
    this.name = 'DemoAlreadyRunning';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The command line of a process (Linux), or undefined where /proc is not there to ask. */
function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
}

/** Whether `pid` is still the process the lock names (a pid reused by something else is not). */
function isStill(pid: number, mark: string): boolean {
  if (!alive(pid)) return false;
  const cmd = commandLine(pid);
  return cmd === undefined || cmd.includes(mark);
}

export interface DemoLock {
  readonly path: string;
  /** Record what the running demo has become (ports, children) for a second start to name. */
  update(info: Partial<Omit<DemoInstance, 'pid' | 'startedAt' | 'dir'>>): void;
  release(): void;
}

/**
 * Claim `dir` for this process, or throw DemoAlreadyRunning. `say` is told about leftovers of a killed demo that were
 * stopped. `scriptMark` is what the demo's own command line contains (to tell a reused pid from the demo).
 */
export async function claimDemoDir(dir: string, say: (line: string) => void, scriptMark = 'demo'): Promise<DemoLock> {
  const path = join(dir, 'demo.lock');
  const me: DemoInstance = { pid: process.pid, startedAt: new Date().toISOString(), dir };
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, JSON.stringify(me));
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
    }
    let other: DemoInstance | undefined;
    try {
      other = JSON.parse(readFileSync(path, 'utf8')) as DemoInstance;
    } catch {
      other = undefined; // half-written or garbage: the demo that wrote it is gone or will find its lock replaced
    }
    if (other && other.pid !== process.pid && isStill(other.pid, scriptMark)) throw new DemoAlreadyRunning({ ...other, dir });
    const leftovers = (other?.children ?? []).filter((c) => alive(c.pid) && (commandLine(c.pid) ?? '').includes(dir)); // only ours
    for (const child of leftovers) {
      say(`stopping the ${child.name} (pid ${child.pid}) left running by a demo that was killed (pid ${other!.pid})`);
      try {
        process.kill(child.pid, 'SIGTERM');
      } catch {
        // gone meanwhile
      }
    }
    for (let waited = 0; leftovers.some((c) => alive(c.pid)); waited += 100) {
      if (waited >= 10_000) throw new Error(`the processes a killed demo left running (${leftovers.map((c) => `${c.name} pid ${c.pid}`).join(', ')}) did not stop within 10 s of SIGTERM: stop them, then start again`);
      await new Promise((r) => setTimeout(r, 100));
    }
    rmSync(path, { force: true });
  }
  let released = false;
  return {
    path,
    update(info) {
      if (released) return;
      Object.assign(me, info);
      writeFileSync(path, JSON.stringify(me));
    },
    release() {
      if (released) return;
      released = true;
      try {
        const now = JSON.parse(readFileSync(path, 'utf8')) as DemoInstance;
        if (now.pid === process.pid) rmSync(path, { force: true });
      } catch {
        // already gone
      }
    },
  };
}
