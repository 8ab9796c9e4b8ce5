// gateway/daemon — the daemon's wiring diagram: gateway.yaml (resolved) turned into each component's options. Pure.
import type { CodePattern } from '../../protocols/gs1/index.js';
import { Value } from '@sinclair/typebox/value';
import { ImpinjIotConfig, type GatewayConfig, type HidScannerConfig, type ReaderConfig, type ScannerConfig, type SerialScannerConfig } from '../config/schema.js';
import type { ImpinjIotReaderOptions } from '../impinj-iot/client.js';
import type { ZebraIotcReaderOptions } from '../zebra-iotc/client.js';
import type { LlrpReaderOptions, ReaderTrigger } from '../llrp/client.js';
import type { PublisherOptions } from '../publisher/index.js';
import type { ContextRule, FramingOptions, HidScannerOptions, ScannerSessionOptions, SerialScannerOptions } from '../scanners/index.js';

/**
 * A gpi-triggered reader reads while its door sensor says open (else while the outside photo-eye is broken):
 * LLRP has one start and one stop GPI per ROSpec, so the door contact wins when both exist.
 */
function triggerOf(r: ReaderConfig): ReaderTrigger {
  if (r.trigger === 'continuous') return { kind: 'continuous' };
  const g = r.gpi.find((p) => p.role === 'door-sensor') ?? r.gpi.find((p) => p.role === 'beam-outside') ?? r.gpi[0];
  if (!g) throw new Error(`reader ${r.id}: trigger gpi needs a gpi port (the config check should have said so)`);
  return { kind: 'gpi', startPort: g.port, startState: g.openState, stopPort: g.port, stopState: !g.openState };
}

export function readerOptionsOf(r: ReaderConfig): LlrpReaderOptions {
  return {
    id: r.id,
    host: r.host,
    port: r.port,
    antennas: r.antennas.map((a) => (a.powerDbm === undefined ? { id: a.id } : { id: a.id, powerDbm: a.powerDbm })),
    trigger: triggerOf(r),
    keepaliveMs: r.keepaliveMs,
    missedKeepalives: r.missedKeepalives,
    connectTimeoutMs: r.connectTimeoutMs,
    // gateway.yaml has no separate key: a reader that takes longer than a connect to answer a request is as dead.
    requestTimeoutMs: r.connectTimeoutMs,
    backoff: { initialMs: r.reconnect.initialMs, maxMs: r.reconnect.maxMs },
    ...(r.llrp ? { inventory: { ...r.llrp } } : {}),
  };
}

/** An impinj-iot reader: its REST base URL (default https://<host>), preset and RF settings. */
export function impinjOptionsOf(r: ReaderConfig): ImpinjIotReaderOptions {
  const i = r.impinj ?? (Value.Create(ImpinjIotConfig) as ImpinjIotConfig);
  return {
    id: r.id,
    baseUrl: i.url ?? `https://${r.host}`,
    ...(i.username !== undefined ? { username: i.username } : {}),
    ...(i.password !== undefined ? { password: i.password } : {}),
    presetId: i.presetId,
    antennas: r.antennas.map((a) => (a.powerDbm === undefined ? { port: a.id } : { port: a.id, powerDbm: a.powerDbm })),
    rfMode: i.rfMode,
    session: i.session,
    searchMode: i.searchMode,
    tagPopulation: i.tagPopulation,
    stallMs: i.stallMs,
    ...(i.mqtt ? { mqtt: { ...i.mqtt } } : {}),
    requestTimeoutMs: r.connectTimeoutMs,
    backoff: { initialMs: r.reconnect.initialMs, maxMs: r.reconnect.maxMs },
  };
}

/** A zebra-iotc reader: the broker and reader name of its IoT Connector endpoints. */
export function zebraOptionsOf(r: ReaderConfig): ZebraIotcReaderOptions {
  const z = r.zebra;
  if (!z) throw new Error(`reader ${r.id}: type zebra-iotc needs a zebra block (the config check should have said so)`);
  const power = r.antennas.find((a) => a.powerDbm !== undefined)?.powerDbm;
  return {
    id: r.id,
    brokerUrl: z.brokerUrl,
    readerName: z.readerName,
    ...(z.username !== undefined ? { username: z.username } : {}),
    ...(z.password !== undefined ? { password: z.password } : {}),
    antennas: r.antennas.map((a) => a.id),
    ...(power !== undefined ? { powerDbm: power } : {}),
    silenceMs: z.silenceMs,
    statusPollMs: z.statusPollMs,
    ...(z.topics !== undefined ? { topics: z.topics } : {}),
    requestTimeoutMs: r.connectTimeoutMs,
    backoff: { initialMs: r.reconnect.initialMs, maxMs: r.reconnect.maxMs },
  };
}

const PATTERN_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;
const RESERVED = new Set(['gs1', 'gtin', 'unknown', 'invalid']);

/** Context codes from gateway.yaml become scan patterns and context rules; a `door` context re-pairs the scanner. */
export function scannerSessionOptionsOf(s: ScannerConfig): ScannerSessionOptions {
  const patterns: CodePattern[] = [];
  const context: ContextRule[] = [];
  s.context.forEach((c, i) => {
    const name = PATTERN_NAME.test(c.type) && !RESERVED.has(c.type) && !patterns.some((p) => p.name === c.type) ? c.type : `context-${i + 1}`;
    patterns.push({ name, pattern: c.pattern });
    context.push({ codeType: name, type: c.type, ...(c.type === 'door' ? { setsDoor: true } : {}) });
  });
  const door = s.door ?? s.station;
  return { scanner: s.id, ...(door ? { door } : {}), patterns, context, contextTimeoutMs: s.contextTtlMs, gs1Requisites: s.gs1Requisites };
}

const EOL = { cr: '\r', lf: '\n', crlf: '\r\n', none: '' } as const;

export function framingOf(f: SerialScannerConfig['framing']): FramingOptions {
  const out: FramingOptions = { prefix: f.prefix };
  if (f.lineEnding === 'none') {
    out.suffix = f.suffix;
    out.interByteTimeoutMs = f.interByteTimeoutMs;
  } else if (f.suffix !== '') out.suffix = f.suffix + EOL[f.lineEnding];
  // else: the framer's default ends a code at CR or LF, whichever the scanner sends (empty lines skipped).
  return out;
}

const hex4 = (n: number) => n.toString(16).padStart(4, '0');

export function serialScannerOptionsOf(s: SerialScannerConfig): SerialScannerOptions {
  const usb = s.usb;
  return {
    id: s.id,
    ...(s.path ? { path: s.path } : {}),
    ...(usb ? { match: { vendorId: hex4(usb.vendorId), productId: hex4(usb.productId), ...(usb.serialNumber ? { serialNumber: usb.serialNumber } : {}) } } : {}),
    baudRate: s.baud,
    framing: framingOf(s.framing),
  };
}

export function hidScannerOptionsOf(s: HidScannerConfig): HidScannerOptions {
  return { id: s.id, kind: s.mode, vendorId: s.vendorId, productId: s.productId, ...(s.serialNumber ? { serialNumber: s.serialNumber } : {}), layout: s.layout };
}

export function publisherOptionsOf(c: GatewayConfig): Omit<PublisherOptions, 'outbox' | 'logger'> {
  const m = c.mqtt;
  return {
    site: c.site,
    gateway: c.gateway,
    mqtt: {
      url: m.url,
      clientId: m.clientId,
      username: m.username,
      ...(m.password !== undefined ? { password: m.password } : {}),
      ...(m.tls ? { tls: m.tls } : {}),
      protocolVersion: m.protocolVersion,
      keepaliveS: m.keepaliveS,
      connectTimeoutMs: m.connectTimeoutMs,
    },
    batch: { maxEvents: m.batch.maxEvents, lingerMs: m.batch.lingerMs },
    drainRatePerSecond: m.drainRatePerSecond,
    confirm: m.confirm,
    confirmTimeoutMs: m.confirmTimeoutMs,
    reconnect: { initialMs: m.reconnect.initialMs, maxMs: m.reconnect.maxMs },
  };
}
