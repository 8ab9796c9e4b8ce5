// gateway/scanners — HID scanner driver (node-hid, loaded lazily): keyboard-wedge and HID POS scanners, hot-plug by
// polling, reopen after unplug. Emits `code` and `state` like the serial driver.
import { componentLogger, type Logger } from '../../protocols/logging/index.js';
import { isoTs, type ScannerHealth } from '../../protocols/events/index.js';
import { KeyboardDecoder, PosDecoder, type LayoutName, type PosReportLayout } from '../../protocols/hid/index.js';
import { ScannerDriver } from './driver.js';
import { systemRuntime, type Runtime, type Timer } from '../../runtime/runtime.js';

/** The part of node-hid we use: the boundary the tests fake. */
export interface HidDeviceInfo {
  path?: string;
  vendorId: number;
  productId: number;
  serialNumber?: string;
  usagePage?: number;
  usage?: number;
  interface?: number;
}
export interface HidDevice {
  on(event: 'data', cb: (data: Buffer) => void): unknown;
  on(event: 'error', cb: (err: Error) => void): unknown;
  close(): void;
}
export interface HidModule {
  devices(): HidDeviceInfo[];
  HID: new (path: string) => HidDevice;
}
export type HidLoader = () => Promise<HidModule>;

/** node-hid via dynamic import, so a box without libusb/hidraw still starts. */
export const loadNodeHid: HidLoader = async () => {
  const m = (await import('node-hid')) as unknown as HidModule & { default?: HidModule };
  const hid = typeof m.devices === 'function' ? m : m.default;
  if (!hid || typeof hid.devices !== 'function') throw new Error('node-hid has no devices()');
  hid.devices(); // touches the native binding: fails here, not later, when it cannot work
  return hid;
};

export type HidAvailability = { ok: true; hid: HidModule } | { ok: false; reason: string };

export async function hidAvailability(loader: HidLoader = loadNodeHid): Promise<HidAvailability> {
  try {
    return { ok: true, hid: await loader() };
  } catch (e) {
    return { ok: false, reason: `HID scanners unavailable: ${(e as Error).message.split('\n')[0]}` };
  }
}

/**
 * Start-up decision: without node-hid the gateway still runs, unless HID scanners are configured.
 * fatal → the daemon exits with `message`; otherwise `message` (if any) is a warning to log.
 */
export async function checkHidSupport(
  configuredHidScanners: readonly string[],
  loader: HidLoader = loadNodeHid,
): Promise<{ fatal: boolean; message?: string; hid?: HidModule }> {
  const a = await hidAvailability(loader);
  if (a.ok) return { fatal: false, hid: a.hid };
  if (configuredHidScanners.length === 0) return { fatal: false, message: a.reason };
  return {
    fatal: true,
    message: `${a.reason}; configured HID scanners: ${configuredHidScanners.join(', ')}. Install libusb/hidraw support or remove them from the config.`,
  };
}

export interface HidScannerOptions {
  id: string;
  /** keyboard = boot keyboard reports (keyboard wedge); pos = HID POS usage page 0x8C. */
  kind: 'keyboard' | 'pos';
  vendorId: number;
  productId: number;
  serialNumber?: string;
  /** Pick one interface of a composite device. */
  usagePage?: number;
  interface?: number;
  layout?: LayoutName;
  posLayout?: Partial<PosReportLayout>;
  /** How often to look for the device while it is absent. Default 1000 ms. */
  pollMs?: number;
}

export class HidScanner extends ScannerDriver {
  private hid: HidModule | undefined;
  private device: HidDevice | undefined;
  private running = false;
  private timer: Timer | undefined;
  private lastScan: number | undefined;
  private readonly keyboard: KeyboardDecoder;
  private readonly pos: PosDecoder;
  private readonly counts = { codes: 0, problems: 0, opens: 0, errors: 0 };

  constructor(
    private readonly options: HidScannerOptions,
    logger: Logger,
    private readonly hidLoader: HidLoader = loadNodeHid,
    private readonly runtime: Pick<Runtime, 'now' | 'setTimer'> = systemRuntime,
  ) {
    super(componentLogger(logger, 'scanner.hid', { scanner: options.id }));
    this.keyboard = new KeyboardDecoder({ layout: options.layout ?? 'us' });
    this.pos = new PosDecoder(options.posLayout);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.init();
  }

  stop(): void {
    this.running = false;
    this.timer?.cancel();
    this.closeDevice();
    if (this.state !== 'unavailable') this.setState('closed', 'stopped');
  }

  health(): ScannerHealth & { counts: Record<string, number> } {
    const h: ScannerHealth & { counts: Record<string, number> } = {
      id: this.options.id,
      type: 'hid',
      state: this.state,
      reason: this.reason,
      counts: { ...this.counts },
    };
    if (this.lastScan !== undefined) h.lastScan = isoTs(this.lastScan);
    return h;
  }

  private async init(): Promise<void> {
    const a = await hidAvailability(this.hidLoader);
    if (!a.ok) return this.setState('unavailable', a.reason);
    this.hid = a.hid;
    this.poll();
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer?.cancel();
    this.timer = this.runtime.setTimer(this.options.pollMs ?? 1000, () => this.poll());
  }

  private find(): HidDeviceInfo | undefined {
    const o = this.options;
    return this.hid!.devices().find(
      (d) =>
        d.vendorId === o.vendorId &&
        d.productId === o.productId &&
        (o.serialNumber === undefined || d.serialNumber === o.serialNumber) &&
        (o.usagePage === undefined || d.usagePage === o.usagePage) &&
        (o.interface === undefined || d.interface === o.interface) &&
        d.path !== undefined,
    );
  }

  private poll(): void {
    if (!this.running || this.device) return;
    const id = `${hex4(this.options.vendorId)}:${hex4(this.options.productId)}`;
    let info: HidDeviceInfo | undefined;
    try {
      info = this.find();
    } catch (e) {
      this.counts.errors++;
      this.setState('closed', `listing HID devices failed: ${(e as Error).message}`);
      return this.schedule();
    }
    if (!info) {
      this.setState('closed', `HID device ${id} not present`);
      return this.schedule();
    }
    let dev: HidDevice;
    try {
      dev = new this.hid!.HID(info.path!);
    } catch (e) {
      this.counts.errors++;
      this.setState('closed', `cannot open HID device ${id} at ${info.path}: ${(e as Error).message}`);
      return this.schedule();
    }
    this.device = dev;
    this.keyboard.reset();
    this.pos.reset();
    dev.on('data', (data: Buffer) => this.onReport(data));
    dev.on('error', (err: Error) => {
      if (this.device !== dev) return;
      this.counts.errors++;
      this.closeDevice();
      this.setState('closed', `HID device ${id} lost: ${err.message}`);
      this.schedule();
    });
    this.counts.opens++;
    this.setState('open', `opened HID device ${id} (${this.options.kind})`);
  }

  private closeDevice(): void {
    const dev = this.device;
    this.device = undefined;
    if (!dev) return;
    try {
      dev.close();
    } catch (e) {
      this.log.debug({ err: (e as Error).message }, 'closing HID device failed');
    }
  }

  private onReport(data: Buffer): void {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const problems: string[] = [];
    const codes: Array<{ raw: string; symbology?: string }> = [];
    if (this.options.kind === 'keyboard') {
      const o = this.keyboard.push(bytes);
      problems.push(...o.problems);
      for (const c of o.codes) codes.push({ raw: c });
    } else {
      const o = this.pos.push(bytes);
      if (o.problem) problems.push(o.problem);
      if (o.code) codes.push(o.code.symbology ? { raw: o.code.data, symbology: o.code.symbology } : { raw: o.code.data });
    }
    for (const p of problems) {
      this.counts.problems++;
      this.log.warn({ problem: p }, 'HID report problem');
    }
    for (const c of codes) {
      const ts = this.runtime.now();
      this.counts.codes++;
      this.lastScan = ts;
      this.emit('code', { ...c, ts });
    }
  }
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}
