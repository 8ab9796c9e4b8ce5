// gateway/scanners — serial scanner driver: opens a port by path or USB ids, frames codes, survives unplug/replug and
// garbage (log, count, carry on). Emits `code` and `state`.
import { SerialPort } from 'serialport';
import { componentLogger, type Logger } from '../../protocols/logging/index.js';
import { isoTs, type ScannerHealth } from '../../protocols/events/index.js';
import { SerialFramer, type FramingOptions } from './framing.js';
import { ScannerDriver } from './driver.js';
import { systemRuntime, type Runtime, type Timer } from '../../runtime/runtime.js';

export interface SerialScannerOptions {
  id: string;
  /** Device path, e.g. /dev/ttyACM0 or /dev/serial/by-id/…; or give `match`. */
  path?: string;
  /** Find the port among SerialPort.list() by USB ids (hex strings as the OS reports them, case-insensitive). */
  match?: { vendorId?: string; productId?: string; serialNumber?: string };
  baudRate?: number;
  framing?: FramingOptions;
  /** How often to look for the device again while it is absent. Default 1000 ms. */
  reopenMs?: number;
}

/** What SerialPort.list() returns, as far as we use it; injectable for tests of USB matching. */
export type PortLister = () => Promise<Array<{ path: string; vendorId?: string; productId?: string; serialNumber?: string }>>;

export class SerialScanner extends ScannerDriver {
  private readonly framer: SerialFramer;
  private port: SerialPort | undefined;
  private running = false;
  private reopenTimer: Timer | undefined;
  private flushTimer: Timer | undefined;
  private lastScan: number | undefined;
  private readonly counters = { opens: 0, errors: 0, problems: 0 };

  constructor(
    private readonly options: SerialScannerOptions,
    logger: Logger,
    private readonly lister: PortLister = () => SerialPort.list(),
    private readonly runtime: Pick<Runtime, 'now' | 'setTimer'> = systemRuntime,
  ) {
    super(componentLogger(logger, 'scanner.serial', { scanner: options.id }));
    if (!options.path && !options.match) throw new Error(`serial scanner ${options.id}: give path or match (vendorId/productId/serialNumber)`);
    this.framer = new SerialFramer(options.framing);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.open();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.reopenTimer?.cancel();
    this.flushTimer?.cancel();
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((res) => port.close(() => res()));
    this.setState('closed', 'stopped');
  }

  health(): ScannerHealth & { counts: Record<string, number> } {
    const h: ScannerHealth & { counts: Record<string, number> } = {
      id: this.options.id,
      type: 'serial',
      state: this.state,
      reason: this.reason,
      counts: { ...this.framer.counts, ...this.counters },
    };
    if (this.lastScan !== undefined) h.lastScan = isoTs(this.lastScan);
    return h;
  }

  private scheduleReopen(): void {
    if (!this.running) return;
    this.reopenTimer?.cancel();
    this.reopenTimer = this.runtime.setTimer(this.options.reopenMs ?? 1000, () => void this.open());
  }

  private async resolvePath(): Promise<string | undefined> {
    if (this.options.path) return this.options.path;
    const m = this.options.match!;
    const eq = (a: string | undefined, b: string | undefined) => b === undefined || (a ?? '').toLowerCase() === b.toLowerCase();
    const ports = await this.lister();
    return ports.find((p) => eq(p.vendorId, m.vendorId) && eq(p.productId, m.productId) && eq(p.serialNumber, m.serialNumber))?.path;
  }

  private async open(): Promise<void> {
    if (!this.running || this.port) return;
    let path: string | undefined;
    try {
      path = await this.resolvePath();
    } catch (e) {
      this.counters.errors++;
      this.setState('closed', `listing serial ports failed: ${(e as Error).message}`);
      return this.scheduleReopen();
    }
    if (!path) {
      this.setState('closed', `no serial port matches ${JSON.stringify(this.options.match)}`);
      return this.scheduleReopen();
    }
    if (!this.running) return;
    const port = new SerialPort({ path, baudRate: this.options.baudRate ?? 9600, autoOpen: false });
    this.port = port;
    port.on('data', (chunk: Buffer) => this.onData(chunk));
    port.on('error', (err: Error) => {
      this.counters.errors++;
      this.log.warn({ err: err.message }, 'serial port error');
    });
    port.on('close', (err?: Error & { disconnected?: boolean }) => {
      if (this.port !== port) return;
      this.port = undefined;
      this.dropPartial();
      this.setState('closed', err ? `port closed: ${err.message}` : 'port closed');
      this.scheduleReopen();
    });
    port.open((err) => {
      if (this.port !== port) return;
      if (err) {
        this.port = undefined;
        this.counters.errors++;
        this.setState('closed', `cannot open ${path}: ${err.message}`);
        return this.scheduleReopen();
      }
      if (!this.running) {
        port.close();
        return;
      }
      this.counters.opens++;
      this.setState('open', `opened ${path}`);
    });
  }

  private dropPartial(): void {
    this.flushTimer?.cancel();
    const dropped = this.framer.discard();
    if (dropped) this.log.warn({ bytes: dropped }, 'partial code dropped when the port closed');
  }

  private onData(chunk: Buffer): void {
    this.deliver(this.framer.push(chunk));
    const t = this.options.framing?.interByteTimeoutMs;
    if (t) {
      this.flushTimer?.cancel();
      if (this.framer.pending) this.flushTimer = this.runtime.setTimer(t, () => this.deliver(this.framer.flush()));
    }
  }

  private deliver(out: { codes: string[]; problems: string[] }): void {
    for (const p of out.problems) {
      this.counters.problems++;
      this.log.warn({ problem: p }, 'serial input dropped');
    }
    for (const raw of out.codes) {
      const ts = this.runtime.now();
      this.lastScan = ts;
      this.emit('code', { raw, ts });
    }
  }
}
