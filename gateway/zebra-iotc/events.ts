// gateway/zebra-iotc — the Zebra IoT Connector (FX7500/FX9600/ATR7000 with ZIOTC) over MQTT as data: its command and
// response envelopes ({command, command_id, payload} → {command, command_id, payload, response: success|failure}),
// the operating mode the gateway sets (antennas, power, tag metadata), and its data and management events mapped to
// the portal's reads and GPI changes. Pure: no I/O, the clock offset is a parameter.
//
// Shapes from Zebra's IoT Connector documentation, "RAW MQTT Payloads" (zebradevs.github.io/rfid-ziotc-docs, the
// OpenAPI its redoc pages and Zebra's own ZebraDevs/RFID-IoTConnector-MQTT-dotnet-DockDoorSample are generated from):
// every command {command, command_id, payload}, every response {command, command_id, response: success|failure,
// payload}; start {doNotPersistState}, stop {}, set_mode {type, antennas, transmitPower, tagMetaData: ANTENNA RSSI
// PHASE CHANNEL SEEN_COUNT …, reportFilter {duration, type: RADIO_WIDE|PER_ANTENNA}}; set_gpo {port 1–4, state};
// get_status → {uptime, systemTime, radioConnection: connected|disconnected, antennas, temperature, radioActivitiy
// (sic): active|inactive …}; set_config {"READER-GATEWAY": {batching, managementEventConfig {heartbeat {interval s},
// gpiEvents}}}; tag data events {data: {idHex, antenna, peakRssi, reads|seenCount, channel (MHz), phase (degrees),
// eventNum, format}, timestamp, type: SIMPLE}, alone or batched in an array; management events {type: heartbeat|GPI|
// …, timestamp, data} with GPI data {pin, state: HIGH|LOW}. Start, stop and the mode are control commands, status,
// configuration and GPOs management commands (the Control and Management interfaces of Zebra's introduction). The
// default topic names (tevents/ccmds/crsp/mcmds/mrsp/mevents + reader name) are XerumSrl/XRFID.CLI's; a reader's
// topics are whatever its endpoint configuration says (gateway.yaml zebra.topics).
import type { GpiChange, TagRead } from '../../protocols/reads/index.js';

export interface ZebraTopics {
  data: string;
  controlCommands: string;
  controlResponses: string;
  managementCommands: string;
  managementResponses: string;
  managementEvents: string;
}

/** The topics a reader named `name` uses by default. */
export function defaultTopics(name: string): ZebraTopics {
  return { data: `tevents/${name}`, controlCommands: `ccmds/${name}`, controlResponses: `crsp/${name}`, managementCommands: `mcmds/${name}`, managementResponses: `mrsp/${name}`, managementEvents: `mevents/${name}` };
}

export interface ZebraModeOptions {
  antennas: readonly number[];
  /** dBm, all antennas. Default 30. */
  powerDbm?: number;
}

/** The set_mode payload: every read reported (SIMPLE would aggregate), with the metadata the portal needs. */
export function modeOf(o: ZebraModeOptions): Record<string, unknown> {
  if (o.antennas.length === 0) throw new RangeError('zebra-iotc mode: at least one antenna');
  return { type: 'CUSTOM', antennas: [...o.antennas], transmitPower: o.powerDbm ?? 30, tagMetaData: ['ANTENNA', 'RSSI', 'PHASE', 'SEEN_COUNT'], reportFilter: { duration: 0, type: 'PER_ANTENNA' } };
}

/** Heartbeat period the gateway asks for (set_config), seconds. */
export const HEARTBEAT_S = 10;

/**
 * The set_config payload (management): heartbeats every HEARTBEAT_S on the management-events topic — the gateway's
 * sign of life from an idle reader — GPI events on, and tag data events sent as they come (no batching interval).
 */
export function configOf(): Record<string, unknown> {
  return { 'READER-GATEWAY': { batching: { reportingInterval: 0, maxPayloadSizePerReport: 0 }, managementEventConfig: { heartbeat: { interval: HEARTBEAT_S }, gpiEvents: true } } };
}

export interface ZebraStatus {
  /** The radio module is connected to the reader application. */
  radioConnected: boolean;
  /** The radio is inventorying (started). */
  radioActive: boolean | undefined;
}

/** A get_status response payload; undefined when it lacks radioConnection (not a status). */
export function parseStatus(payload: unknown): ZebraStatus | undefined {
  if (payload === null || typeof payload !== 'object') return undefined;
  const p = payload as Record<string, unknown>;
  if (typeof p.radioConnection !== 'string') return undefined;
  const act = p.radioActivitiy ?? p.radioActivity; // Zebra's schema spells it radioActivitiy
  return { radioConnected: p.radioConnection === 'connected', radioActive: act === 'active' ? true : act === 'inactive' ? false : undefined };
}

export interface ZebraCommand {
  command: string;
  command_id: string;
  payload: Record<string, unknown>;
}

export type ZebraResponse = { ok: true; command: string; id: string; payload: unknown } | { ok: false; command: string; id: string; reason: string };

/** A response message; undefined when it is not one (someone else's traffic on the topic). */
export function parseResponse(text: string): ZebraResponse | undefined {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (r === null || typeof r !== 'object' || typeof r.command !== 'string' || typeof r.command_id !== 'string' || typeof r.response !== 'string') return undefined;
  if (r.response.toLowerCase() === 'success') return { ok: true, command: r.command, id: r.command_id, payload: r.payload };
  const p = (r.payload ?? {}) as Record<string, unknown>;
  const why = typeof p.description === 'string' ? p.description : typeof p.message === 'string' ? p.message : JSON.stringify(r.payload ?? null);
  return { ok: false, command: r.command, id: r.command_id, reason: `${r.response}: ${why}` };
}

export type ZebraItem =
  | { kind: 'tag'; read: TagRead }
  | { kind: 'gpi'; change: GpiChange }
  | { kind: 'heartbeat'; radioConnected?: boolean }
  | { kind: 'other'; type: string }
  | { kind: 'bad'; reason: string };

/** Zebra timestamps carry a numeric offset without a colon (2021-04-19T16:19:26.093-0700): ISO wants one. */
export function parseZebraTime(s: unknown): number {
  if (typeof s !== 'string') return NaN;
  return Date.parse(s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
}

function one(ev: Record<string, unknown>, reader: string, arrivalMs: number, offsetMs: number | undefined): ZebraItem {
  const type = typeof ev.type === 'string' ? ev.type : '';
  const stamp = parseZebraTime(ev.timestamp);
  const d = (ev.data ?? {}) as Record<string, unknown>;
  if (type === 'SIMPLE' || type === 'CUSTOM' || (type === '' && typeof d.idHex === 'string')) {
    if (typeof d.idHex !== 'string' || !/^(?:[0-9a-fA-F]{2}){1,62}$/.test(d.idHex)) return { kind: 'bad', reason: `data.idHex ${JSON.stringify(d.idHex)?.slice(0, 40)} is not whole bytes of hex` };
    const antenna = d.antenna;
    if (typeof antenna !== 'number' || !Number.isInteger(antenna) || antenna < 1 || antenna > 65535) return { kind: 'bad', reason: `data.antenna ${String(antenna)} is not a port number` };
    // at most its arrival: a read happens before it arrives (this event's own sample may be the better offset)
    const ts = Number.isFinite(stamp) && offsetMs !== undefined ? Math.min(stamp - offsetMs, arrivalMs) : arrivalMs;
    const count = typeof d.seenCount === 'number' && d.seenCount >= 1 ? Math.floor(d.seenCount) : typeof d.reads === 'number' && d.reads >= 1 ? Math.floor(d.reads) : 1;
    const read: TagRead = { reader, antenna, epc: d.idHex.toLowerCase(), rssi: typeof d.peakRssi === 'number' ? d.peakRssi : NaN, ts, arrival: arrivalMs, readerTs: stamp, count };
    if (typeof d.TID === 'string' && /^[0-9a-fA-F]+$/.test(d.TID)) read.tid = d.TID.toLowerCase();
    return { kind: 'tag', read };
  }
  if (type === 'GPI') {
    const state = typeof d.state === 'string' ? d.state.toUpperCase() : '';
    if (typeof d.pin !== 'number' || (state !== 'HIGH' && state !== 'LOW')) return { kind: 'bad', reason: 'a GPI event without data.pin and data.state HIGH/LOW' };
    return { kind: 'gpi', change: { reader, port: d.pin, state: state === 'HIGH', ts: arrivalMs } };
  }
  if (type.toLowerCase() === 'heartbeat') {
    // data.radio_control.radioConnection when the heartbeat's fields include radio_control
    const rc = d.radio_control as Record<string, unknown> | undefined;
    const conn = rc && typeof rc === 'object' ? rc.radioConnection : undefined;
    return conn === 'connected' || conn === 'disconnected' ? { kind: 'heartbeat', radioConnected: conn === 'connected' } : { kind: 'heartbeat' };
  }
  if (type === '') return { kind: 'bad', reason: 'an event without type' };
  return { kind: 'other', type };
}

/**
 * One MQTT message from the data or management-events topic: an event, or an array of them (batched endpoints). Each
 * timestamped event is given to `sample` (reader time, arrival) for the clock offset.
 */
export function parseEvents(text: string, reader: string, arrivalMs: number, offsetMs: number | undefined, sample?: (readerMs: number, arrivalMs: number) => void): ZebraItem[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return [{ kind: 'bad', reason: `a message that is not JSON (${(e as Error).message})` }];
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list.map((ev) => {
    if (ev === null || typeof ev !== 'object' || Array.isArray(ev)) return { kind: 'bad', reason: 'an event that is not a JSON object' };
    const stamp = parseZebraTime((ev as Record<string, unknown>).timestamp);
    if (Number.isFinite(stamp)) sample?.(stamp, arrivalMs);
    return one(ev as Record<string, unknown>, reader, arrivalMs, offsetMs);
  });
}
