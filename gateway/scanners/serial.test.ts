// gateway/scanners — serial scanner driver over real pseudo-terminals from socat: scans, garbage, no-line-ending
// framing, and unplug/replug (socat killed and started again on the same link path).
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, existsSync, openSync, writeSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../protocols/logging/index.js';
import { SerialScanner } from './serial.js';
import { ScannerSession } from './session.js';
import type { ScannedCode } from './session.js';
import { until } from './test-helpers.js';

interface Pty {
  dir: string;
  scanner: string; // the end our driver opens
  wire: string; // the end the test writes into, as the scanner would
  proc?: ChildProcess;
}

async function startSocat(p: Pty): Promise<void> {
  rmSync(p.scanner, { force: true });
  rmSync(p.wire, { force: true });
  p.proc = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${p.scanner}`, `pty,raw,echo=0,link=${p.wire}`], { stdio: 'ignore' });
  await until('socat links', () => existsSync(p.scanner) && existsSync(p.wire));
}

async function stopSocat(p: Pty): Promise<void> {
  const proc = p.proc;
  if (!proc || proc.exitCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGKILL');
  await exited;
}

function write(p: Pty, bytes: string | Uint8Array): void {
  const fd = openSync(p.wire, 'w');
  writeSync(fd, typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  closeSync(fd);
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(framing?: ConstructorParameters<typeof SerialScanner>[0]['framing']) {
  const dir = mkdtempSync(join(tmpdir(), 'dockgate-serial-'));
  const p: Pty = { dir, scanner: join(dir, 'scanner'), wire: join(dir, 'wire') };
  await startSocat(p);
  const s = new SerialScanner({ id: 'hand-1', path: p.scanner, baudRate: 9600, framing, reopenMs: 50 }, silentLogger());
  const codes: ScannedCode[] = [];
  const states: string[] = [];
  s.on('code', (c) => codes.push(c));
  s.on('state', (st) => states.push(st.state));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => stopSocat(p), () => s.stop());
  s.start();
  await until('port open', () => s.health().state === 'open');
  return { p, s, codes, states };
}

describe('serial scanner over socat ptys', () => {
  it('turns typed lines into scan events (CR, LF, CRLF; GS1 with GS) through a session', async () => {
    const { p, codes } = await setup();
    write(p, ']C10109506000134352\x1d10ABC\r');
    write(p, 'PO-4711\n4006141411114\r\n');
    await until('3 codes', () => codes.length >= 3);
    expect(codes.map((c) => c.raw)).toEqual([']C10109506000134352\x1d10ABC', 'PO-4711', '4006141411114']);

    const now = Date.UTC(2026, 10, 22, 10);
    const session = new ScannerSession(
      { scanner: 'hand-1', door: 'd1', patterns: [{ name: 'purchase_order', pattern: '^PO-(\\d+)$' }], context: [{ codeType: 'purchase_order' }] },
      () => now,
    );
    const drafts = codes.map((c) => session.scan(c).draft);
    expect(drafts[0]).toMatchObject({ kind: 'scan', scanner: 'hand-1', door: 'd1', codeType: 'gs1', gtin: '09506000134352', batch: 'ABC', qty: 1, symbology: 'gs1-128' });
    expect(drafts[1]).toMatchObject({ codeType: 'purchase_order', context: [{ type: 'purchase_order', value: '4711' }] });
    expect(drafts[2]).toMatchObject({ codeType: 'gtin', gtin: '04006141411114', context: [{ type: 'purchase_order', value: '4711' }] });
  });

  it('drops garbage (wrong baud) with a count and carries on', async () => {
    const { p, s, codes } = await setup();
    write(p, Uint8Array.from([0xff, 0xfe, 0x80, 0x00, 0x9a, 0x0d]));
    write(p, 'AFTER-GARBAGE\r');
    await until('code after garbage', () => codes.length >= 1);
    expect(codes.map((c) => c.raw)).toEqual(['AFTER-GARBAGE']);
    expect(s.health().counts.garbage).toBe(1);
    expect(s.health().state).toBe('open');
  });

  it('frames by inter-byte timeout and STX/ETX prefix/suffix for scanners without line ending', async () => {
    const t = await setup({ suffix: '', interByteTimeoutMs: 80 });
    write(t.p, 'NOLINE-1');
    await until('timeout-framed code', () => t.codes.length >= 1);
    write(t.p, 'NOLINE-2');
    await until('second code', () => t.codes.length >= 2);
    expect(t.codes.map((c) => c.raw)).toEqual(['NOLINE-1', 'NOLINE-2']);

    const e = await setup({ prefix: '\x02', suffix: '\x03' });
    write(e.p, '\x02ABC\x03\x02DEF');
    write(e.p, '\x03');
    await until('stx/etx codes', () => e.codes.length >= 2);
    expect(e.codes.map((c) => c.raw)).toEqual(['ABC', 'DEF']);
  });

  it('survives unplug and replug: socat killed, started again on the same path, scans flow again', async () => {
    const { p, s, codes, states } = await setup();
    write(p, 'BEFORE\r');
    await until('first code', () => codes.length >= 1);
    await stopSocat(p);
    await until('closed after unplug', () => s.health().state === 'closed');
    expect(s.health().reason).toMatch(/closed|cannot open/);
    await startSocat(p);
    await until('reopened', () => s.health().state === 'open');
    write(p, 'AFTER\r');
    await until('code after replug', () => codes.length >= 2);
    expect(codes.map((c) => c.raw)).toEqual(['BEFORE', 'AFTER']);
    expect(states.filter((x) => x === 'open').length).toBeGreaterThanOrEqual(2);
    expect(s.health().counts.opens).toBeGreaterThanOrEqual(2);
  });

  it('opens by USB vendor/product/serial via the port list, and waits while no port matches', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dockgate-serial-'));
    const p: Pty = { dir, scanner: join(dir, 'scanner'), wire: join(dir, 'wire') };
    await startSocat(p);
    let listed: Array<{ path: string; vendorId?: string; productId?: string; serialNumber?: string }> = [];
    const s = new SerialScanner({ id: 'usb-1', match: { vendorId: '0C2E', productId: '0b61', serialNumber: 'S1' }, reopenMs: 30 }, silentLogger(), async () => listed);
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => stopSocat(p), () => s.stop());
    s.start();
    await until('no match reason', () => (s.health().reason ?? '').includes('no serial port matches'));
    listed = [
      { path: '/dev/null-other', vendorId: '0c2e', productId: '0b61', serialNumber: 'S2' },
      { path: p.scanner, vendorId: '0c2e', productId: '0b61', serialNumber: 'S1' },
    ];
    await until('open by USB ids', () => s.health().state === 'open');
    expect(s.health().reason).toBe(`opened ${p.scanner}`);
    const codes: string[] = [];
    s.on('code', (c) => codes.push(c.raw));
    write(p, 'USB\r');
    await until('code', () => codes.length >= 1);
    expect(codes).toEqual(['USB']);
  });

  it('reports a missing device path and keeps retrying', async () => {
    const s = new SerialScanner({ id: 'gone', path: '/nonexistent/tty-dockgate', reopenMs: 30 }, silentLogger());
    cleanups.push(() => s.stop());
    s.start();
    await until('closed with reason', () => (s.health().reason ?? '').startsWith('cannot open /nonexistent/tty-dockgate'));
    expect(s.health().state).toBe('closed');
    const errors = s.health().counts.errors;
    await until('retried', () => s.health().counts.errors > errors);
  });

  it('refuses a config without path or match', () => {
    expect(() => new SerialScanner({ id: 'x' }, silentLogger())).toThrow(/give path or match/);
  });
});
