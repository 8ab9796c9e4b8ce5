// scripts/setup — the first step of `npm test` and all of `npm run setup` (which .ci/run calls): check the system
// tools the suite runs (system-tools.ts); as root, install the missing Debian packages (apt-get, non-interactive,
// with a policy-rc.d that keeps services such as mosquitto from starting); otherwise stop at once naming what is
// missing and the one command that installs it.
//   tsx scripts/setup/preflight.ts [--no-install] [--root DIR]
// --no-install: check only, never install. --root: look (and put policy-rc.d) under DIR instead of / (tests).
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describeMissing, missingTools, setupPlan, type Probe } from './system-tools.js';

function args(argv: string[]): { install: boolean; root: string } {
  const out = { install: true, root: '/' };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--no-install') out.install = false;
    else if (argv[i] === '--root' && argv[i + 1]) out.root = argv[++i]!;
    else throw new Error(`preflight: unknown argument ${argv[i]} (expected --no-install, --root DIR)`);
  }
  return out;
}

function fsProbe(root: string): Probe {
  const inRoot = (p: string) => join(root, p);
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/sbin', '/sbin', '/usr/local/sbin'];
  const executable = (p: string) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  const matches = (segments: string[], at: string): boolean => {
    if (segments.length === 0) return existsSync(at);
    const [head, ...rest] = segments as [string, ...string[]];
    if (head !== '*') return matches(rest, join(at, head));
    try {
      return readdirSync(at).some((name) => matches(rest, join(at, name)));
    } catch {
      return false;
    }
  };
  return {
    hasCommand: (name) => dirs.some((d) => executable(root === '/' ? join(d, name) : inRoot(join(d, name)))),
    hasFile: (pattern) => matches(pattern.split('/').filter(Boolean), root),
  };
}

function run(cmd: string, argv: string[], input?: string): void {
  const r = spawnSync(cmd, argv, { stdio: [input === undefined ? 'inherit' : 'pipe', 'inherit', 'inherit'], input, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.error) throw new Error(`preflight: ${cmd} could not run: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`preflight: ${cmd} ${argv.join(' ')} failed (exit ${r.status})`);
}

function install(packages: string[], root: string): void {
  process.stdout.write(`preflight: installing ${packages.join(' ')} (apt-get, non-interactive; services are not started)\n`);
  // tshark asks whether non-root users may capture: answer no without a prompt.
  run('debconf-set-selections', [], 'wireshark-common wireshark-common/install-setuid boolean false\n');
  // Keep services (mosquitto on :1883, postgresql, nats) from starting: the tests start their own on free ports.
  const policy = join(root, 'usr/sbin/policy-rc.d');
  const ours = !existsSync(policy);
  if (ours) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    run('apt-get', ['update', '-q']);
    run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...packages]);
  } finally {
    if (ours) rmSync(policy, { force: true });
  }
}

function main(): number {
  const opts = args(process.argv.slice(2));
  const probe = fsProbe(opts.root);
  const isRoot = process.getuid?.() === 0;
  const plan = setupPlan(missingTools(probe), opts.install && isRoot);
  if (plan.kind === 'ready') return 0;
  if (plan.kind === 'stop') {
    process.stderr.write(`preflight: ${plan.message}\n`);
    return 1;
  }
  install(plan.packages, opts.root);
  const still = missingTools(probe);
  if (still.length) {
    process.stderr.write(`preflight: after installing, still missing:\n${describeMissing(still)}\n`);
    return 1;
  }
  process.stdout.write('preflight: every system tool the tests need is installed\n');
  return 0;
}

try {
  process.exitCode = main();
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exitCode = 1;
}
