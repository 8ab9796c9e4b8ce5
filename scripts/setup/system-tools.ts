// scripts/setup — THE list of system tools the test suite runs for real, and the Debian package of each. The
// preflight of `npm test` and `npm run setup` (which .ci/run calls) read it from here and from nowhere else.
// Pure: where to look is given by the caller.

export interface SystemTool {
  /** The Debian package that provides it. */
  pkg: string;
  /** Commands that must be found in PATH (or /usr/sbin, /sbin). */
  commands?: string[];
  /** Files that must exist; a `*` matches one path segment (e.g. the PostgreSQL major version). */
  files?: string[];
  /** Which tests use it. */
  why: string;
}

export const SYSTEM_TOOLS: readonly SystemTool[] = [
  { pkg: 'socat', commands: ['socat'], why: 'pseudo-terminals for the serial scanner tests and the fault simulation' },
  { pkg: 'mosquitto', commands: ['mosquitto', 'mosquitto_passwd'], why: 'a real external MQTT broker (tests start their own on a free port)' },
  { pkg: 'tshark', commands: ['tshark', 'text2pcap'], why: "the LLRP codec cross-check against Wireshark's dissector" },
  { pkg: 'chromium', files: ['/usr/bin/chromium'], why: 'the dashboard tests in headless Chromium (playwright-core)' },
  { pkg: 'systemd', commands: ['systemd-analyze'], why: 'systemd unit verification and security exposure' },
  { pkg: 'nats-server', commands: ['nats-server'], why: 'the fleet tests on NATS JetStream' },
  { pkg: 'postgresql', files: ['/usr/lib/postgresql/*/bin/initdb', '/usr/lib/postgresql/*/bin/postgres', '/usr/lib/postgresql/*/bin/pg_ctl'], why: 'the fleet tests on PostgreSQL' },
  { pkg: 'libusb-1.0-0', files: ['/usr/lib/*/libusb-1.0.so.0'], why: 'node-hid (USB HID scanners)' },
  { pkg: 'ca-certificates', files: ['/etc/ssl/certs/ca-certificates.crt'], why: 'TLS tests against trusted roots' },
];

/** Where to look, so that a check can be pointed at another root (tests) without touching this machine. */
export interface Probe {
  /** Whether an executable named `name` is in one of the command directories. */
  hasCommand(name: string): boolean;
  /** Whether a file matching the pattern (absolute, `*` = one segment) exists. */
  hasFile(pattern: string): boolean;
}

export interface Missing {
  tool: SystemTool;
  /** The commands and files of it that were not found. */
  lacking: string[];
}

export function missingTools(probe: Probe, tools: readonly SystemTool[] = SYSTEM_TOOLS): Missing[] {
  const out: Missing[] = [];
  for (const tool of tools) {
    const lacking = [...(tool.commands ?? []).filter((c) => !probe.hasCommand(c)), ...(tool.files ?? []).filter((f) => !probe.hasFile(f))];
    if (lacking.length) out.push({ tool, lacking });
  }
  return out;
}

/** The one command that installs what is missing, for a user who is not root. */
export const INSTALL_COMMAND = 'sudo env "PATH=$PATH" npm run setup';

export function describeMissing(missing: readonly Missing[]): string {
  return missing.map((m) => `  ${m.tool.pkg.padEnd(16)} lacking ${m.lacking.join(', ')} — ${m.tool.why}`).join('\n');
}

export type SetupPlan = { kind: 'ready' } | { kind: 'install'; packages: string[] } | { kind: 'stop'; message: string };

/** What the preflight does: nothing, install (as root, when allowed), or stop naming what is missing and the fix. */
export function setupPlan(missing: readonly Missing[], canInstall: boolean): SetupPlan {
  if (missing.length === 0) return { kind: 'ready' };
  const packages = [...new Set(missing.map((m) => m.tool.pkg))];
  if (canInstall) return { kind: 'install', packages };
  return {
    kind: 'stop',
    message:
      `the tests need system tools that are not installed:\n${describeMissing(missing)}\n` +
      `Install them (Debian/Ubuntu, ${packages.join(' ')}) with:\n  ${INSTALL_COMMAND}\n` +
      `(or: sudo apt-get install --no-install-recommends ${packages.join(' ')})`,
  };
}
