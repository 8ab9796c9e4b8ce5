// fleet/testing — a real PostgreSQL 15 for tests: initdb into a temp dir owned by user postgres (initdb refuses
// root), the server on a free loopback port with its unix socket in the temp dir, run as postgres via runuser. It can
// be killed -9 and started again on the same data dir.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, waitFor } from './ports.js';

export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface TestPostgres {
  url: string;
  port: number;
  kill(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

function asPostgres(cmd: string, args: string[]): string[] {
  return process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--', cmd, ...args] : [cmd, ...args];
}

export async function startPostgres(): Promise<TestPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'dockgate-pg-'));
  chmodSync(dir, 0o755);
  const data = join(dir, 'data');
  const sock = join(dir, 'sock');
  mkdirSync(sock);
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(dir, uid, gid);
    chownSync(sock, uid, gid);
  }
  const [initCmd, ...initArgs] = asPostgres(join(PG_BIN, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  execFileSync(initCmd!, initArgs, { stdio: 'pipe' });
  const port = await freePort();
  let proc: ChildProcess | undefined;
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const ready = async () => {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await c.connect();
      await c.query('SELECT 1');
      return true;
    } finally {
      await c.end().catch(() => undefined);
    }
  };
  const db: TestPostgres = {
    url,
    port,
    async start() {
      const [cmd, ...args] = asPostgres(join(PG_BIN, 'postgres'), ['-D', data, '-p', String(port), '-k', sock, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=on']);
      let err = '';
      proc = spawn(cmd!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      proc.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
      await waitFor(`postgres on ${port}`, ready, 30_000).catch((e: Error) => {
        throw new Error(`${e.message}: ${err}`);
      });
    },
    async kill() {
      const p = proc;
      if (!p || p.exitCode !== null) return;
      const exited = new Promise((r) => p.once('exit', r));
      // runuser forwards the signal to postgres; kill -9 of the postmaster itself: find it by its pid file.
      try {
        const pid = Number(execFileSync('head', ['-1', join(data, 'postmaster.pid')]).toString());
        process.kill(pid, 'SIGKILL');
      } catch {
        p.kill('SIGKILL');
      }
      await exited;
      proc = undefined;
      // Its backends exit once the postmaster is gone; wait until the port is free of them.
      await new Promise((r) => setTimeout(r, 300));
    },
    async stop() {
      await db.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await db.start();
  return db;
}
