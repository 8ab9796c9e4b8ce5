// protocols/events — parse(topic, bytes): never throws; a typed message or errors naming JSON path and problem.
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Type, type TSchema } from '@sinclair/typebox';
import {
  Command,
  DoorEvent,
  EventBatch,
  GapEvent,
  GatewayStatus,
  HubAck,
  HubStatus,
  ReaderEvent,
  ScanEvent,
  ScannerEvent,
  TagArriveEvent,
  TagDepartEvent,
  TagPassEvent,
  WIRE_VERSION,
  type Event,
  type EventKind,
} from './schema.js';
import { parseTopic, type ParsedTopic } from './topics.js';
import { tsMs } from './time.js';

export interface WireError {
  /** JSON pointer into the payload ('' = the payload itself). */
  path: string;
  message: string;
}

export type ParseFailure = {
  ok: false;
  /** topic: not a dockgate topic; encoding/json: not UTF-8 JSON; version: a `v` this build does not know; schema: the shape is wrong. */
  reason: 'topic' | 'encoding' | 'json' | 'version' | 'schema';
  topic?: ParsedTopic;
  errors: WireError[];
};

export type ParseResult =
  | { ok: true; kind: 'events'; topic: ParsedTopic & { kind: 'events' }; value: EventBatch }
  | { ok: true; kind: 'status'; topic: ParsedTopic & { kind: 'status' }; value: GatewayStatus }
  | { ok: true; kind: 'cmd'; topic: ParsedTopic & { kind: 'cmd' }; value: Command }
  | { ok: true; kind: 'hub-status'; topic: ParsedTopic & { kind: 'hub-status' }; value: HubStatus }
  | { ok: true; kind: 'ack'; topic: ParsedTopic & { kind: 'ack' }; value: HubAck }
  | ParseFailure;

const MAX_ERRORS = 20;
const MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

const compiled = new Map<TSchema, TypeCheck<TSchema>>();
function checker(schema: TSchema): TypeCheck<TSchema> {
  let c = compiled.get(schema);
  if (!c) {
    c = TypeCompiler.Compile(schema);
    compiled.set(schema, c);
  }
  return c;
}

const EVENT_SCHEMAS: Record<EventKind, TSchema> = {
  'tag.pass': TagPassEvent,
  'tag.arrive': TagArriveEvent,
  'tag.depart': TagDepartEvent,
  scan: ScanEvent,
  door: DoorEvent,
  reader: ReaderEvent,
  scanner: ScannerEvent,
  gap: GapEvent,
};

/** The batch envelope alone: events are checked one by one, so an error names the bad event exactly. */
const BatchEnvelope = Type.Object(
  { ...EventBatch.properties, events: Type.Array(Type.Unknown()) },
  { additionalProperties: false },
);

function isEventKind(kind: unknown): kind is EventKind {
  return typeof kind === 'string' && Object.hasOwn(EVENT_SCHEMAS, kind);
}

const COMMAND_NAMES = new Set(Command.anyOf.map((s) => (s.properties.cmd as { const: string }).const));

function schemaErrors(schema: TSchema, value: unknown, prefix: string, out: WireError[]): void {
  const c = checker(schema);
  if (c.Check(value)) return;
  const seen = new Set<string>();
  for (const e of c.Errors(value)) {
    if (out.length >= MAX_ERRORS) return;
    // TypeBox reports a missing property twice ("required", then "expected <type>"): keep the first per path.
    if (seen.has(e.path)) continue;
    seen.add(e.path);
    out.push({ path: prefix + e.path, message: e.message });
  }
}

/** Validate one event by its kind's schema; appends errors under `prefix`. */
export function eventErrors(value: unknown, prefix = ''): WireError[] {
  const out: WireError[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    out.push({ path: prefix, message: 'an event must be a JSON object' });
    return out;
  }
  const kind = (value as { kind?: unknown }).kind;
  if (!isEventKind(kind)) {
    out.push({ path: `${prefix}/kind`, message: `unknown event kind ${JSON.stringify(kind)}; expected one of ${Object.keys(EVENT_SCHEMAS).join(', ')}` });
    return out;
  }
  schemaErrors(EVENT_SCHEMAS[kind], value, prefix, out);
  if (out.length === 0 && kind === 'gap') {
    const g = value as { fromSeq: number; toSeq: number; count: number };
    if (g.toSeq < g.fromSeq) out.push({ path: `${prefix}/toSeq`, message: 'toSeq is before fromSeq' });
    else if (g.count !== g.toSeq - g.fromSeq + 1) out.push({ path: `${prefix}/count`, message: `count ${g.count} does not match the range ${g.fromSeq}..${g.toSeq}` });
  }
  if (out.length === 0 && (kind === 'tag.pass' || kind === 'tag.arrive' || kind === 'tag.depart')) {
    const t = value as { firstSeen: string; lastSeen: string };
    // Compare as instants, not strings: '…:00Z' and '…:00.5Z' differ in fraction digits.
    if (tsMs(t.lastSeen) < tsMs(t.firstSeen)) out.push({ path: `${prefix}/lastSeen`, message: 'lastSeen is before firstSeen' });
  }
  return out;
}

/** True when `value` is a valid event of the contract. */
export function isValidEvent(value: unknown): value is Event {
  return eventErrors(value).length === 0;
}

function fail(reason: ParseFailure['reason'], errors: WireError[], topic?: ParsedTopic): ParseFailure {
  return topic ? { ok: false, reason, topic, errors } : { ok: false, reason, errors };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeJson(bytes: Uint8Array | string, topic: ParsedTopic): { ok: true; value: unknown } | ParseFailure {
  let text: string;
  if (typeof bytes === 'string') text = bytes;
  else {
    if (bytes.byteLength > MAX_PAYLOAD_BYTES) return fail('json', [{ path: '', message: `payload of ${bytes.byteLength} bytes exceeds the ${MAX_PAYLOAD_BYTES}-byte limit` }], topic);
    try {
      text = utf8.decode(bytes);
    } catch {
      return fail('encoding', [{ path: '', message: 'payload is not valid UTF-8' }], topic);
    }
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return fail('json', [{ path: '', message: `payload is not JSON: ${(err as Error).message}` }], topic);
  }
}

function checkVersion(value: unknown, topic: ParsedTopic): ParseFailure | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('schema', [{ path: '', message: 'payload must be a JSON object' }], topic);
  const v = (value as { v?: unknown }).v;
  if (v === undefined) return fail('schema', [{ path: '/v', message: 'required property (wire version) is missing' }], topic);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) return fail('schema', [{ path: '/v', message: `wire version must be a positive integer, got ${JSON.stringify(v)}` }], topic);
  if (v > WIRE_VERSION) return fail('version', [{ path: '/v', message: `unsupported wire version ${v}: this build understands up to ${WIRE_VERSION}; upgrade the receiver` }], topic);
  return undefined;
}

function batchErrors(value: unknown, topic: ParsedTopic & { kind: 'events' }): WireError[] {
  const out: WireError[] = [];
  const b = value as Record<string, unknown>;
  schemaErrors(BatchEnvelope, value, '', out);
  if (!Array.isArray(b.events)) return out;
  if (b.events.length === 0) out.push({ path: '/events', message: 'a batch must carry at least one event' });
  if (b.events.length > 5000) out.push({ path: '/events', message: `a batch may carry at most 5000 events, got ${b.events.length}` });
  let prevSeq = 0;
  for (let i = 0; i < b.events.length && out.length < MAX_ERRORS; i++) {
    const errs = eventErrors(b.events[i], `/events/${i}`);
    out.push(...errs);
    if (errs.length > 0) continue;
    const e = b.events[i] as Event;
    if (e.stream !== b.stream) out.push({ path: `/events/${i}/stream`, message: `event stream ${e.stream} differs from the batch stream ${String(b.stream)}` });
    if (e.seq <= prevSeq) out.push({ path: `/events/${i}/seq`, message: `seq ${e.seq} is not after the previous event's seq ${prevSeq}` });
    prevSeq = e.seq;
  }
  if (typeof b.gateway === 'string' && b.gateway !== topic.gateway) {
    out.push({ path: '/gateway', message: `gateway ${b.gateway} does not match the topic's gateway ${topic.gateway}` });
  }
  return out.slice(0, MAX_ERRORS);
}

/** An event of a batch that failed the contract: kept with its position, its seq when known, and the reasons. */
export interface RejectedEvent {
  /** Position in the batch's events array (its JSON path is `/events/{index}`). */
  index: number;
  /** The event as received. */
  value: unknown;
  /** Its seq in the batch's stream: as sent when readable, else inferred from its neighbours; undefined when neither. */
  seq: number | undefined;
  /** Its id when it is a string. */
  id: string | undefined;
  errors: WireError[];
}

export type BatchParseResult =
  | { ok: true; kind: 'events'; topic: ParsedTopic & { kind: 'events' }; value: EventBatch; rejected: RejectedEvent[] }
  | ParseFailure;

function readableSeq(v: unknown): number | undefined {
  const seq = typeof v === 'object' && v !== null ? (v as { seq?: unknown }).seq : undefined;
  return typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 1 ? seq : undefined;
}

/**
 * Parse an events message event by event: the envelope (v, gateway, stream, events array) must hold, or the whole
 * message fails as with parse(); within it, each event that breaks the contract (or the batch's stream and seq order)
 * is returned in `rejected` with errors naming its JSON path, and the good ones form `batch` (possibly empty).
 * A rejected event's seq is taken as sent when it is a positive integer above the previous event's, else inferred
 * when the seqs of its good neighbours leave exactly the room for the rejected run between them.
 */
export function parseEventBatch(topicName: string, bytes: Uint8Array | string): BatchParseResult {
  try {
    const topic = parseTopic(topicName);
    if (!topic || topic.kind !== 'events') return fail('topic', [{ path: '', message: `topic ${JSON.stringify(topicName)} is not a dockgate events topic` }], topic);
    const decoded = decodeJson(bytes, topic);
    if (!decoded.ok) return decoded;
    const value = decoded.value;
    const versionFailure = checkVersion(value, topic);
    if (versionFailure) return versionFailure;
    const envelope: WireError[] = [];
    schemaErrors(BatchEnvelope, value, '', envelope);
    const b = value as { gateway: string; stream: string; events: unknown[]; v: number };
    if (envelope.length === 0) {
      if (b.events.length === 0) envelope.push({ path: '/events', message: 'a batch must carry at least one event' });
      if (b.events.length > 5000) envelope.push({ path: '/events', message: `a batch may carry at most 5000 events, got ${b.events.length}` });
      if (b.gateway !== topic.gateway) envelope.push({ path: '/gateway', message: `gateway ${b.gateway} does not match the topic's gateway ${topic.gateway}` });
    }
    if (envelope.length) return fail('schema', envelope.slice(0, MAX_ERRORS), topic);
    const good: Event[] = [];
    const rejected: RejectedEvent[] = [];
    const seqs: Array<number | undefined> = [];
    let prevSeq = 0;
    for (let i = 0; i < b.events.length; i++) {
      const raw = b.events[i];
      const errs = eventErrors(raw, `/events/${i}`).slice(0, MAX_ERRORS);
      const sent = readableSeq(raw);
      const stream = typeof raw === 'object' && raw !== null ? (raw as { stream?: unknown }).stream : undefined;
      if (errs.length === 0 && stream !== b.stream) errs.push({ path: `/events/${i}/stream`, message: `event stream ${String(stream)} differs from the batch stream ${b.stream}` });
      if (errs.length === 0 && sent !== undefined && sent <= prevSeq) errs.push({ path: `/events/${i}/seq`, message: `seq ${sent} is not after the previous event's seq ${prevSeq}` });
      const seq = sent !== undefined && sent > prevSeq && (stream === undefined || stream === b.stream) ? sent : undefined;
      if (seq !== undefined) prevSeq = seq;
      seqs.push(seq);
      if (errs.length === 0) good.push(raw as Event);
      else {
        const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
        rejected.push({ index: i, value: raw, seq, id: typeof id === 'string' ? id : undefined, errors: errs });
      }
    }
    // A run of events without a usable seq, between two that have one leaving exactly that much room: theirs by position.
    for (let i = 0; i < seqs.length; i++) {
      if (seqs[i] !== undefined) continue;
      let j = i;
      while (j < seqs.length && seqs[j] === undefined) j++;
      const before = i === 0 ? undefined : seqs[i - 1];
      const after = j < seqs.length ? seqs[j] : undefined;
      if (before !== undefined && after !== undefined && after - before - 1 === j - i) {
        for (let k = i; k < j; k++) {
          const r = rejected.find((x) => x.index === k);
          if (r) r.seq = before + 1 + (k - i);
        }
      }
      i = j;
    }
    return { ok: true, kind: 'events', topic, value: { v: WIRE_VERSION, gateway: b.gateway, stream: b.stream, events: good }, rejected };
  } catch (err) {
    return fail('schema', [{ path: '', message: `validator failed: ${(err as Error).message}` }]);
  }
}

/** Parse any dockgate MQTT message. Never throws. */
export function parse(topic: string, bytes: Uint8Array | string): ParseResult {
  try {
    return parseUnsafe(topic, bytes);
  } catch (err) {
    // A defect in a validator must not take the receiver down; report it as a schema failure.
    return fail('schema', [{ path: '', message: `validator failed: ${(err as Error).message}` }]);
  }
}

function parseUnsafe(topicName: string, bytes: Uint8Array | string): ParseResult {
  const topic = parseTopic(topicName);
  if (!topic) return fail('topic', [{ path: '', message: `topic ${JSON.stringify(topicName)} is not a dockgate topic` }]);
  const decoded = decodeJson(bytes, topic);
  if (!decoded.ok) return decoded;
  const value = decoded.value;
  const versionFailure = checkVersion(value, topic);
  if (versionFailure) return versionFailure;

  switch (topic.kind) {
    case 'events': {
      const errors = batchErrors(value, topic);
      return errors.length ? fail('schema', errors, topic) : { ok: true, kind: 'events', topic, value: value as EventBatch };
    }
    case 'status': {
      const errors: WireError[] = [];
      schemaErrors(GatewayStatus, value, '', errors);
      const gw = (value as { gateway?: unknown }).gateway;
      if (errors.length === 0 && gw !== topic.gateway) errors.push({ path: '/gateway', message: `gateway ${String(gw)} does not match the topic's gateway ${topic.gateway}` });
      return errors.length ? fail('schema', errors, topic) : { ok: true, kind: 'status', topic, value: value as GatewayStatus };
    }
    case 'cmd': {
      const errors: WireError[] = [];
      const cmd = (value as { cmd?: unknown }).cmd;
      if (typeof cmd !== 'string' || !COMMAND_NAMES.has(cmd)) {
        errors.push({ path: '/cmd', message: `unknown command ${JSON.stringify(cmd)}; expected one of ${[...COMMAND_NAMES].join(', ')}` });
      } else {
        const schema = Command.anyOf.find((s) => (s.properties.cmd as { const: string }).const === cmd)!;
        schemaErrors(schema, value, '', errors);
      }
      return errors.length ? fail('schema', errors, topic) : { ok: true, kind: 'cmd', topic, value: value as Command };
    }
    case 'ack': {
      const errors: WireError[] = [];
      schemaErrors(HubAck, value, '', errors);
      return errors.length ? fail('schema', errors, topic) : { ok: true, kind: 'ack', topic, value: value as HubAck };
    }
    case 'hub-status': {
      const errors: WireError[] = [];
      schemaErrors(HubStatus, value, '', errors);
      return errors.length ? fail('schema', errors, topic) : { ok: true, kind: 'hub-status', topic, value: value as HubStatus };
    }
  }
}

/** One line for logs and dead letters: "path: message; path: message". */
export function describeErrors(errors: readonly WireError[]): string {
  return errors.map((e) => `${e.path || '(payload)'}: ${e.message}`).join('; ');
}
