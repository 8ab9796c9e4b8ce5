// scripts — the systemd units in systemd/: systemd-analyze verifies them without a word, and their security
// exposure (systemd-analyze security, offline) is 2.5 or less.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const UNITS = ['dockgate-gateway.service', 'dockgate-hub.service'];
const DIR = new URL('../systemd/', import.meta.url).pathname;

/** A copy of the unit to check; ExecStart's binary must exist for verify, so point it at this node when /usr/bin/node is absent. */
function copyForCheck(unit: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'dockgate-units-'));
  const to = join(dir, unit);
  if (existsSync('/usr/bin/node')) copyFileSync(join(DIR, unit), to);
  else writeFileSync(to, readFileSync(join(DIR, unit), 'utf8').replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `));
  return to;
}

describe.each(UNITS)('%s', (unit) => {
  const text = readFileSync(join(DIR, unit), 'utf8');
  const daemon = unit === 'dockgate-gateway.service' ? 'gateway' : 'hub';

  it('starts the built daemon with its config under a dedicated user, and restarts on failure but not on config errors', () => {
    expect(text).toContain(`ExecStart=/usr/bin/node /opt/dockgate/dist/${daemon}/main.js --config /etc/dockgate/${daemon}.yaml`);
    for (const line of ['Type=notify', 'NotifyAccess=all', 'User=dockgate', 'DynamicUser=no', 'StateDirectory=dockgate', 'Restart=on-failure', 'RestartPreventExitStatus=78', 'UMask=0077', 'ProtectSystem=strict', 'ProtectHome=yes', 'PrivateTmp=yes', 'NoNewPrivileges=yes', 'CapabilityBoundingSet=', 'SystemCallFilter=@system-service']) {
      expect(text.split('\n')).toContain(line);
    }
    expect(text).toMatch(/^WatchdogSec=\d+$/m);
    expect(text).toMatch(/^RestartSec=\d+$/m);
    expect(text).toMatch(/^RestrictAddressFamilies=.*AF_INET/m);
  });

  it('passes systemd-analyze verify without warnings', () => {
    const r = spawnSync('systemd-analyze', ['verify', copyForCheck(unit)], { encoding: 'utf8' });
    expect(r.error).toBeUndefined();
    expect(r.stderr + r.stdout).toBe('');
    expect(r.status).toBe(0);
  });

  it('has a security exposure of 2.5 or less', () => {
    const out = execFileSync('systemd-analyze', ['security', '--offline=yes', '--no-pager', copyForCheck(unit)], { encoding: 'utf8' });
    const m = /Overall exposure level for \S+: (\d+(?:\.\d+)?)/.exec(out);
    expect(m, out).not.toBeNull();
    expect(Number(m![1])).toBeLessThanOrEqual(2.5);
  });
});

describe('dockgate-gateway.service devices', () => {
  it('opens /dev only for serial and HID scanners, with the groups that own them', () => {
    const text = readFileSync(join(DIR, 'dockgate-gateway.service'), 'utf8');
    expect(text).toMatch(/^DevicePolicy=closed$/m);
    expect(text.match(/^DeviceAllow=.*$/gm)).toEqual(['DeviceAllow=char-ttyUSB rw', 'DeviceAllow=char-ttyACM rw', 'DeviceAllow=char-hidraw rw']);
    expect(text).toMatch(/^SupplementaryGroups=dialout plugdev$/m);
  });
});
