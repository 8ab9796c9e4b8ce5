// gateway/config — what gateway.yaml may say: the TypeBox schema (types, checks and defaults from one source),
// the secrets the environment may set, and the rules across keys. Pure; load.ts reads the file.
import { Type, type Static, type TOptional } from '@sinclair/typebox';
import {
  ClientTls,
  ConfigId,
  duplicateIssues,
  FilePath,
  HostName,
  ListenPort,
  LogLevel,
  MqttUrl,
  joinPath,
  resolveFileKeys,
  resolveFrom,
  sectionOf,
  type ConfigIssue,
  type ConfigSpec,
  type PathIssue,
  type ResolveContext,
} from '../../protocols/config/index.js';
import { DEFAULT_MAX_TRACKED_TAGS, DEFAULT_PARAMS } from '../portal/config.js';

const Ms = (def: number, opts: { minimum?: number; maximum?: number } = {}) => Type.Integer({ minimum: opts.minimum ?? 0, maximum: opts.maximum ?? 86_400_000, default: def });
const UsbId = Type.Integer({ minimum: 0, maximum: 0xffff, description: 'USB id, e.g. 0x05e0' });

// ---- readers ----
export const AntennaConfig = Type.Object(
  {
    /** LLRP AntennaID, 1-based. */
    id: Type.Integer({ minimum: 1, maximum: 65535 }),
    door: ConfigId,
    side: Type.Optional(Type.Union([Type.Literal('outside'), Type.Literal('inside')])),
    powerDbm: Type.Optional(Type.Number({ minimum: 0, maximum: 36 })),
  },
  { additionalProperties: false },
);

export const GpiRole = Type.Union([Type.Literal('door-sensor'), Type.Literal('beam-outside'), Type.Literal('beam-inside')]);
export const GpiConfig = Type.Object(
  {
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    door: ConfigId,
    role: GpiRole,
    /** The GPI level that means "door open" (door-sensor) or "beam broken" (beams). */
    openState: Type.Boolean({ default: true }),
  },
  { additionalProperties: false },
);

export const GpoRole = Type.Union([Type.Literal('light-green'), Type.Literal('light-red'), Type.Literal('light-amber'), Type.Literal('horn')]);
export const GpoConfig = Type.Object({ port: Type.Integer({ minimum: 1, maximum: 65535 }), door: ConfigId, role: GpoRole }, { additionalProperties: false });

export const Backoff = (initialMs: number, maxMs: number) =>
  Type.Object({ initialMs: Ms(initialMs, { minimum: 10 }), maxMs: Ms(maxMs, { minimum: 10 }) }, { additionalProperties: false, default: {} });

/** Gen2 inventory settings of an LLRP reader (readers[].type llrp), sent in its ROSpec; absent: the reader's defaults. */
export const LlrpInventoryConfig = Type.Object(
  {
    /** The reader's RF mode: a ModeIdentifier of its UHFC1G2RFModeTable (capabilities). */
    modeIndex: Type.Optional(Type.Integer({ minimum: 0, maximum: 65_535 })),
    /** Gen2 session 0–3 (with tagPopulation only: 1). */
    session: Type.Optional(Type.Integer({ minimum: 0, maximum: 3 })),
    /** Estimated tags in the field (with session only: 16). */
    tagPopulation: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_535 })),
    /** Impinj readers only (ImpinjInventorySearchMode); another maker's reader ignores it. */
    searchMode: Type.Optional(
      Type.Union([Type.Literal('reader-selected'), Type.Literal('single-target'), Type.Literal('dual-target'), Type.Literal('single-target-with-tagfocus'), Type.Literal('single-target-b-to-a'), Type.Literal('dual-target-with-b-to-a-select')]),
    ),
  },
  { additionalProperties: false },
);

/** Impinj IoT Device Interface settings (readers[].type impinj-iot). */
export const ImpinjIotConfig = Type.Object(
  {
    /** Base URL of the reader's REST API; default https://<host>. */
    url: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$' })),
    username: Type.Optional(Type.String({ maxLength: 128 })),
    /** Kept in gateway.yaml: make the file readable by the gateway's user only. */
    password: Type.Optional(Type.String({ maxLength: 256 })),
    presetId: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', default: 'dockgate' }),
    rfMode: Type.Integer({ minimum: 0, maximum: 100_000, default: 4 }),
    session: Type.Integer({ minimum: 0, maximum: 3, default: 1 }),
    searchMode: Type.Union(
      [Type.Literal('single-target'), Type.Literal('dual-target'), Type.Literal('single-target-with-tagfocus'), Type.Literal('single-target-b-to-a'), Type.Literal('dual-target-with-b-to-a-select')],
      { default: 'dual-target' },
    ),
    tagPopulation: Type.Integer({ minimum: 1, maximum: 65_535, default: 16 }),
    /** No byte on the event stream (keep-alives included) for this long: reconnect. With mqtt: the status poll period. */
    stallMs: Ms(90_000, { minimum: 1000 }),
    /** Take events from the reader's MQTT output instead of its HTTP stream (the gateway configures the reader's MQTT). */
    mqtt: Type.Optional(
      Type.Object(
        {
          /** The broker as the gateway reaches it. */
          brokerUrl: MqttUrl,
          /** The broker's host and port as the reader reaches it. */
          readerBrokerHost: HostName,
          readerBrokerPort: Type.Integer({ minimum: 1, maximum: 65535, default: 1883 }),
          /** The reader's event topic (its will goes to <topic>/status). */
          topic: Type.String({ pattern: '^[^#+\\s]{1,200}$' }),
          username: Type.Optional(Type.String({ maxLength: 128 })),
          password: Type.Optional(Type.String({ maxLength: 256 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ImpinjIotConfig = Static<typeof ImpinjIotConfig>;

/** An MQTT topic to publish or subscribe to exactly: no wildcards. */
const Topic = Type.String({ pattern: '^[^#+\\s]{1,256}$' });

/** Zebra IoT Connector settings (readers[].type zebra-iotc). */
export const ZebraIotcConfig = Type.Object(
  {
    /** The broker the reader's IoT Connector MQTT endpoints use. */
    brokerUrl: MqttUrl,
    /** The reader name in its topics (tevents/<name>, ccmds/<name> …). */
    readerName: Type.String({ pattern: '^[^#+/\\s]{1,128}$' }),
    username: Type.Optional(Type.String({ maxLength: 128 })),
    password: Type.Optional(Type.String({ maxLength: 256 })),
    /** Nothing (data, heartbeat) from the reader for this long: restart its session. */
    silenceMs: Ms(60_000, { minimum: 1000 }),
    /** How often the reader's status (get_status over management) is asked while reading. */
    statusPollMs: Ms(30_000, { minimum: 1000 }),
    /** The topics its IoT Connector endpoints are configured with, when not the defaults (tevents/<readerName> …). */
    topics: Type.Optional(
      Type.Object(
        {
          data: Type.Optional(Topic),
          controlCommands: Type.Optional(Topic),
          controlResponses: Type.Optional(Topic),
          managementCommands: Type.Optional(Topic),
          managementResponses: Type.Optional(Topic),
          managementEvents: Type.Optional(Topic),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const ReaderConfig = Type.Object(
  {
    id: ConfigId,
    /** What the reader speaks: LLRP (default), the Impinj IoT Device Interface, or the Zebra IoT Connector over MQTT. */
    type: Type.Union([Type.Literal('llrp'), Type.Literal('impinj-iot'), Type.Literal('zebra-iotc')], { default: 'llrp' }),
    llrp: Type.Optional(LlrpInventoryConfig),
    impinj: Type.Optional(ImpinjIotConfig),
    zebra: Type.Optional(ZebraIotcConfig),
    host: HostName,
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 5084 }),
    antennas: Type.Array(AntennaConfig, { minItems: 1, maxItems: 64 }),
    gpi: Type.Array(GpiConfig, { default: [], maxItems: 64 }),
    gpo: Type.Array(GpoConfig, { default: [], maxItems: 64 }),
    /** LLRP KEEPALIVE period the reader is asked for. */
    keepaliveMs: Ms(5000, { minimum: 1000 }),
    /** Missed keepalives after which the connection is considered dead and reopened. */
    missedKeepalives: Type.Integer({ minimum: 1, maximum: 100, default: 3 }),
    /** continuous: read all the time; gpi: read while the door sensor / beams say a pass is under way. */
    trigger: Type.Union([Type.Literal('continuous'), Type.Literal('gpi')], { default: 'continuous' }),
    connectTimeoutMs: Ms(10_000, { minimum: 100 }),
    reconnect: Backoff(1000, 30_000),
  },
  { additionalProperties: false },
);

// ---- scanners ----
const ContextPattern = Type.Object(
  {
    /** What a matching code sets, e.g. purchase_order, door, mode: carried on later scans as `context`. */
    type: Type.String({ minLength: 1, maxLength: 64 }),
    /** JavaScript regular expression; the first capture group (or the whole match) is the value. */
    pattern: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

const scannerCommon = {
  id: ConfigId,
  door: Type.Optional(ConfigId),
  /** A packing or goods-in station that is not a door. */
  station: Type.Optional(ConfigId),
  context: Type.Array(ContextPattern, { default: [], maxItems: 32 }),
  /** How long a context scan stays attached to the scanner's next scans. */
  contextTtlMs: Ms(900_000),
  /**
   * GS1 mandatory AI associations (e.g. (37) COUNT needs (00) SSCC): enforce refuses a code that lacks them; ignore
   * accepts it, for labels that split one unit's AIs over several barcodes. Invalid pairs are refused either way.
   */
  gs1Requisites: Type.Union([Type.Literal('enforce'), Type.Literal('ignore')], { default: 'enforce' }),
};

export const SerialScannerConfig = Type.Object(
  {
    type: Type.Literal('serial'),
    ...scannerCommon,
    /** Device path, e.g. /dev/ttyACM0 or /dev/serial/by-id/… (or give `usb` to find it by ids). */
    path: Type.Optional(FilePath),
    usb: Type.Optional(Type.Object({ vendorId: UsbId, productId: UsbId, serialNumber: Type.Optional(Type.String({ minLength: 1 })) }, { additionalProperties: false })),
    baud: Type.Integer({ minimum: 300, maximum: 4_000_000, default: 9600 }),
    framing: Type.Object(
      {
        lineEnding: Type.Union([Type.Literal('cr'), Type.Literal('lf'), Type.Literal('crlf'), Type.Literal('none')], { default: 'cr' }),
        prefix: Type.String({ default: '' }),
        suffix: Type.String({ default: '' }),
        /** With lineEnding none: a pause this long ends a code. */
        interByteTimeoutMs: Ms(50, { minimum: 1, maximum: 10_000 }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);

export const HidScannerConfig = Type.Object(
  {
    type: Type.Literal('hid'),
    ...scannerCommon,
    vendorId: UsbId,
    productId: UsbId,
    serialNumber: Type.Optional(Type.String({ minLength: 1 })),
    /** keyboard: the scanner types (HID keyboard reports); pos: HID POS barcode scanner usage page. */
    mode: Type.Union([Type.Literal('keyboard'), Type.Literal('pos')], { default: 'keyboard' }),
    /** Keyboard layout the scanner is set to (keyboard mode). */
    layout: Type.Union([Type.Literal('us'), Type.Literal('de')], { default: 'us' }),
  },
  { additionalProperties: false },
);

export const ScannerConfig = Type.Union([SerialScannerConfig, HidScannerConfig]);

// ---- portal ----
const p = DEFAULT_PARAMS;
export const PortalParams = Type.Object(
  {
    minReads: Type.Integer({ minimum: 1, maximum: 1000, default: p.minReads }),
    windowMs: Ms(p.window),
    minRssi: Type.Number({ minimum: -150, maximum: 50, default: p.minRssi }),
    absenceMs: Ms(p.absence),
    rearmMs: Ms(p.rearm),
    marginDb: Type.Number({ minimum: 0, maximum: 100, default: p.margin }),
    holdMs: Ms(p.hold),
    settleMs: Ms(p.settle),
    earlyArrive: Type.Boolean({ default: p.earlyArrive }),
    minDirectionConfidence: Type.Number({ minimum: 0, maximum: 1, default: p.minDirectionConfidence }),
    beamWindowMs: Ms(p.beamWindow),
    beamMatchMs: Ms(p.beamMatch),
  },
  { additionalProperties: false, default: {} },
);
export type PortalParams = Static<typeof PortalParams>;

/** Per-door overrides: the same keys, none required, no defaults (they fall back to portal.defaults). */
export const PortalOverrides = Object.fromEntries(
  Object.entries(PortalParams.properties).map(([k, s]) => {
    const { default: _d, ...rest } = s as { default?: unknown };
    return [k, Type.Optional(rest as typeof s)];
  }),
) as { [K in keyof typeof PortalParams.properties]: TOptional<(typeof PortalParams.properties)[K]> };

export const PortalDoor = Type.Object(
  {
    id: ConfigId,
    /** door: has a direction (outside and inside antennas); zone: only arrive/depart. */
    kind: Type.Union([Type.Literal('door'), Type.Literal('zone')], { default: 'door' }),
    ...PortalOverrides,
  },
  { additionalProperties: false },
);

export const PortalSection = Type.Object(
  {
    defaults: PortalParams,
    maxTrackedTags: Type.Integer({ minimum: 1, maximum: 10_000_000, default: DEFAULT_MAX_TRACKED_TAGS }),
    doors: Type.Array(PortalDoor, { minItems: 1, maxItems: 1000 }),
  },
  { additionalProperties: false },
);

// ---- mqtt, outbox, metrics, clock ----
export const MqttSection = Type.Object(
  {
    url: MqttUrl,
    /** Default `dockgate-<gateway>`: stable, so the broker keeps one session per gateway. */
    clientId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    /** Default: the gateway id (the hub's embedded broker expects it). */
    username: Type.Optional(Type.String({ minLength: 1 })),
    /** Prefer DOCKGATE_MQTT_PASSWORD in the environment. */
    password: Type.Optional(Type.String()),
    tls: Type.Optional(ClientTls),
    /** 4 = MQTT 3.1.1 (the embedded broker speaks only this), 5 = MQTT 5 (an external broker with ACLs: a refused publish is said). */
    protocolVersion: Type.Union([Type.Literal(4), Type.Literal(5)], { default: 4 }),
    keepaliveS: Type.Integer({ minimum: 5, maximum: 3600, default: 30 }),
    connectTimeoutMs: Ms(30_000, { minimum: 100 }),
    batch: Type.Object(
      {
        /** Events per MQTT message (the wire allows 5000). */
        maxEvents: Type.Integer({ minimum: 1, maximum: 5000, default: 500 }),
        /** How long the publisher waits for more events before sending a partial batch. */
        lingerMs: Ms(50, { maximum: 60_000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /**
     * Ceiling (and starting rate) of the backlog's drain rate after an outage, events/s: below it the rate adapts to
     * the hub's confirmations (backs off while they fall behind, climbs back while they keep pace), so the hub is not flooded.
     * The default is above what one hub applies (~10–12 k events/s on 2 cores): the confirmations set the pace, not this.
     */
    drainRatePerSecond: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 20_000 }),
    /**
     * What deletes an outbox row: `hub` (the hub's end-to-end acknowledgement on the retained ack topic: survives a
     * broker that loses what it acknowledged, e.g. Mosquitto killed -9) or `broker` (the broker's PUBACK).
     */
    confirm: Type.Union([Type.Literal('hub'), Type.Literal('broker')], { default: 'hub' }),
    /** confirm: hub — publish unconfirmed events again when the hub has confirmed nothing new for this long. */
    confirmTimeoutMs: Ms(30_000, { minimum: 100 }),
    reconnect: Backoff(1000, 60_000),
  },
  { additionalProperties: false },
);

export const OutboxSection = Type.Object(
  {
    path: Type.String({ minLength: 1, default: '/var/lib/dockgate/outbox.db' }),
    maxRows: Type.Integer({ minimum: 100, maximum: 1_000_000_000, default: 1_000_000 }),
    maxBytes: Type.Integer({ minimum: 1_048_576, default: 512 * 1024 * 1024 }),
  },
  { additionalProperties: false, default: {} },
);

export const MetricsSection = Type.Object({ host: Type.String({ minLength: 1, default: '127.0.0.1' }), port: ListenPort }, { additionalProperties: false });

export const ClockSection = Type.Object(
  {
    /** A reader clock further off than this from the gateway's is logged and shown in status. */
    offsetWarnMs: Ms(2000, { minimum: 1 }),
    /** tag.pass keeps the reader's own time (readerFirstSeen) when it differs from the gateway's by more than this. */
    keepReaderTimeMs: Ms(500, { minimum: 1 }),
  },
  { additionalProperties: false, default: {} },
);

export const GatewayConfigSchema = Type.Object(
  {
    site: ConfigId,
    gateway: ConfigId,
    logLevel: LogLevel,
    readers: Type.Array(ReaderConfig, { default: [], maxItems: 64 }),
    scanners: Type.Array(ScannerConfig, { default: [], maxItems: 64 }),
    portal: PortalSection,
    mqtt: MqttSection,
    outbox: OutboxSection,
    metrics: Type.Optional(MetricsSection),
    clock: ClockSection,
  },
  { additionalProperties: false, $id: 'dockgate.gateway-config' },
);

type Checked = Static<typeof GatewayConfigSchema>;
/** The resolved gateway config: defaults applied, mqtt client id and username filled in, paths absolute. */
export type GatewayConfig = Checked & { mqtt: Checked['mqtt'] & { clientId: string; username: string } };
export type ReaderConfig = Static<typeof ReaderConfig>;
export type ScannerConfig = Static<typeof ScannerConfig>;
export type SerialScannerConfig = Static<typeof SerialScannerConfig>;
export type HidScannerConfig = Static<typeof HidScannerConfig>;

/** DOCKGATE_MQTT_PASSWORD sets mqtt.password. */
function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): ConfigIssue[] {
  const password = env.DOCKGATE_MQTT_PASSWORD;
  if (password === undefined) return [];
  const mqtt = sectionOf(raw, 'mqtt');
  if (!mqtt) return [{ source: 'DOCKGATE_MQTT_PASSWORD', path: '', message: 'cannot apply: mqtt in the file is not a mapping' }];
  mqtt.password = password;
  return [];
}

function duplicates<T>(items: readonly T[], key: (t: T) => string, at: (i: number) => string, what: string, out: PathIssue[]): void {
  out.push(...duplicateIssues(items, key, at, what));
}

function crossCheck(c: Checked): PathIssue[] {
  const out: PathIssue[] = [];
  const doors = new Map(c.portal.doors.map((d) => [d.id, d]));
  const doorRef = (door: string, path: string) => {
    if (!doors.has(door)) out.push({ path, message: `door ${door} is not listed in portal.doors` });
  };
  duplicates(c.portal.doors, (d) => d.id, (i) => `portal.doors[${i}].id`, 'door id', out);
  duplicates(c.readers, (r) => r.id, (i) => `readers[${i}].id`, 'reader id', out);
  duplicates(c.scanners, (s) => s.id, (i) => `scanners[${i}].id`, 'scanner id', out);
  const sides = new Map<string, Set<string>>();
  c.readers.forEach((r, i) => {
    const at = `readers[${i}]`;
    duplicates(r.antennas, (a) => String(a.id), (j) => `${at}.antennas[${j}].id`, 'antenna', out);
    duplicates(r.gpi, (g) => String(g.port), (j) => `${at}.gpi[${j}].port`, 'GPI port', out);
    duplicates(r.gpo, (g) => String(g.port), (j) => `${at}.gpo[${j}].port`, 'GPO port', out);
    r.antennas.forEach((a, j) => {
      doorRef(a.door, `${at}.antennas[${j}].door`);
      const d = doors.get(a.door);
      if (d?.kind === 'door' && a.side === undefined) out.push({ path: `${at}.antennas[${j}].side`, message: `required: door ${a.door} has a direction, so say outside or inside` });
      if (a.side) sides.set(a.door, (sides.get(a.door) ?? new Set()).add(a.side));
    });
    r.gpi.forEach((g, j) => {
      doorRef(g.door, `${at}.gpi[${j}].door`);
      if (g.role !== 'door-sensor' && doors.get(g.door)?.kind === 'zone') out.push({ path: `${at}.gpi[${j}].role`, message: `${g.role}: zone ${g.door} has no direction, photo-eyes belong to doors` });
    });
    r.gpo.forEach((g, j) => doorRef(g.door, `${at}.gpo[${j}].door`));
    if (r.trigger === 'gpi' && r.gpi.length === 0) out.push({ path: `${at}.trigger`, message: 'gpi: the reader has no gpi ports to trigger on' });
    if (r.llrp !== undefined && r.type !== 'llrp') out.push({ path: `${at}.llrp`, message: `only for type llrp (this reader is ${r.type}; an impinj-iot reader takes rfMode, session, tagPopulation in its impinj block)` });
    if (r.impinj !== undefined && r.type !== 'impinj-iot') out.push({ path: `${at}.impinj`, message: `only for type impinj-iot (this reader is ${r.type})` });
    if (r.zebra !== undefined && r.type !== 'zebra-iotc') out.push({ path: `${at}.zebra`, message: `only for type zebra-iotc (this reader is ${r.type})` });
    if (r.type === 'zebra-iotc' && r.zebra === undefined) out.push({ path: `${at}.zebra`, message: 'required for type zebra-iotc: brokerUrl and readerName of its IoT Connector MQTT endpoints' });
    if (r.type !== 'llrp' && r.trigger === 'gpi') out.push({ path: `${at}.trigger`, message: `gpi: only llrp readers start and stop on a GPI here; a ${r.type} reader reads continuously (its GPI changes still reach the portal)` });
  });
  c.portal.doors.forEach((d, i) => {
    if (d.kind !== 'door') return;
    const s = sides.get(d.id);
    if (!s) out.push({ path: `portal.doors[${i}]`, message: `door ${d.id} has no antennas (give a reader antenna door: ${d.id})` });
    else if (s.size < 2) out.push({ path: `portal.doors[${i}]`, message: `door ${d.id} needs outside and inside antennas for a direction (or kind: zone)` });
  });
  c.scanners.forEach((s, i) => {
    const at = `scanners[${i}]`;
    if (s.door !== undefined) doorRef(s.door, `${at}.door`);
    if (s.door !== undefined && s.station !== undefined) out.push({ path: `${at}.station`, message: 'give door or station, not both' });
    if (s.type === 'serial' && (s.path === undefined) === (s.usb === undefined)) out.push({ path: at, message: 'give either path or usb (vendorId, productId) to find the serial port' });
    s.context.forEach((cp, j) => {
      try {
        new RegExp(cp.pattern, 'u');
      } catch (err) {
        out.push({ path: `${at}.context[${j}].pattern`, message: `invalid regular expression: ${(err as Error).message}` });
      }
    });
  });
  if (c.readers.length === 0 && c.scanners.length === 0) out.push({ path: 'readers', message: 'a gateway needs at least one reader or scanner' });
  if (c.mqtt.reconnect.maxMs < c.mqtt.reconnect.initialMs) out.push({ path: 'mqtt.reconnect.maxMs', message: `must be at least initialMs (${c.mqtt.reconnect.initialMs})` });
  c.readers.forEach((r, i) => {
    if (r.reconnect.maxMs < r.reconnect.initialMs) out.push({ path: joinPath(`readers[${i}].reconnect`, 'maxMs'), message: `must be at least initialMs (${r.reconnect.initialMs})` });
  });
  return out;
}

function finish(c: Checked, ctx: ResolveContext): GatewayConfig {
  const tls = c.mqtt.tls && resolveFileKeys(c.mqtt.tls, ctx.baseDir);
  return {
    ...c,
    mqtt: { ...c.mqtt, clientId: c.mqtt.clientId ?? `dockgate-${c.gateway}`, username: c.mqtt.username ?? c.gateway, ...(tls ? { tls } : {}) },
    outbox: { ...c.outbox, path: resolveFrom(ctx.baseDir, c.outbox.path) },
    scanners: c.scanners.map((s) => (s.type === 'serial' && s.path !== undefined ? { ...s, path: resolveFrom(ctx.baseDir, s.path) } : s)),
  };
}

export const gatewayConfigSpec: ConfigSpec<typeof GatewayConfigSchema, GatewayConfig> = { schema: GatewayConfigSchema, applyEnv, crossCheck, finish };
