// protocols/events — the MQTT wire contract between gateways and the hub, version 1.
// One TypeBox source gives both the TypeScript types and the JSON Schemas (fastify reuses them).
import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** The wire version this build writes, and the newest it understands. */
export const WIRE_VERSION = 1;

/** Config ids of sites, gateways, doors, readers, scanners: `[a-z0-9-]+`. */
export const ID_PATTERN = '^[a-z0-9-]+$';
export const Id = Type.String({ pattern: ID_PATTERN, minLength: 1, maxLength: 64, description: 'config id, [a-z0-9-]+' });

/** UUIDv7 in canonical lowercase form (sorts by creation time). */
export const EVENT_ID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$';
export const EventId = Type.String({ pattern: EVENT_ID_PATTERN, description: 'UUIDv7, lowercase' });

/** ISO-8601 UTC with milliseconds optional, always `Z`. */
export const TS_PATTERN =
  '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])T([01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(\\.\\d{1,6})?Z$';
export const Timestamp = Type.String({ pattern: TS_PATTERN, description: 'ISO-8601 UTC, e.g. 2026-11-22T10:02:07.123Z' });

/** Hex of an EPC or TID: lowercase, whole bytes. Empty EPCs exist on real tags. */
export const HEX_PATTERN = '^([0-9a-f]{2})*$';
/** The longest EPC or TID the contract carries, in hex digits (4,096 bits). */
export const HEX_MAX_LENGTH = 1024;
export const Hex = Type.String({ pattern: HEX_PATTERN, maxLength: HEX_MAX_LENGTH, description: 'lowercase hex, whole bytes' });

/** A stream id: made once with the gateway's outbox database. */
export const StreamId = Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$', description: 'per-gateway stream id' });

const Seq = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'gap-free counter within stream, from 1' });

function eventOf<K extends string, P extends Record<string, TSchema>>(kind: K, props: P, description: string) {
  return Type.Object(
    {
      id: EventId,
      stream: StreamId,
      seq: Seq,
      ts: Timestamp,
      kind: Type.Literal(kind),
      ...props,
    },
    { additionalProperties: false, $id: `dockgate.event.${kind}`, description },
  );
}

export const Direction = Type.Union([Type.Literal('in'), Type.Literal('out'), Type.Literal('unknown')]);
export type Direction = Static<typeof Direction>;

/** The RSSI range the contract carries, dBm (a reader beyond it is out of order: the gateway clamps and reports). */
export const RSSI_MIN_DBM = -150;
export const RSSI_MAX_DBM = 50;

export const AntennaEvidence = Type.Object(
  {
    reader: Id,
    antenna: Type.Integer({ minimum: 1, maximum: 65535 }),
    reads: Type.Integer({ minimum: 0 }),
    peakRssi: Type.Number({ minimum: RSSI_MIN_DBM, maximum: RSSI_MAX_DBM }),
  },
  { additionalProperties: false },
);
export type AntennaEvidence = Static<typeof AntennaEvidence>;

const Confidence = Type.Number({ minimum: 0, maximum: 1 });
const Rssi = Type.Number({ minimum: RSSI_MIN_DBM, maximum: RSSI_MAX_DBM, description: 'dBm' });

export const TagPassEvent = eventOf(
  'tag.pass',
  {
    door: Id,
    direction: Direction,
    epc: Hex,
    tid: Type.Optional(Hex),
    firstSeen: Timestamp,
    lastSeen: Timestamp,
    reads: Type.Integer({ minimum: 1 }),
    peakRssi: Rssi,
    antennas: Type.Array(AntennaEvidence, { maxItems: 64 }),
    confidence: Confidence,
    /** When cross-read attribution never settled: the doors that saw the tag. */
    candidates: Type.Optional(Type.Array(Id, { maxItems: 16 })),
    /** The reader's own clock for firstSeen, when it differs from the gateway's. */
    readerFirstSeen: Type.Optional(Timestamp),
    /**
     * Contract revision 1.1 (additive in wire v1; a hub older than it dead-letters the field, so upgrade the hub
     * first): true when the passage's evidence spans a reader outage (link drop or silence) or a gateway restart. Its
     * confidence is capped and its direction `unknown` unless both sides were seen before the outage; the hub treats
     * it as an exception for ops, never as a confident move. Absent: the evidence was not cut.
     */
    interrupted: Type.Optional(Type.Literal(true)),
  },
  'a tag passed a door',
);

const zoneProps = {
  zone: Id,
  epc: Hex,
  tid: Type.Optional(Hex),
  firstSeen: Timestamp,
  lastSeen: Timestamp,
  reads: Type.Integer({ minimum: 1 }),
  peakRssi: Rssi,
  antennas: Type.Array(AntennaEvidence, { maxItems: 64 }),
  confidence: Confidence,
};
export const TagArriveEvent = eventOf('tag.arrive', zoneProps, 'a tag appeared in a read zone without direction');
export const TagDepartEvent = eventOf('tag.depart', zoneProps, 'a tag left a read zone without direction');

export const ScanContext = Type.Object(
  {
    type: Type.String({ minLength: 1, maxLength: 64, description: 'what the context code set, e.g. purchase_order, mode, door' }),
    value: Type.String({ maxLength: 256 }),
    scannedAt: Timestamp,
  },
  { additionalProperties: false },
);
export type ScanContext = Static<typeof ScanContext>;

export const ScanEvent = eventOf(
  'scan',
  {
    scanner: Id,
    door: Type.Optional(Id),
    raw: Type.String({ maxLength: 4096 }),
    symbology: Type.Optional(Type.String({ maxLength: 32 })),
    /** What the code is: gs1, gtin (plain EAN/UPC), or a configured pattern's name, or unknown. */
    codeType: Type.String({ minLength: 1, maxLength: 64 }),
    gtin: Type.Optional(Type.String({ pattern: '^\\d{14}$' })),
    sscc: Type.Optional(Type.String({ pattern: '^\\d{18}$' })),
    batch: Type.Optional(Type.String({ maxLength: 20 })),
    expiry: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })),
    serial: Type.Optional(Type.String({ maxLength: 20 })),
    count: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Every GS1 application identifier found, AI → value as scanned. */
    ais: Type.Optional(Type.Record(Type.String({ pattern: '^\\d{2,4}$' }), Type.String({ maxLength: 90 }))),
    qty: Type.Integer({ minimum: 1 }),
    context: Type.Optional(Type.Array(ScanContext, { maxItems: 8 })),
  },
  'a barcode was scanned',
);

export const DoorEvent = eventOf(
  'door',
  {
    door: Id,
    state: Type.Union([Type.Literal('open'), Type.Literal('closed')]),
    reader: Type.Optional(Id),
    gpi: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
  },
  'a door sensor changed',
);

export const ReaderState = Type.Union([
  Type.Literal('connecting'),
  Type.Literal('configuring'),
  Type.Literal('reading'),
  Type.Literal('backoff'),
  Type.Literal('stopped'),
]);
export type ReaderState = Static<typeof ReaderState>;

export const ReaderEvent = eventOf(
  'reader',
  {
    reader: Id,
    state: ReaderState,
    reason: Type.Optional(Type.String({ maxLength: 1024 })),
    error: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  'a reader connected, disconnected, or reported an error',
);

export const ScannerState = Type.Union([Type.Literal('open'), Type.Literal('closed'), Type.Literal('unavailable')]);
export type ScannerState = Static<typeof ScannerState>;

export const ScannerEvent = eventOf(
  'scanner',
  {
    scanner: Id,
    state: ScannerState,
    reason: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  'a scanner was plugged, unplugged or failed',
);

export const GapEvent = eventOf(
  'gap',
  {
    fromSeq: Seq,
    toSeq: Seq,
    count: Type.Integer({ minimum: 1 }),
    reason: Type.String({ maxLength: 1024 }),
  },
  'the gateway dropped events (outbox full): never silent',
);

export const Event = Type.Union([TagPassEvent, TagArriveEvent, TagDepartEvent, ScanEvent, DoorEvent, ReaderEvent, ScannerEvent, GapEvent]);
export type Event = Static<typeof Event>;
export type TagPassEvent = Static<typeof TagPassEvent>;
export type TagArriveEvent = Static<typeof TagArriveEvent>;
export type TagDepartEvent = Static<typeof TagDepartEvent>;
export type ScanEvent = Static<typeof ScanEvent>;
export type DoorEvent = Static<typeof DoorEvent>;
export type ReaderEvent = Static<typeof ReaderEvent>;
export type ScannerEvent = Static<typeof ScannerEvent>;
export type GapEvent = Static<typeof GapEvent>;
export type EventKind = Event['kind'];
export const EVENT_KINDS: readonly EventKind[] = ['tag.pass', 'tag.arrive', 'tag.depart', 'scan', 'door', 'reader', 'scanner', 'gap'];

/** What a gateway publishes on `dockgate/{site}/gw/{gw}/events`. */
export const EventBatch = Type.Object(
  {
    v: Type.Literal(WIRE_VERSION),
    gateway: Id,
    stream: StreamId,
    events: Type.Array(Event, { minItems: 1, maxItems: 5000 }),
  },
  { additionalProperties: false, $id: 'dockgate.events', description: 'a batch of events from one gateway stream, in seq order' },
);
export type EventBatch = Static<typeof EventBatch>;

export const ReaderHealth = Type.Object(
  {
    id: Id,
    host: Type.Optional(Type.String({ maxLength: 255 })),
    state: ReaderState,
    reason: Type.Optional(Type.String({ maxLength: 1024 })),
    lastReport: Type.Optional(Timestamp),
    /** Reader clock minus gateway clock, ms, when the reader reports UTC timestamps. */
    clockOffsetMs: Type.Optional(Type.Number()),
    readsPerSecond: Type.Optional(Type.Number({ minimum: 0 })),
    /** The doors this reader's antennas cover (additive in v1): the hub calls a door reading only while one covers it. */
    doors: Type.Optional(Type.Array(Id, { maxItems: 1000 })),
  },
  { additionalProperties: false },
);
export type ReaderHealth = Static<typeof ReaderHealth>;

export const ScannerHealth = Type.Object(
  {
    id: Id,
    type: Type.Union([Type.Literal('serial'), Type.Literal('hid')]),
    state: ScannerState,
    reason: Type.Optional(Type.String({ maxLength: 1024 })),
    lastScan: Type.Optional(Timestamp),
  },
  { additionalProperties: false },
);
export type ScannerHealth = Static<typeof ScannerHealth>;

export const LightColor = Type.Union([Type.Literal('green'), Type.Literal('red'), Type.Literal('amber'), Type.Literal('off')]);
export type LightColor = Static<typeof LightColor>;

export const DoorMode = Type.Union([
  Type.Literal('receiving'),
  Type.Literal('shipping'),
  Type.Literal('returns'),
  Type.Literal('transfer'),
  Type.Literal('count'),
  Type.Literal('off'),
]);
export type DoorMode = Static<typeof DoorMode>;

/** A door as the gateway sees it: the mode last hinted by the hub (door.mode) and the light stack's colour. */
export const GatewayDoor = Type.Object(
  {
    id: Id,
    mode: Type.Optional(DoorMode),
    light: Type.Optional(LightColor),
  },
  { additionalProperties: false },
);
export type GatewayDoor = Static<typeof GatewayDoor>;

/** Retained on `dockgate/{site}/gw/{gw}/status`; the Last Will is `{ v, gateway, online: false }`. */
export const GatewayStatus = Type.Object(
  {
    v: Type.Literal(WIRE_VERSION),
    gateway: Id,
    online: Type.Boolean(),
    ts: Type.Optional(Timestamp),
    version: Type.Optional(Type.String({ maxLength: 64 })),
    startedAt: Type.Optional(Timestamp),
    uptimeS: Type.Optional(Type.Number({ minimum: 0 })),
    stream: Type.Optional(StreamId),
    readers: Type.Optional(Type.Array(ReaderHealth, { maxItems: 256 })),
    scanners: Type.Optional(Type.Array(ScannerHealth, { maxItems: 256 })),
    outbox: Type.Optional(
      Type.Object(
        {
          depth: Type.Integer({ minimum: 0 }),
          bytes: Type.Integer({ minimum: 0 }),
          oldestAgeS: Type.Optional(Type.Number({ minimum: 0 })),
          dropped: Type.Integer({ minimum: 0 }),
        },
        { additionalProperties: false },
      ),
    ),
    /** The largest reader clock offset seen, ms (seen in the field: 14 s). */
    clockOffsetMs: Type.Optional(Type.Number()),
    /** Doors this gateway watches (additive in v1: older gateways omit it). */
    doors: Type.Optional(Type.Array(GatewayDoor, { maxItems: 1000 })),
  },
  { additionalProperties: false, $id: 'dockgate.gateway-status', description: 'gateway health, retained' },
);
export type GatewayStatus = Static<typeof GatewayStatus>;

/** Retained on `dockgate/{site}/hub/status`. */
export const HubStatus = Type.Object(
  {
    v: Type.Literal(WIRE_VERSION),
    online: Type.Boolean(),
    ts: Type.Optional(Timestamp),
    version: Type.Optional(Type.String({ maxLength: 64 })),
    startedAt: Type.Optional(Timestamp),
  },
  { additionalProperties: false, $id: 'dockgate.hub-status', description: 'hub health, retained' },
);
export type HubStatus = Static<typeof HubStatus>;

export const HubAck = Type.Object(
  {
    v: Type.Literal(WIRE_VERSION),
    stream: StreamId,
    through: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'every event of the stream with seq <= through is applied (or inside a gap the gateway reported); 0: none yet' }),
    ts: Timestamp,
  },
  { additionalProperties: false, $id: 'dockgate.hub-ack', description: 'hub → gateway, retained: how far the hub has applied a stream; the gateway deletes outbox rows up to it' },
);
export type HubAck = Static<typeof HubAck>;

const commandBase = {
  v: Type.Literal(WIRE_VERSION),
  id: EventId,
  ts: Timestamp,
};

export const Command = Type.Union(
  [
    Type.Object(
      {
        ...commandBase,
        cmd: Type.Literal('light'),
        door: Id,
        color: LightColor,
        /** 0 or absent: until the next light command. */
        durationMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000 })),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        ...commandBase,
        cmd: Type.Literal('horn'),
        door: Id,
        durationMs: Type.Integer({ minimum: 1, maximum: 60_000 }),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        ...commandBase,
        cmd: Type.Literal('gpo.set'),
        reader: Id,
        port: Type.Integer({ minimum: 1, maximum: 65535 }),
        state: Type.Boolean(),
        durationMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000 })),
      },
      { additionalProperties: false },
    ),
    Type.Object({ ...commandBase, cmd: Type.Literal('reader.restart'), reader: Id }, { additionalProperties: false }),
    Type.Object({ ...commandBase, cmd: Type.Literal('door.mode'), door: Id, mode: DoorMode }, { additionalProperties: false }),
    Type.Object({ ...commandBase, cmd: Type.Literal('status.report') }, { additionalProperties: false }),
  ],
  { $id: 'dockgate.command', description: 'hub → gateway command' },
);
export type Command = Static<typeof Command>;
export type CommandName = Command['cmd'];

/** An event before the outbox stamps it: everything but id, stream, seq and ts (which the outbox assigns). */
export type EventDraft = Event extends infer E ? (E extends Event ? Omit<E, 'id' | 'stream' | 'seq' | 'ts'> : never) : never;
