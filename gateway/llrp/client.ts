// gateway/llrp — the reader client: one dock-door reader's whole life. Connect, handshake, capabilities, factory
// reset, clean slate, configuration, ROSpec, then reading until the link dies; back off with jitter and do it again,
// forever. Emits typed tag reads, GPI changes and state changes; GPO writes for light stacks and horns.
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import {
  ConnectionAttemptStatus,
  MessageType,
  StatusCode,
  decodeTagReports,
  llrpStatusOf,
  type LlrpMessage,
  type LlrpObject,
  type TagReport,
  type U64,
  u64Number,
} from '../../protocols/llrp/index.js';
import type { GpiChange, TagRead } from '../../protocols/reads/index.js';
import { Backoff } from '../../runtime/backoff.js';
import { systemRuntime, wakeableWait, type Runtime } from '../../runtime/runtime.js';
import { ClockOffset } from './clock-offset.js';
import { LlrpConnection } from './connection.js';
import {
  OPTIONAL_PARAMETERS,
  ROSPEC_ID,
  buildAddRoSpec,
  buildFactoryReset,
  buildGpoWrite,
  buildSetReaderConfig,
  optionalToDrop,
  parseCapabilities,
  type BuiltRequest,
  type LlrpReaderOptions,
  type OptionalParameter,
  type ReaderCapabilities,
} from './reader-config.js';

export type { LlrpReaderOptions, ReaderTrigger } from './reader-config.js';

export type ReaderState = 'connecting' | 'configuring' | 'reading' | 'backoff' | 'stopped';

export interface ReaderStateChange {
  state: ReaderState;
  reason: string;
}

export interface ReaderHealth {
  id: string;
  host: string;
  state: ReaderState;
  reason?: string;
  /** Gateway clock at the last RO_ACCESS_REPORT. */
  lastReportMs?: number;
  /** Reader UTC clock minus gateway clock, ms (from reports and event timestamps). */
  clockOffsetMs?: number;
  readsPerSecond?: number;
  capabilities?: ReaderCapabilities;
}

export interface ReaderClientEvents {
  reads: [reads: TagRead[]];
  gpi: [change: GpiChange];
  state: [change: ReaderStateChange];
}

const CONNECTION_STATUS_TEXT: Record<number, string> = {
  [ConnectionAttemptStatus.ReaderInitiatedConnectionExists]: 'a reader-initiated connection already exists',
  [ConnectionAttemptStatus.ClientInitiatedConnectionExists]: 'a client-initiated connection already exists',
  [ConnectionAttemptStatus.OtherReason]: 'refused for a reason other than an existing connection',
  [ConnectionAttemptStatus.AnotherConnectionAttempted]: 'another connection was attempted',
};

/** Status codes that mean "this parameter (or field) is the problem" — worth retrying without an optional one. */
function isParameterComplaint(code: number): boolean {
  return (
    (code >= 100 && code <= 111 && code !== StatusCode.M_UnsupportedMessage && code !== StatusCode.M_UnsupportedVersion) ||
    (code >= 200 && code <= 209) ||
    code === StatusCode.A_Invalid ||
    code === StatusCode.A_OutOfRange
  );
}

class RequestRefused extends Error {
  constructor(
    message: string,
    readonly status: ReturnType<typeof llrpStatusOf>,
  ) {
    super(message);
  }
}

export class LlrpReaderClient extends EventEmitter<ReaderClientEvents> {
  private readonly port: number;
  private readonly backoff: Backoff;
  private readonly log: Logger;
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private conn: LlrpConnection | undefined;
  private stateNow: ReaderState = 'stopped';
  private reasonNow = 'not started';
  private wakeBackoff: (() => void) | undefined;
  private skipBackoff = false;
  private readonly dropped = new Set<OptionalParameter>();
  private caps: ReaderCapabilities | undefined;
  private lastReportMs: number | undefined;
  private readonly offset = new ClockOffset();
  private rateWindowStart = 0;
  private rateCount = 0;
  private rate: number | undefined;
  private readonly batch: TagReport[] = [];

  constructor(
    readonly options: LlrpReaderOptions,
    logger: Logger,
    private readonly runtime: Runtime = systemRuntime,
  ) {
    super();
    this.port = options.port ?? 5084;
    this.log = logger.child({ component: 'llrp-client', reader: options.id });
    this.backoff = new Backoff(options.backoff, () => runtime.random());
    if (!(options.keepaliveMs > 0) || !(options.missedKeepalives >= 1)) {
      throw new RangeError(`reader ${options.id}: keepaliveMs must be > 0 and missedKeepalives >= 1`);
    }
  }

  get state(): ReaderState {
    return this.stateNow;
  }

  /** Begin the connect → configure → read → back off cycle (forever, until stop()). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** Stop: CLOSE_CONNECTION when connected, wait for its response (bounded), close the socket. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wakeBackoff?.();
    const conn = this.conn;
    if (conn?.isOpen) {
      try {
        const resp = await conn.request('CLOSE_CONNECTION', {}, this.options.requestTimeoutMs);
        const status = llrpStatusOf(resp.body);
        if (status && status.code !== 0) this.log.warn({ status }, 'CLOSE_CONNECTION refused; closing the socket anyway');
        await conn.end('stopped by the gateway');
      } catch (e) {
        this.log.warn({ err: (e as Error).message }, 'no clean CLOSE_CONNECTION; closing the socket');
        conn.close('stopped by the gateway');
      }
    }
    await this.loopDone;
    this.setState('stopped', 'stopped by the gateway');
  }

  /** Drop the link and reconnect at once (command from the hub, or a config change). */
  restart(reason: string): void {
    this.log.info({ reason }, 'restart requested');
    this.skipBackoff = true;
    this.wakeBackoff?.();
    this.conn?.close(`restart: ${reason}`);
  }

  /** Set a GPO (light stack, horn). Rejects when not connected or the reader refuses. */
  async setGpo(port: number, state: boolean): Promise<void> {
    const conn = this.conn;
    if (!conn?.isOpen || (this.stateNow !== 'reading' && this.stateNow !== 'configuring')) {
      throw new Error(`reader ${this.options.id}: cannot set GPO ${port} while ${this.stateNow}`);
    }
    const req = buildGpoWrite(port, state);
    const resp = await conn.request(req.name, req.body, this.options.requestTimeoutMs);
    this.checkStatus(req.name, resp);
  }

  health(): ReaderHealth {
    const now = this.runtime.now();
    const stale = this.rateWindowStart > 0 && now - this.rateWindowStart > 2000;
    return {
      id: this.options.id,
      host: this.options.host,
      state: this.stateNow,
      reason: this.reasonNow,
      lastReportMs: this.lastReportMs,
      clockOffsetMs: this.offset.offsetMs,
      readsPerSecond: stale ? 0 : this.rate,
      capabilities: this.caps,
    };
  }

  // ------------------------------------------------------------------ lifecycle

  private setState(state: ReaderState, reason: string): void {
    if (state === this.stateNow && reason === this.reasonNow) return;
    this.stateNow = state;
    this.reasonNow = reason;
    const level = state === 'backoff' ? 'warn' : 'info';
    this.log[level]({ state, reason }, `reader ${state}`);
    this.emit('state', { state, reason });
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let reason: string;
      try {
        reason = await this.session();
      } catch (e) {
        reason = (e as Error).message;
      }
      this.conn?.close(reason);
      this.conn = undefined;
      if (!this.running) break;
      if (this.skipBackoff) {
        this.skipBackoff = false;
        continue;
      }
      const delay = this.backoff.next();
      this.setState('backoff', `${reason}; retry in ${Math.round(delay)} ms`);
      const wait = wakeableWait(this.runtime, delay);
      this.wakeBackoff = wait.wake;
      await wait.done;
      this.wakeBackoff = undefined;
      this.skipBackoff = false; // a restart during back-off only cuts the wait short
    }
  }

  /** One connection's life; resolves with the reason it ended. */
  private async session(): Promise<string> {
    const o = this.options;
    this.setState('connecting', `connecting to ${o.host}:${this.port}`);
    let attempt: ((m: LlrpMessage) => void) | undefined;
    let early: LlrpMessage | undefined;
    let handshakeDone = false;
    const conn = await LlrpConnection.open(
      o.host,
      this.port,
      o.connectTimeoutMs,
      {
        report: (frame) => this.onReport(frame),
        message: (m) => {
          if (!handshakeDone && this.connectionAttemptOf(m)) {
            handshakeDone = true;
            this.offset.reset(); // perhaps a rebooted reader: its clock is measured afresh, from this first timestamp
            this.sampleClock(m);
            if (attempt) attempt(m);
            else early = m;
          } else this.onMessage(m);
        },
      },
      this.log,
      this.runtime,
    );
    this.conn = conn;
    if (!this.running) return 'stopped';

    // 1. The reader speaks first: ConnectionAttemptEvent.
    const event =
      early ??
      (await new Promise<LlrpMessage>((resolve, reject) => {
        const t = this.runtime.setTimer(o.connectTimeoutMs, () => reject(new Error(`no ConnectionAttemptEvent within ${o.connectTimeoutMs} ms`)));
        attempt = (m) => {
          t.cancel();
          resolve(m);
        };
        void conn.closed.then((r) => {
          t.cancel();
          reject(new Error(`before ConnectionAttemptEvent: ${r}`));
        });
      }));
    attempt = undefined;
    const status = this.connectionAttemptOf(event)!.Status as number;
    if (status !== ConnectionAttemptStatus.Success) {
      throw new Error(`reader refused the connection: ${CONNECTION_STATUS_TEXT[status] ?? `status ${status}`}`);
    }

    // 2. Configure.
    this.setState('configuring', 'connected; configuring');
    const capsResp = await conn.request('GET_READER_CAPABILITIES', { RequestedData: 0 }, o.requestTimeoutMs);
    this.checkStatus('GET_READER_CAPABILITIES', capsResp);
    this.caps = parseCapabilities(capsResp.body);
    this.log.info({ capabilities: { ...this.caps, powerLevels: this.caps.powerLevels.length } }, 'reader capabilities');
    for (const a of o.antennas) {
      if (this.caps.maxAntennas > 0 && a.id > this.caps.maxAntennas) {
        this.log.warn({ antenna: a.id, maxAntennas: this.caps.maxAntennas }, 'configured antenna beyond what the reader has');
      }
    }
    if (!this.dropped.has('ResetToFactoryDefault')) await this.requestWithOptionals(conn, () => buildFactoryReset());
    this.checkStatus('DELETE_ACCESSSPEC', await conn.request('DELETE_ACCESSSPEC', { AccessSpecID: 0 }, o.requestTimeoutMs));
    this.checkStatus('DELETE_ROSPEC', await conn.request('DELETE_ROSPEC', { ROSpecID: 0 }, o.requestTimeoutMs));
    await this.requestWithOptionals(conn, () => buildSetReaderConfig(o, this.caps, this.dropped));
    conn.startWatchdog(o.keepaliveMs * o.missedKeepalives);
    conn.send('ENABLE_EVENTS_AND_REPORTS');
    await this.requestWithOptionals(conn, () => buildAddRoSpec(o, this.dropped, this.caps));
    this.checkStatus('ENABLE_ROSPEC', await conn.request('ENABLE_ROSPEC', { ROSpecID: ROSPEC_ID }, o.requestTimeoutMs));
    if (o.trigger.kind === 'continuous') {
      this.checkStatus('START_ROSPEC', await conn.request('START_ROSPEC', { ROSpecID: ROSPEC_ID }, o.requestTimeoutMs));
    }
    if (!conn.isOpen) return conn.reason ?? 'closed';

    // 3. Read until the link ends.
    this.backoff.reset();
    this.setState('reading', o.trigger.kind === 'gpi' ? `armed: reading on GPI ${o.trigger.startPort}` : 'reading');
    return conn.closed;
  }

  /** Send a request; when the reader rejects an optional parameter, log it once and ask again without it. */
  private async requestWithOptionals(conn: LlrpConnection, build: () => BuiltRequest): Promise<void> {
    for (;;) {
      const req = build();
      const resp = await conn.request(req.name, req.body, this.options.requestTimeoutMs);
      const status = llrpStatusOf(resp.body);
      if (status && status.code === StatusCode.M_Success && resp.type !== MessageType.ERROR_MESSAGE) return;
      const drop = status && isParameterComplaint(status.code) ? optionalToDrop(req.optionals, status.parameterPath) : undefined;
      if (!drop) this.checkStatus(req.name, resp); // throws with the reader's words
      this.dropped.add(drop!);
      this.log.warn(
        { parameter: drop, status: status?.codeName, description: status?.description, parameterPath: status?.parameterPath },
        `reader rejected optional ${drop} in ${req.name}; continuing without it: ${OPTIONAL_PARAMETERS[drop!].what}`,
      );
      if (drop === 'ResetToFactoryDefault') return;
    }
  }

  private checkStatus(name: string, resp: LlrpMessage): void {
    const status = llrpStatusOf(resp.body);
    if (resp.type === MessageType.ERROR_MESSAGE || !status || status.code !== StatusCode.M_Success) {
      const what = status ? `${status.codeName}${status.description ? `: ${status.description}` : ''}` : 'no LLRPStatus';
      throw new RequestRefused(`${name} refused by the reader (${what})`, status);
    }
  }

  private connectionAttemptOf(m: LlrpMessage): LlrpObject | undefined {
    if (m.type !== MessageType.READER_EVENT_NOTIFICATION) return undefined;
    const d = m.body.ReaderEventNotificationData as LlrpObject | undefined;
    return d?.ConnectionAttemptEvent as LlrpObject | undefined;
  }

  // ------------------------------------------------------------------ incoming

  private onReport(frame: Uint8Array): void {
    const now = this.runtime.now();
    const out = this.batch;
    out.length = 0;
    const err = decodeTagReports(frame, out, this.options.id, now);
    const reads: TagRead[] = out.slice(); // a read without an EPC goes on: the portal's read guard reports it
    this.lastReportMs = now;
    // Reads are timed by the reader: its FirstSeen mapped to the gateway's clock by the measured offset (a report held
    // by the reader or a stalled link changes nothing); the arrival stays on the read for timeouts only.
    for (const r of out) this.offset.sample(u64Number(Number.isNaN(r.lastSeenUtc) ? r.firstSeenUtc : r.lastSeenUtc) / 1000, now);
    const offset = this.offset.offsetMs;
    for (const r of reads) {
      r.arrival = now;
      if (offset !== undefined && Number.isFinite(r.readerTs)) r.ts = r.readerTs - offset;
    }
    this.countRate(now, reads.length);
    if (reads.length > 0) this.emit('reads', reads);
    if (err) this.conn?.close(`malformed RO_ACCESS_REPORT: ${err.message}`); // good reads before it were delivered
  }

  private countRate(now: number, n: number): void {
    if (this.rateWindowStart === 0) this.rateWindowStart = now;
    this.rateCount += n;
    const span = now - this.rateWindowStart;
    if (span >= 1000) {
      this.rate = (this.rateCount * 1000) / span;
      this.rateCount = 0;
      this.rateWindowStart = now;
    }
  }

  /** A reader event's UTC timestamp is a clock sample. */
  private sampleClock(m: LlrpMessage): void {
    const ts = (m.body.ReaderEventNotificationData as LlrpObject | undefined)?.Timestamp as LlrpObject | undefined;
    if (ts?.param === 'UTCTimestamp') this.offset.sample(u64Number(ts.Microseconds as U64) / 1000, this.runtime.now());
  }

  private onMessage(m: LlrpMessage): void {
    if (m.type !== MessageType.READER_EVENT_NOTIFICATION) {
      this.log.debug({ type: m.name, id: m.id }, 'unsolicited message ignored');
      return;
    }
    const d = m.body.ReaderEventNotificationData as LlrpObject | undefined;
    if (!d) return;
    const now = this.runtime.now();
    this.sampleClock(m);
    const gpi = d.GPIEvent as LlrpObject | undefined;
    if (gpi) {
      const change: GpiChange = { reader: this.options.id, port: gpi.GPIPortNumber as number, state: gpi.GPIEvent as boolean, ts: now };
      this.emit('gpi', change);
    }
    if (d.ConnectionCloseEvent) this.conn?.close('reader closed the connection (ConnectionCloseEvent)');
    if (d.ConnectionAttemptEvent) this.log.warn({ event: d.ConnectionAttemptEvent }, 'ConnectionAttemptEvent while connected');
    if (d.AntennaEvent) this.log.warn({ event: d.AntennaEvent }, 'antenna event');
    if (d.ReaderExceptionEvent) this.log.error({ message: (d.ReaderExceptionEvent as LlrpObject).Message }, 'reader exception');
    if (d.ReportBufferLevelWarningEvent) this.log.warn({ event: d.ReportBufferLevelWarningEvent }, 'reader report buffer filling');
    if (d.ReportBufferOverflowErrorEvent) this.log.error('reader report buffer overflowed: reads were lost at the reader');
    if (d.ROSpecEvent) this.log.debug({ event: d.ROSpecEvent }, 'ROSpec event');
  }
}
