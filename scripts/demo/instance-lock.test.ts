import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claimDemoDir, DemoAlreadyRunning } from './instance-lock.js';

const dirs: string[] = [];
function fresh(): string {
  const d = mkdtempSync(join(tmpdir(), 'demo-lock-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('one demo per state folder', () => {
  it('refuses a second claim while the first holder lives, naming its pid and ports', async () => {
    const dir = fresh();
    // The holder: a live process whose command line carries the mark, as the demo's does.
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', 'demo-lock-holder'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dir, 'demo.lock'), JSON.stringify({ pid: holder.pid, startedAt: '2026-01-01T00:00:00.000Z', dir, api: 'http://127.0.0.1:8080', mqtt: 'mqtt://127.0.0.1:1883' }));
      const err = await claimDemoDir(dir, () => undefined, 'demo-lock-holder').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DemoAlreadyRunning);
      expect((err as Error).message).toContain(`pid ${holder.pid}`);
      expect((err as Error).message).toContain('REST http://127.0.0.1:8080, MQTT mqtt://127.0.0.1:1883');
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('takes over the lock of a demo that is gone, stops what it left running on this folder, and releases its own', async () => {
    const dir = fresh();
    const dead = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    await new Promise((r) => dead.once('exit', r));
    const leftover = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', join(dir, 'hub.yaml')], { stdio: 'ignore' });
    const leftoverExit = new Promise((r) => leftover.once('exit', (_c, s) => r(s)));
    writeFileSync(join(dir, 'demo.lock'), JSON.stringify({ pid: dead.pid, startedAt: 'x', dir, children: [{ name: 'hub', pid: leftover.pid }] }));
    const said: string[] = [];
    const lock = await claimDemoDir(dir, (l) => said.push(l));
    expect(await leftoverExit).toBe('SIGTERM');
    expect(said.join('\n')).toContain(`stopping the hub (pid ${leftover.pid}) left running by a demo that was killed (pid ${dead.pid})`);
    lock.update({ api: 'http://127.0.0.1:1' });
    expect(JSON.parse(readFileSync(lock.path, 'utf8'))).toMatchObject({ pid: process.pid, api: 'http://127.0.0.1:1' });
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
  });
});
