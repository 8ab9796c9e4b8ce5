// gateway/scanners — HID driver with a fake device at the node-hid boundary (no USB here): both scanner kinds,
// hot-plug, unplug/reopen, node-hid unavailable.
import { afterEach, describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import { silentLogger } from '../../protocols/logging/index.js';
import { keyboardReports, posReports } from '../../protocols/hid/index.js';
import { checkHidSupport, HidScanner, type HidDeviceInfo, type HidModule } from './hid.js';
import type { ScannedCode } from './session.js';
import { until } from './test-helpers.js';

class FakeDevice extends EventEmitter {
  closed = false;
  constructor(readonly path: string) {
    super();
  }
  close(): void {
    this.closed = true;
  }
  report(bytes: Uint8Array): void {
    this.emit('data', Buffer.from(bytes));
  }
}

/** A fake node-hid: a device list the test plugs into and out of, and the devices opened. */
function fakeHid() {
  const present: HidDeviceInfo[] = [];
  const opened: FakeDevice[] = [];
  const mod: HidModule = {
    devices: () => [...present],
    HID: class {
      constructor(path: string) {
        if (!present.some((d) => d.path === path)) throw new Error(`could not open ${path}`);
        const d = new FakeDevice(path);
        opened.push(d);
        return d;
      }
    } as unknown as HidModule['HID'],
  };
  return { mod, present, opened };
}

const stops: Array<() => void> = [];
afterEach(() => {
  while (stops.length) stops.pop()!();
});

function scanner(kind: 'keyboard' | 'pos', fake: ReturnType<typeof fakeHid>, layout: 'us' | 'de' = 'us') {
  const s = new HidScanner({ id: 'hid-1', kind, vendorId: 0x0c2e, productId: 0x0b61, layout, pollMs: 10 }, silentLogger(), async () => fake.mod);
  const codes: ScannedCode[] = [];
  s.on('code', (c) => codes.push(c));
  stops.push(() => s.stop());
  return { s, codes };
}

describe('HID scanner driver', () => {
  it('keyboard wedge: waits for the device, opens it when plugged, decodes codes on the DE layout', async () => {
    const fake = fakeHid();
    const { s, codes } = scanner('keyboard', fake, 'de');
    s.start();
    await until('absent', () => s.health().reason === 'HID device 0c2e:0b61 not present');
    fake.present.push({ path: '/dev/hidraw7', vendorId: 0x0c2e, productId: 0x0b61 });
    await until('open', () => s.health().state === 'open');
    for (const r of keyboardReports('Zy-4711', 'de')) fake.opened[0]!.report(r);
    expect(codes.map((c) => c.raw)).toEqual(['Zy-4711']);
    expect(s.health().counts.codes).toBe(1);
  });

  it('HID POS: passes the AIM symbology with the data', async () => {
    const fake = fakeHid();
    fake.present.push({ path: '/dev/hidraw3', vendorId: 0x0c2e, productId: 0x0b61, usagePage: 0x8c });
    const { s, codes } = scanner('pos', fake);
    s.start();
    await until('open', () => s.health().state === 'open');
    for (const r of posReports('0109506000134352\x1d10ABC', ']C1')) fake.opened[0]!.report(r);
    expect(codes).toMatchObject([{ raw: '0109506000134352\x1d10ABC', symbology: ']C1' }]);
  });

  it('counts bad reports and carries on', async () => {
    const fake = fakeHid();
    fake.present.push({ path: '/dev/hidraw3', vendorId: 0x0c2e, productId: 0x0b61 });
    const { s, codes } = scanner('pos', fake);
    s.start();
    await until('open', () => s.health().state === 'open');
    fake.opened[0]!.report(Uint8Array.from([2, 200, 0, 0, 0, 0]));
    for (const r of posReports('OK')) fake.opened[0]!.report(r);
    expect(codes.map((c) => c.raw)).toEqual(['OK']);
    expect(s.health().counts.problems).toBe(1);
  });

  it('unplug (device error) closes it, and it is reopened when it comes back', async () => {
    const fake = fakeHid();
    const info = { path: '/dev/hidraw7', vendorId: 0x0c2e, productId: 0x0b61 };
    fake.present.push(info);
    const { s, codes } = scanner('keyboard', fake);
    const states: string[] = [];
    s.on('state', (x) => states.push(`${x.state}: ${x.reason}`));
    s.start();
    await until('open', () => s.health().state === 'open');
    // half a code, then the cable is pulled
    for (const r of keyboardReports('LOST').slice(0, 4)) fake.opened[0]!.report(r);
    fake.present.splice(0);
    fake.opened[0]!.emit('error', new Error('could not read from HID device'));
    await until('closed', () => s.health().state === 'closed');
    expect(fake.opened[0]!.closed).toBe(true);
    expect(states).toContain('closed: HID device 0c2e:0b61 lost: could not read from HID device');
    fake.present.push(info);
    await until('reopened', () => fake.opened.length === 2 && s.health().state === 'open');
    for (const r of keyboardReports('BACK')) fake.opened[1]!.report(r);
    expect(codes.map((c) => c.raw)).toEqual(['BACK']);
  });

  it('node-hid failing to load makes the scanner unavailable with the reason', async () => {
    const s = new HidScanner({ id: 'hid-2', kind: 'keyboard', vendorId: 1, productId: 2 }, silentLogger(), async () => {
      throw new Error('libusb-1.0.so.0: cannot open shared object file');
    });
    stops.push(() => s.stop());
    s.start();
    await until('unavailable', () => s.health().state === 'unavailable');
    expect(s.health().reason).toBe('HID scanners unavailable: libusb-1.0.so.0: cannot open shared object file');
  });

  it('start-up check: exit only when a HID scanner is configured', async () => {
    const broken = async (): Promise<HidModule> => {
      throw new Error('No native build was found');
    };
    expect(await checkHidSupport([], broken)).toEqual({ fatal: false, message: 'HID scanners unavailable: No native build was found' });
    const r = await checkHidSupport(['dock-7-wedge'], broken);
    expect(r.fatal).toBe(true);
    expect(r.message).toMatch(/^HID scanners unavailable: No native build was found; configured HID scanners: dock-7-wedge/);
    const ok = await checkHidSupport(['x'], async () => fakeHid().mod);
    expect(ok.fatal).toBe(false);
  });

  it('loads the real node-hid lazily here (or says why not)', async () => {
    const r = await checkHidSupport([]);
    expect(r.fatal).toBe(false);
    if (r.message) expect(r.message).toMatch(/^HID scanners unavailable: /);
    else expect(typeof r.hid!.devices).toBe('function');
  });
});
