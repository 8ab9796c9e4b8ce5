// gateway/daemon — health: the retained status message (what the hub and ops see of this gateway) built from the
// components' health, and the reporter that republishes it on every connect, on change (debounced) and every
// `refreshMs` (so depth, uptime and last report times stay fresh and the hub sees the gateway alive).
import { WIRE_VERSION, isoTs, type GatewayDoor, type GatewayStatus, type ReaderHealth, type ScannerHealth } from '../../protocols/events/index.js';
import type { Logger } from '../../protocols/logging/index.js';
import type { ReaderHealth as ClientReaderHealth } from '../llrp/client.js';
import { repeatTimer, systemRuntime, type Runtime, type Timer } from '../../runtime/runtime.js';

export interface StatusSources {
  gateway: string;
  version: string;
  startedAtMs: number;
  stream: string;
  readers(): ClientReaderHealth[];
  /** The doors a reader's antennas cover (from the config). */
  readerDoors(reader: string): readonly string[];
  scanners(): ScannerHealth[];
  outbox: { depth(): number; bytes(): number; oldestAgeMs(nowMs: number): number; dropped(): number };
  clockOffsetMs(): number | undefined;
  doors(): GatewayDoor[];
}

const cut = (s: string | undefined, n = 1024) => (s === undefined ? undefined : s.length > n ? `${s.slice(0, n - 1)}…` : s);
const round1 = (x: number) => Math.round(x * 10) / 10;

function readerHealth(h: ClientReaderHealth, doors: readonly string[]): ReaderHealth {
  const out: ReaderHealth = { id: h.id, host: h.host.slice(0, 255), state: h.state, doors: [...doors] };
  const reason = cut(h.reason);
  if (reason) out.reason = reason;
  if (h.lastReportMs !== undefined) out.lastReport = isoTs(h.lastReportMs);
  if (h.clockOffsetMs !== undefined && Number.isFinite(h.clockOffsetMs)) out.clockOffsetMs = Math.round(h.clockOffsetMs);
  if (h.readsPerSecond !== undefined && Number.isFinite(h.readsPerSecond)) out.readsPerSecond = round1(Math.max(0, h.readsPerSecond));
  return out;
}

function scannerHealth(h: ScannerHealth): ScannerHealth {
  const out: ScannerHealth = { id: h.id, type: h.type, state: h.state };
  const reason = cut(h.reason);
  if (reason) out.reason = reason;
  if (h.lastScan) out.lastScan = h.lastScan;
  return out;
}

/** The status as of `nowMs` (pure apart from reading the sources). */
export function buildStatus(src: StatusSources, nowMs: number, online = true): GatewayStatus {
  const s: GatewayStatus = {
    v: WIRE_VERSION,
    gateway: src.gateway,
    online,
    ts: isoTs(nowMs),
    version: src.version,
    startedAt: isoTs(src.startedAtMs),
    uptimeS: round1(Math.max(0, nowMs - src.startedAtMs) / 1000),
    stream: src.stream,
    readers: src.readers().map((h) => readerHealth(h, src.readerDoors(h.id))),
    scanners: src.scanners().map(scannerHealth),
    outbox: { depth: src.outbox.depth(), bytes: src.outbox.bytes(), oldestAgeS: round1(src.outbox.oldestAgeMs(nowMs) / 1000), dropped: src.outbox.dropped() },
    doors: src.doors(),
  };
  const offset = src.clockOffsetMs();
  if (offset !== undefined) s.clockOffsetMs = Math.round(offset);
  return s;
}

export interface StatusReporterOptions {
  build: () => GatewayStatus;
  /** Publisher.publishStatus: stores it for the next connect, sends it now when connected. */
  publish: (status: GatewayStatus) => Promise<boolean>;
  logger: Logger;
  /** the debounce and refresh timers; default the system's */
  runtime?: Pick<Runtime, 'setTimer'>;
  /** Coalesce changes within this long into one message. Default 250 ms. */
  debounceMs?: number;
  /** Republish at least this often. Default 30 s. */
  refreshMs?: number;
}

export class StatusReporter {
  private readonly debounceMs: number;
  private readonly refreshMs: number;
  private debounce: Timer | undefined;
  private refresh: Timer | undefined;
  private readonly runtime: Pick<Runtime, 'setTimer'>;
  private stopped = false;
  published = 0;

  constructor(private readonly opts: StatusReporterOptions) {
    this.debounceMs = opts.debounceMs ?? 250;
    this.refreshMs = opts.refreshMs ?? 30_000;
    this.runtime = opts.runtime ?? systemRuntime;
  }

  start(): void {
    this.now();
    this.refresh = repeatTimer(this.runtime, this.refreshMs, () => this.now());
  }

  /** Something in the status changed: publish within `debounceMs`. */
  changed(): void {
    if (this.stopped || this.debounce) return;
    this.debounce = this.runtime.setTimer(this.debounceMs, () => {
      this.debounce = undefined;
      this.now();
    });
  }

  /** Publish now (on connect, on status.report). */
  now(): void {
    if (this.stopped) return;
    this.debounce?.cancel();
    this.debounce = undefined;
    let status: GatewayStatus;
    try {
      status = this.opts.build();
      this.published++;
      this.opts.publish(status).catch((err: unknown) => this.opts.logger.error({ err }, 'status not published'));
    } catch (err) {
      this.opts.logger.error({ err }, 'status not published: it does not pass the contract');
    }
  }

  stop(): void {
    this.stopped = true;
    this.debounce?.cancel();
    this.refresh?.cancel();
  }
}
