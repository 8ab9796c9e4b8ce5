// scripts/setup — the preflight of `npm test` / `npm run setup` (names what is missing and the one command that
// installs it; as root installs it through apt-get with services held back), and the reporter that fails a run with
// skipped tests. Real processes: the preflight CLI pointed at an empty root, stub apt-get on PATH (the lowest layer:
// this machine's packages are never touched), and vitest itself on fixture files.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { INSTALL_COMMAND, missingTools, setupPlan, SYSTEM_TOOLS } from './system-tools.js';

const ROOT = join(import.meta.dirname, '../..');
const tmp = mkdtempSync(join(tmpdir(), 'dockgate-setup-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function preflight(args: string[], path: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/setup/preflight.ts'), ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, PATH: path } });
}

describe('the system tools list', () => {
  it('names every tool the suite runs, among them nats-server and postgresql', () => {
    const pkgs = SYSTEM_TOOLS.map((t) => t.pkg);
    for (const p of ['socat', 'mosquitto', 'tshark', 'chromium', 'systemd', 'nats-server', 'postgresql']) expect(pkgs).toContain(p);
  });

  it('plans: nothing when all is there, install as root, otherwise stop naming what and how', () => {
    const none = missingTools({ hasCommand: () => true, hasFile: () => true });
    expect(setupPlan(none, false)).toEqual({ kind: 'ready' });
    const noSocat = missingTools({ hasCommand: (c) => c !== 'socat', hasFile: () => true });
    expect(setupPlan(noSocat, true)).toEqual({ kind: 'install', packages: ['socat'] });
    const stop = setupPlan(noSocat, false);
    expect(stop.kind).toBe('stop');
    expect(stop.kind === 'stop' && stop.message).toContain('socat            lacking socat');
    expect(stop.kind === 'stop' && stop.message).toContain(INSTALL_COMMAND);
  });
});

describe('the preflight of npm test', () => {
  it('on a machine with none of the tools, --no-install stops naming each package, what it lacks, and the command', () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    const r = preflight(['--no-install', '--root', empty], '/usr/bin:/bin');
    expect(r.status).toBe(1);
    for (const t of SYSTEM_TOOLS) expect(r.stderr).toContain(`  ${t.pkg.padEnd(16)} lacking `);
    expect(r.stderr).toContain('lacking mosquitto, mosquitto_passwd');
    expect(r.stderr).toContain(`  ${INSTALL_COMMAND}\n`);
  });

  it('as root installs the missing packages with apt-get, non-interactive, with a policy-rc.d in place during the install only (else stops naming them)', () => {
    const root = join(tmp, 'root');
    const bin = join(tmp, 'bin');
    mkdirSync(join(root, 'usr/sbin'), { recursive: true });
    mkdirSync(bin);
    const log = join(tmp, 'apt.log');
    // Stub apt-get: records its arguments, its DEBIAN_FRONTEND and whether policy-rc.d forbids starting services.
    writeFileSync(join(bin, 'apt-get'), `#!/bin/sh\necho "apt-get $* frontend=$DEBIAN_FRONTEND policy=$(cat ${root}/usr/sbin/policy-rc.d 2>/dev/null | tail -1)" >> ${log}\n`);
    writeFileSync(join(bin, 'debconf-set-selections'), `#!/bin/sh\necho "debconf $(cat)" >> ${log}\n`);
    chmodSync(join(bin, 'apt-get'), 0o755);
    chmodSync(join(bin, 'debconf-set-selections'), 0o755);
    const r = preflight(['--root', root], `${bin}:/usr/bin:/bin`);
    expect(r.status).toBe(1);
    if (process.getuid?.() === 0) {
      const calls = readFileSync(log, 'utf8');
      expect(calls).toContain('debconf wireshark-common wireshark-common/install-setuid boolean false');
      expect(calls).toContain('apt-get update -q frontend=noninteractive policy=exit 101');
      expect(calls).toContain(`apt-get install -y -q --no-install-recommends ${SYSTEM_TOOLS.map((t) => t.pkg).join(' ')} frontend=noninteractive policy=exit 101`);
      expect(r.stderr).toContain('after installing, still missing'); // the stub installs nothing
      expect(() => readFileSync(join(root, 'usr/sbin/policy-rc.d'))).toThrow(); // removed again
    } else {
      expect(r.stderr).toContain(INSTALL_COMMAND);
    }
  });
});

describe('the no-skips reporter', () => {
  function vitestOn(files: Record<string, string>) {
    const dir = mkdtempSync(join(tmp, 'vt-'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    writeFileSync(join(dir, 'vitest.config.mjs'), `export default { test: { include: ['*.test.mjs'], reporters: ['default', ${JSON.stringify(join(ROOT, 'scripts/setup/no-skips-reporter.ts'))}] } };\n`);
    return spawnSync(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--config', join(dir, 'vitest.config.mjs'), '--root', dir], { cwd: dir, encoding: 'utf8' });
  }

  it('fails a run with a skipped test or a suite whose beforeAll failed, naming each test and what it lacked', () => {
    const r = vitestOn({
      'skip.test.mjs': "import { it, expect } from 'vitest';\nit('runs', () => expect(1).toBe(1));\nit.skip('is skipped', () => {});\n",
      'hook.test.mjs': "import { beforeAll, describe, it } from 'vitest';\ndescribe('dashboard', () => {\n  beforeAll(() => { throw new Error('chromium is not installed at /usr/bin/chromium'); });\n  it('shows doors', () => {});\n});\n",
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('no skipped tests allowed: 2 test(s) did not run');
    expect(r.stderr).toContain('skip.test.mjs > is skipped: skipped in code');
    expect(r.stderr).toContain('hook.test.mjs > dashboard > shows doors: chromium is not installed at /usr/bin/chromium');
  }, 120_000);

  it('lets a run where everything ran pass', () => {
    const r = vitestOn({ 'ok.test.mjs': "import { it, expect } from 'vitest';\nit('runs', () => expect(1).toBe(1));\n" });
    expect(r.stderr).not.toContain('no skipped tests allowed');
    expect(r.status).toBe(0);
  }, 120_000);
});
