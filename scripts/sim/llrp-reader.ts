// scripts/sim — a simulated LLRP reader over real TCP: the connection handshake, answers to the client's requests by
// the standard, ROSpec start/stop (explicit, immediate, GPI-triggered), keepalives, GPI events, and RO_ACCESS_REPORTs
// played from a ReadStream. It misbehaves on purpose when asked: split every message at every byte, coalesce many
// messages in one chunk, stop keepalives, go silent, drop the link, refuse clients, reject a parameter, send a report
// before each response, burst reports.
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import {
  FrameSplitter,
  MessageType,
  ROSpecStartTriggerType,
  ROSpecStopTriggerType,
  ReaderEventType,
  decodeMessage,
  encodeMessage,
  encodeRoAccessReport,
  parameterName,
  type LlrpMessage,
  type LlrpObject,
  type TagReportInput,
} from '../../protocols/llrp/index.js';
import { silentLogger } from '../../protocols/logging/index.js';
import type { ReadStream } from './read-stream.js';

export interface LlrpSimulatorOptions {
  /** The reader id whose reads and GPI changes this simulator plays from a stream. */
  readerId: string;
  host?: string;
  /** 0 (default) = a free port. */
  port?: number;
  antennas?: number;
  numGpis?: number;
  numGpos?: number;
  /** Most tags in one RO_ACCESS_REPORT (default 100). */
  reportBatch?: number;
  /** Reader UTC clock, ms (default Date.now). */
  now?: () => number;
  logger?: Logger;
}

export interface PlayOptions {
  /** 1 = real time, 10 = ten times faster, Infinity = as fast as possible. */
  speed?: number;
}

export interface PlayResult {
  /** Reads reported to the client. */
  sent: number;
  /** Reads that fell while no ROSpec was active (a reader that is not inventorying reads nothing). */
  dropped: number;
}

export interface SimulatorStats {
  connections: number;
  refused: number;
  keepalivesSent: number;
  keepaliveAcks: number;
  reportsSent: number;
  tagsSent: number;
  strayTagsSent: number;
  rejections: number;
  closeRequests: number;
  requests: Record<string, number>;
  gpo: Record<number, boolean>;
}

export interface LlrpSimulator {
  readonly port: number;
  readonly stats: SimulatorStats;
  /** 'none' | 'disabled' | 'inactive' | 'active' */
  readonly rospecState: string;
  /** Whether a client is connected and has been told Success. */
  readonly connected: boolean;
  play(stream: ReadStream, opts?: PlayOptions): Promise<PlayResult>;
  setGpi(port: number, state: boolean): void;
  misbehave: {
    splitBytes(on: boolean): void;
    coalesce(on: boolean): void;
    stopKeepalives(on: boolean): void;
    /** The current connection goes silent (nothing sent, nothing answered) until it is replaced. */
    silence(): void;
    dropConnection(): void;
    /** The next n connection attempts get ConnectionAttemptEvent "client connection exists" and are closed. */
    refuseNext(n: number): void;
    /**
     * Answer a request carrying this parameter type (in any message, or only in `inMessage`) with an error: a
     * response status whose ParameterError names it, or a bare ERROR_MESSAGE.
     */
    rejectParameter(type: number, via?: 'status' | 'error-message', inMessage?: string): void;
    /** Send an RO_ACCESS_REPORT (one stray tag) just before every response. */
    reportBeforeResponse(on: boolean): void;
    /** Send `tags` distinct reads at once, `perReport` per message; returns their EPCs (nothing sent if no ROSpec runs). */
    burst(tags: number, perReport?: number): string[];
    /** Leave requests of this message type unanswered (undefined: answer everything again). */
    ignoreRequests(name: string | undefined): void;
    /** Write raw bytes to the connected client (garbage, lying lengths …). */
    sendRaw(bytes: Uint8Array): void;
    /**
     * Hold every RO_ACCESS_REPORT for a random minMs..maxMs (random: a seeded PRNG) before sending it, in order (a
     * buffering reader, a report trigger with N > 1, a stalled TCP link); 0, 0 turns holding off.
     */
    holdReports(minMs: number, maxMs: number, random?: () => number): void;
  };
  close(): Promise<void>;
}

export const STRAY_EPC = 'ffffffffffffffffffffffff';

interface Conn {
  socket: Socket;
  splitter: FrameSplitter;
  silent: boolean;
  keepalive?: NodeJS.Timeout;
  /** Serialises byte-split writes. */
  writeChain: Promise<void>;
  coalesced: Uint8Array[];
  coalesceTimer?: NodeJS.Timeout;
}

const ok = { LLRPStatus: { StatusCode: 0, ErrorDescription: '' } };

function findParam(v: unknown, name: string): boolean {
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return false;
  if (Array.isArray(v)) return v.some((x) => findParam(x, name));
  const o = v as LlrpObject;
  if (o.param === name) return true;
  return Object.entries(o).some(([k, x]) => (k === name && x !== undefined && !(Array.isArray(x) && x.length === 0)) || findParam(x, name));
}

export async function startLlrpSimulator(opts: LlrpSimulatorOptions): Promise<LlrpSimulator> {
  const log = opts.logger ?? silentLogger();
  const now = opts.now ?? (() => Date.now());
  const antennas = opts.antennas ?? 4;
  const numGpis = opts.numGpis ?? 4;
  const numGpos = opts.numGpos ?? 4;
  const batchMax = opts.reportBatch ?? 100;
  const stats: SimulatorStats = {
    connections: 0, refused: 0, keepalivesSent: 0, keepaliveAcks: 0, reportsSent: 0, tagsSent: 0, strayTagsSent: 0,
    rejections: 0, closeRequests: 0, requests: {}, gpo: {},
  };
  const flags = { split: false, coalesce: false, noKeepalive: false, refuse: 0, reportFirst: false, ignore: '' };
  const rejects = new Map<number, { via: 'status' | 'error-message'; inMessage?: string }>();
  let active: Conn | undefined;
  const hold = { minMs: 0, maxMs: 0, random: Math.random, lastRelease: 0 };
  let msgId = 1;
  const nextId = () => msgId++;
  // Reader state: survives connections, as on a real reader.
  let rospec: LlrpObject | undefined;
  let rospecState = 0; // 0 disabled, 1 inactive, 2 active
  let keepaliveMs = 0;
  const eventsOn = new Set<number>([ReaderEventType.GPIEvent, ReaderEventType.ROSpecEvent]);
  const gpi = new Map<number, boolean>();
  let stopTimer: NodeJS.Timeout | undefined;
  let burstSeq = 0;
  const sockets = new Set<Socket>();

  function write(c: Conn, frame: Uint8Array): void {
    if (c.silent || c.socket.destroyed) return;
    if (flags.split) {
      c.writeChain = c.writeChain.then(async () => {
        for (const byte of frame) {
          if (c.socket.destroyed) return;
          c.socket.write(new Uint8Array([byte]));
          await new Promise((r) => setImmediate(r));
        }
      });
      return;
    }
    if (flags.coalesce) {
      c.coalesced.push(frame);
      if (!c.coalesceTimer) {
        c.coalesceTimer = setTimeout(() => {
          c.coalesceTimer = undefined;
          const all = Buffer.concat(c.coalesced);
          c.coalesced = [];
          if (!c.socket.destroyed) c.socket.write(all);
        }, 15);
      }
      return;
    }
    c.socket.write(frame);
  }

  function event(data: LlrpObject): Uint8Array {
    return encodeMessage('READER_EVENT_NOTIFICATION', nextId(), {
      ReaderEventNotificationData: { Timestamp: { param: 'UTCTimestamp', Microseconds: Math.round(now() * 1000) }, ...data },
    });
  }

  function armKeepalive(c: Conn): void {
    if (c.keepalive) clearInterval(c.keepalive);
    c.keepalive = undefined;
    if (keepaliveMs <= 0) return;
    c.keepalive = setInterval(() => {
      if (flags.noKeepalive || c.silent) return;
      stats.keepalivesSent++;
      write(c, encodeMessage('KEEPALIVE', nextId()));
    }, keepaliveMs);
  }

  function sendReport(tags: TagReportInput[]): void {
    if (!active) return;
    stats.reportsSent++;
    const frame = encodeRoAccessReport(nextId(), tags);
    if (hold.maxMs <= 0) return write(active, frame);
    const c = active;
    const at = Math.max(hold.lastRelease, Date.now() + hold.minMs + hold.random() * (hold.maxMs - hold.minMs));
    hold.lastRelease = at;
    setTimeout(() => {
      if (active === c) write(c, frame);
    }, at - Date.now());
  }

  function setRospecState(s: number, why: string): void {
    if (s === rospecState) return;
    const was = rospecState;
    rospecState = s;
    log.debug({ from: was, to: s, why }, 'sim: ROSpec state');
    if (active && eventsOn.has(ReaderEventType.ROSpecEvent) && (s === 2 || was === 2)) {
      write(active, event({ ROSpecEvent: { EventType: s === 2 ? 0 : 1, ROSpecID: (rospec?.ROSpecID as number) ?? 0, PreemptingROSpecID: 0 } }));
    }
    if (s !== 2 && stopTimer) {
      clearTimeout(stopTimer);
      stopTimer = undefined;
    }
  }

  function startRospec(why: string): void {
    setRospecState(2, why);
    const stop = (rospec?.ROBoundarySpec as LlrpObject | undefined)?.ROSpecStopTrigger as LlrpObject | undefined;
    const type = stop?.ROSpecStopTriggerType as number | undefined;
    const ms =
      type === ROSpecStopTriggerType.Duration
        ? (stop!.DurationTriggerValue as number)
        : type === ROSpecStopTriggerType.GPIWithTimeout
          ? ((stop!.GPITriggerValue as LlrpObject | undefined)?.Timeout as number | undefined) ?? 0
          : 0;
    if (ms > 0) stopTimer = setTimeout(() => setRospecState(1, 'stop trigger timeout'), ms);
  }

  function setGpi(port: number, state: boolean): void {
    gpi.set(port, state);
    if (active && eventsOn.has(ReaderEventType.GPIEvent)) write(active, event({ GPIEvent: { GPIPortNumber: port, GPIEvent: state } }));
    if (!rospec || rospecState === 0) return;
    const b = rospec.ROBoundarySpec as LlrpObject;
    const start = b.ROSpecStartTrigger as LlrpObject;
    const stop = b.ROSpecStopTrigger as LlrpObject;
    const matches = (t: LlrpObject | undefined) => t && (t.GPIPortNum as number) === port && (t.GPIEvent as boolean) === state;
    if (rospecState === 1 && start.ROSpecStartTriggerType === ROSpecStartTriggerType.GPI && matches(start.GPITriggerValue as LlrpObject)) {
      startRospec(`GPI ${port}=${state}`);
    } else if (
      rospecState === 2 &&
      stop.ROSpecStopTriggerType === ROSpecStopTriggerType.GPIWithTimeout &&
      matches(stop.GPITriggerValue as LlrpObject)
    ) {
      setRospecState(1, `GPI ${port}=${state}`);
    }
  }

  function capabilities(): LlrpObject {
    return {
      ...ok,
      GeneralDeviceCapabilities: {
        MaxNumberOfAntennaSupported: antennas,
        CanSetAntennaProperties: false,
        HasUTCClockCapability: true,
        DeviceManufacturerName: 0,
        ModelName: 1,
        ReaderFirmwareVersion: 'dockgate-sim 1.0',
        ReceiveSensitivityTableEntry: [{ Index: 1, ReceiveSensitivityValue: 0 }],
        GPIOCapabilities: { NumGPIs: numGpis, NumGPOs: numGpos },
        PerAntennaAirProtocol: Array.from({ length: antennas }, (_, i) => ({ AntennaID: i + 1, ProtocolID: new Uint8Array([1]) })),
      },
      LLRPCapabilities: {
        CanDoRFSurvey: false, CanReportBufferFillWarning: true, SupportsClientRequestOpSpec: false,
        CanDoTagInventoryStateAwareSingulation: false, SupportsEventAndReportHolding: true,
        MaxNumPriorityLevelsSupported: 1, ClientRequestOpSpecTimeout: 0, MaxNumROSpecs: 1, MaxNumSpecsPerROSpec: 32,
        MaxNumInventoryParameterSpecsPerAISpec: 1, MaxNumAccessSpecs: 16, MaxNumOpSpecsPerAccessSpec: 8,
      },
      RegulatoryCapabilities: {
        CountryCode: 840,
        CommunicationsStandard: 1,
        UHFBandCapabilities: {
          TransmitPowerLevelTableEntry: Array.from({ length: 81 }, (_, i) => ({ Index: i + 1, TransmitPowerValue: 1000 + i * 25 })),
          FrequencyInformation: { Hopping: true, FrequencyHopTable: [{ HopTableID: 1, Frequency: [902750, 915250, 927250] }] },
          AirProtocolUHFRFModeTable: [
            {
              param: 'C1G2UHFRFModeTable',
              C1G2UHFRFModeTableEntry: [
                { ModeIdentifier: 1000, DRValue: true, EPCHAGTCConformance: false, MValue: 2, ForwardLinkModulation: 2,
                  SpectralMaskIndicator: 2, BDRValue: 320000, PIEValue: 2000, MinTariValue: 7140, MaxTariValue: 25000, StepTariValue: 0 },
              ],
            },
          ],
        },
      },
      AirProtocolLLRPCapabilities: { param: 'C1G2LLRPCapabilities', CanSupportBlockErase: false, CanSupportBlockWrite: true, MaxNumSelectFiltersPerQuery: 2 },
    };
  }

  function respond(c: Conn, name: string, id: number, body: LlrpObject): void {
    if (flags.reportFirst) {
      stats.strayTagsSent++;
      stats.reportsSent++;
      write(c, encodeRoAccessReport(nextId(), [{ epc: STRAY_EPC, antenna: 1, rssi: -70, firstSeenUtc: Math.round(now() * 1000) }]));
    }
    write(c, encodeMessage(name, id, body));
  }

  function rejection(c: Conn, req: LlrpMessage, responseName: string): boolean {
    for (const [type, { via, inMessage }] of rejects) {
      const name = parameterName(type);
      if (!name || (inMessage && inMessage !== req.name) || !findParam(req.body, name)) continue;
      stats.rejections++;
      if (via === 'status') {
        respond(c, responseName, req.id, {
          LLRPStatus: {
            StatusCode: 100,
            ErrorDescription: `${name} not supported`,
            ParameterError: { ParameterType: type, ErrorCode: 209 },
          },
        });
      } else {
        respond(c, 'ERROR_MESSAGE', req.id, { LLRPStatus: { StatusCode: 111, ErrorDescription: 'unsupported parameter' } });
      }
      return true;
    }
    return false;
  }

  function handle(c: Conn, m: LlrpMessage): void {
    stats.requests[m.name] = (stats.requests[m.name] ?? 0) + 1;
    if (c.silent || m.name === flags.ignore) return;
    const b = m.body;
    const rospecId = b.ROSpecID as number | undefined;
    const known = (id: number | undefined) => rospec !== undefined && (id === 0 || id === rospec.ROSpecID);
    const notFound = { LLRPStatus: { StatusCode: 300, ErrorDescription: `no ROSpec ${rospecId}` } };
    switch (m.type) {
      case MessageType.GET_READER_CAPABILITIES:
        return respond(c, 'GET_READER_CAPABILITIES_RESPONSE', m.id, capabilities());
      case MessageType.GET_READER_CONFIG:
        return respond(c, 'GET_READER_CONFIG_RESPONSE', m.id, {
          ...ok,
          KeepaliveSpec: { KeepaliveTriggerType: keepaliveMs > 0 ? 1 : 0, PeriodicTriggerValue: keepaliveMs },
          GPIPortCurrentState: Array.from({ length: numGpis }, (_, i) => ({ GPIPortNum: i + 1, Config: true, State: gpi.get(i + 1) ? 1 : 0 })),
          GPOWriteData: Array.from({ length: numGpos }, (_, i) => ({ GPOPortNumber: i + 1, GPOData: stats.gpo[i + 1] ?? false })),
        });
      case MessageType.SET_READER_CONFIG: {
        if (rejection(c, m, 'SET_READER_CONFIG_RESPONSE')) return;
        if (b.ResetToFactoryDefault) {
          rospec = undefined;
          setRospecState(0, 'factory reset');
          keepaliveMs = 0;
          armKeepalive(c);
        }
        const ka = b.KeepaliveSpec as LlrpObject | undefined;
        if (ka) {
          keepaliveMs = ka.KeepaliveTriggerType === 1 ? (ka.PeriodicTriggerValue as number) : 0;
          armKeepalive(c);
        }
        const ens = b.ReaderEventNotificationSpec as LlrpObject | undefined;
        for (const s of (ens?.EventNotificationState as LlrpObject[] | undefined) ?? []) {
          if (s.NotificationState) eventsOn.add(s.EventType as number);
          else eventsOn.delete(s.EventType as number);
        }
        for (const g of (b.GPOWriteData as LlrpObject[] | undefined) ?? []) {
          const port = g.GPOPortNumber as number;
          if (port < 1 || port > numGpos) {
            return respond(c, 'SET_READER_CONFIG_RESPONSE', m.id, {
              LLRPStatus: { StatusCode: 100, ErrorDescription: `no GPO ${port}`, ParameterError: { ParameterType: 219, ErrorCode: 301 } },
            });
          }
          stats.gpo[port] = g.GPOData as boolean;
        }
        return respond(c, 'SET_READER_CONFIG_RESPONSE', m.id, ok);
      }
      case MessageType.ADD_ROSPEC:
        if (rejection(c, m, 'ADD_ROSPEC_RESPONSE')) return;
        if (rospec) {
          return respond(c, 'ADD_ROSPEC_RESPONSE', m.id, { LLRPStatus: { StatusCode: 300, ErrorDescription: 'MaxNumROSpecs (1) reached' } });
        }
        rospec = b.ROSpec as LlrpObject;
        rospecState = 0;
        return respond(c, 'ADD_ROSPEC_RESPONSE', m.id, ok);
      case MessageType.DELETE_ROSPEC:
        if (rospecId !== 0 && !known(rospecId)) return respond(c, 'DELETE_ROSPEC_RESPONSE', m.id, notFound);
        setRospecState(0, 'deleted');
        rospec = undefined;
        return respond(c, 'DELETE_ROSPEC_RESPONSE', m.id, ok);
      case MessageType.ENABLE_ROSPEC: {
        if (!known(rospecId)) return respond(c, 'ENABLE_ROSPEC_RESPONSE', m.id, notFound);
        if (rospecState === 0) setRospecState(1, 'enabled');
        respond(c, 'ENABLE_ROSPEC_RESPONSE', m.id, ok);
        const start = (rospec!.ROBoundarySpec as LlrpObject).ROSpecStartTrigger as LlrpObject;
        if (start.ROSpecStartTriggerType === ROSpecStartTriggerType.Immediate) startRospec('immediate start trigger');
        return;
      }
      case MessageType.START_ROSPEC:
        if (!known(rospecId) || rospecState === 0) return respond(c, 'START_ROSPEC_RESPONSE', m.id, notFound);
        respond(c, 'START_ROSPEC_RESPONSE', m.id, ok);
        return startRospec('START_ROSPEC');
      case MessageType.STOP_ROSPEC:
        if (!known(rospecId)) return respond(c, 'STOP_ROSPEC_RESPONSE', m.id, notFound);
        setRospecState(rospecState === 0 ? 0 : 1, 'STOP_ROSPEC');
        return respond(c, 'STOP_ROSPEC_RESPONSE', m.id, ok);
      case MessageType.DISABLE_ROSPEC:
        if (!known(rospecId)) return respond(c, 'DISABLE_ROSPEC_RESPONSE', m.id, notFound);
        setRospecState(0, 'DISABLE_ROSPEC');
        return respond(c, 'DISABLE_ROSPEC_RESPONSE', m.id, ok);
      case MessageType.GET_ROSPECS:
        return respond(c, 'GET_ROSPECS_RESPONSE', m.id, {
          ...ok,
          ROSpec: rospec ? [{ ...rospec, CurrentState: rospecState }] : [],
        });
      case MessageType.DELETE_ACCESSSPEC:
        return respond(c, 'DELETE_ACCESSSPEC_RESPONSE', m.id, ok);
      case MessageType.GET_ACCESSSPECS:
        return respond(c, 'GET_ACCESSSPECS_RESPONSE', m.id, ok);
      case MessageType.ENABLE_EVENTS_AND_REPORTS:
        return;
      case MessageType.KEEPALIVE_ACK:
        stats.keepaliveAcks++;
        return;
      case MessageType.CLOSE_CONNECTION:
        stats.closeRequests++;
        respond(c, 'CLOSE_CONNECTION_RESPONSE', m.id, ok);
        void c.writeChain.then(() => c.socket.end());
        return;
      default:
        return respond(c, 'ERROR_MESSAGE', m.id, { LLRPStatus: { StatusCode: 109, ErrorDescription: `unsupported message ${m.name}` } });
    }
  }

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const c: Conn = { socket, splitter: new FrameSplitter(1 << 20), silent: false, writeChain: Promise.resolve(), coalesced: [] };
    const cleanup = () => {
      sockets.delete(socket);
      if (c.keepalive) clearInterval(c.keepalive);
      if (c.coalesceTimer) clearTimeout(c.coalesceTimer);
      if (active === c) active = undefined;
    };
    socket.on('close', cleanup);
    socket.on('error', () => socket.destroy());
    if (flags.refuse > 0 || active) {
      if (flags.refuse > 0) flags.refuse--;
      stats.refused++;
      socket.write(event({ ConnectionAttemptEvent: { Status: 2 } }), () => socket.end());
      return;
    }
    stats.connections++;
    active = c;
    write(c, event({ ConnectionAttemptEvent: { Status: 0 } }));
    armKeepalive(c);
    socket.on('data', (chunk: Buffer) => {
      const err = c.splitter.push(chunk, (frame) => {
        const m = decodeMessage(frame);
        if (!m.ok) {
          log.warn({ err: m.error.message }, 'sim: bad message from client');
          write(c, encodeMessage('ERROR_MESSAGE', 0, { LLRPStatus: { StatusCode: 101, ErrorDescription: m.error.message } }));
          return;
        }
        handle(c, m.value);
      });
      if (err) socket.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  async function play(stream: ReadStream, p: PlayOptions = {}): Promise<PlayResult> {
    const speed = p.speed ?? 1;
    type Ev = { t: number; read?: ReadStream['reads'][number]; gpi?: ReadStream['gpi'][number] };
    const evs: Ev[] = [
      ...stream.reads.filter((r) => r.reader === opts.readerId).map((read) => ({ t: read.t, read })),
      ...stream.gpi.filter((g) => g.reader === opts.readerId).map((g) => ({ t: g.t, gpi: g })),
    ].sort((a, b) => a.t - b.t);
    const startWall = Date.now();
    const startUtc = now();
    const result: PlayResult = { sent: 0, dropped: 0 };
    let batch: TagReportInput[] = [];
    const flush = () => {
      if (batch.length === 0) return;
      if (rospecState === 2 && active && !active.silent) {
        sendReport(batch);
        result.sent += batch.length;
        stats.tagsSent += batch.length;
      } else result.dropped += batch.length;
      batch = [];
    };
    let sinceYield = 0;
    for (const e of evs) {
      const due = startWall + e.t / speed;
      const wait = Number.isFinite(speed) ? due - Date.now() : 0;
      if (wait > 1 || sinceYield >= 1000) {
        flush();
        sinceYield = 0;
        await new Promise((r) => (wait > 1 ? setTimeout(r, wait) : setImmediate(r)));
      }
      sinceYield++;
      if (e.gpi) {
        flush();
        setGpi(e.gpi.port, e.gpi.state);
      } else if (e.read) {
        const us = Math.round((startUtc + e.read.t) * 1000);
        batch.push({ epc: e.read.epc, antenna: e.read.antenna, rssi: e.read.rssi, firstSeenUtc: us, lastSeenUtc: us, count: 1, ...(e.read.doppler !== undefined ? { doppler: e.read.doppler } : {}) });
        if (batch.length >= batchMax) flush();
      }
    }
    flush();
    return result;
  }

  return {
    port,
    stats,
    get rospecState() {
      return rospec === undefined ? 'none' : (['disabled', 'inactive', 'active'][rospecState] ?? 'none');
    },
    get connected() {
      return active !== undefined && !active.silent;
    },
    play,
    setGpi,
    misbehave: {
      splitBytes: (on) => void (flags.split = on),
      coalesce: (on) => void (flags.coalesce = on),
      stopKeepalives: (on) => void (flags.noKeepalive = on),
      silence: () => {
        if (active) active.silent = true;
      },
      dropConnection: () => active?.socket.destroy(),
      refuseNext: (n) => void (flags.refuse = n),
      rejectParameter: (type, via = 'status', inMessage) => void rejects.set(type, { via, inMessage }),
      reportBeforeResponse: (on) => void (flags.reportFirst = on),
      burst: (tags, perReport = batchMax) => {
        const epcs: string[] = [];
        if (rospecState !== 2 || !active) return epcs;
        for (let i = 0; i < tags; i += perReport) {
          const part: TagReportInput[] = [];
          for (let j = i; j < Math.min(tags, i + perReport); j++) {
            const epc = 'b0b0' + (burstSeq++).toString(16).padStart(20, '0');
            epcs.push(epc);
            part.push({ epc, antenna: 1 + (j % antennas), rssi: -50, firstSeenUtc: Math.round(now() * 1000), count: 1 });
          }
          sendReport(part);
          stats.tagsSent += part.length;
        }
        return epcs;
      },
      ignoreRequests: (name) => void (flags.ignore = name ?? ''),
      sendRaw: (bytes) => {
        if (active && !active.socket.destroyed) active.socket.write(bytes);
      },
      holdReports: (minMs, maxMs, random = Math.random) => {
        if (!(minMs >= 0 && maxMs >= minMs)) throw new RangeError(`holdReports: need 0 <= minMs <= maxMs, got ${minMs}, ${maxMs}`);
        Object.assign(hold, { minMs, maxMs, random });
      },
    },
    async close() {
      flags.refuse = 0;
      if (stopTimer) clearTimeout(stopTimer);
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
