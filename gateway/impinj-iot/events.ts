// gateway/impinj-iot — the Impinj IoT Device Interface (R700 firmware ≥ 8.2, REST at /api/v1) as data: the inventory
// preset the gateway PUTs (antennas, power, RF mode, session, search mode, tag population, the tag report fields it
// needs), the reader's error body, and one line of its HTTP event stream (newline-delimited ReaderEvent JSON) mapped
// to the portal's reads and GPI changes. Pure: no I/O, the clock offset is a parameter.
//
// Shapes from Impinj's published IoT Device Interface API description (v1.7; models ReaderEvent, TagInventoryEvent,
// GpiTransitionEvent, InventoryAntennaConfiguration, GpoConfiguration, ErrorResponse; as generated into
// github.com/saji-ttarius/impinj-reader-config-api-v1.7.0/docs).
import type { GpiChange, TagRead } from '../../protocols/reads/index.js';

export type InventorySearchMode = 'single-target' | 'dual-target' | 'single-target-with-tagfocus' | 'single-target-b-to-a' | 'dual-target-with-b-to-a-select';
export const SEARCH_MODES: readonly InventorySearchMode[] = ['single-target', 'dual-target', 'single-target-with-tagfocus', 'single-target-b-to-a', 'dual-target-with-b-to-a-select'];

export interface ImpinjPresetOptions {
  antennas: ReadonlyArray<{ port: number; powerDbm?: number }>;
  /** Impinj RF mode number (e.g. 4 = Max Miller, 1111 = AutoSet Static DRM …). Default 4. */
  rfMode?: number;
  /** Gen2 session 0–3. Default 1 (a portal sees each tag again soon after it leaves). */
  session?: number;
  searchMode?: InventorySearchMode;
  tagPopulation?: number;
  /** Report the tag's TID (fastId). Default false. */
  tid?: boolean;
  /** Default transmit power when an antenna gives none, dBm. Default 30. */
  powerDbm?: number;
}

/** The InventoryPreset the gateway PUTs at /profiles/inventory/presets/{id}. */
export function presetOf(o: ImpinjPresetOptions): Record<string, unknown> {
  if (o.antennas.length === 0) throw new RangeError('impinj-iot preset: at least one antenna');
  const session = o.session ?? 1;
  if (!Number.isInteger(session) || session < 0 || session > 3) throw new RangeError(`impinj-iot preset: session must be 0–3, got ${session}`);
  const searchMode = o.searchMode ?? 'dual-target';
  if (!SEARCH_MODES.includes(searchMode)) throw new RangeError(`impinj-iot preset: searchMode ${searchMode} is not one of ${SEARCH_MODES.join(', ')}`);
  return {
    eventConfig: {
      common: { hostname: 'disabled' },
      tagInventory: {
        tagReporting: { reportingIntervalSeconds: 0, tagCacheSize: 2048, antennaIdentifier: 'antennaPort', tagIdentifier: 'epc' },
        epc: 'disabled',
        epcHex: 'enabled',
        tid: 'disabled',
        tidHex: o.tid ? 'enabled' : 'disabled',
        antennaPort: 'enabled',
        transmitPowerCdbm: 'disabled',
        peakRssiCdbm: 'enabled',
        frequency: 'disabled',
        pc: 'disabled',
        lastSeenTime: 'enabled',
        phaseAngle: 'enabled',
      },
    },
    antennaConfigs: o.antennas.map((a) => ({
      antennaPort: a.port,
      transmitPowerCdbm: Math.round((a.powerDbm ?? o.powerDbm ?? 30) * 100),
      rfMode: o.rfMode ?? 4,
      inventorySession: session,
      inventorySearchMode: searchMode,
      estimatedTagPopulation: o.tagPopulation ?? 16,
      ...(o.tid ? { fastId: 'enabled' } : {}),
    })),
  };
}

/** The reader's ErrorResponse ({message, invalidPropertyId?, detail?}) as one line; the raw text when it is not one. */
export function errorText(status: number, statusText: string, body: string): string {
  let msg = body.trim().slice(0, 300);
  try {
    const e = JSON.parse(body) as { message?: unknown; invalidPropertyId?: unknown; detail?: unknown };
    if (typeof e.message === 'string') {
      msg = e.message;
      if (typeof e.invalidPropertyId === 'string') msg += ` (property ${e.invalidPropertyId})`;
      if (typeof e.detail === 'string' && e.detail) msg += `: ${e.detail}`;
    }
  } catch {
    // not JSON: the raw text stands
  }
  return `${status} ${statusText}${msg ? `: ${msg}` : ''}`;
}

export type StreamItem =
  | { kind: 'tag'; read: TagRead }
  | { kind: 'gpi'; change: GpiChange }
  | { kind: 'inventory'; running: boolean }
  | { kind: 'keepalive' }
  | { kind: 'other'; eventType: string }
  | { kind: 'bad'; reason: string };

/**
 * One line of the HTTP stream. `offsetMs` is the reader clock minus the gateway's (undefined: not measured yet: the
 * arrival is the time); `sample` receives (reader time, arrival) of each timestamped event to measure it.
 */
export function parseStreamLine(line: string, reader: string, arrivalMs: number, offsetMs: number | undefined, sample?: (readerMs: number, arrivalMs: number) => void): StreamItem {
  const text = line.trim();
  if (text === '') return { kind: 'keepalive' };
  let ev: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { kind: 'bad', reason: 'a stream line that is not a JSON object' };
    ev = parsed as Record<string, unknown>;
  } catch (e) {
    return { kind: 'bad', reason: `a stream line that is not JSON (${(e as Error).message})` };
  }
  const eventType = ev.eventType;
  if (typeof eventType !== 'string') return { kind: 'bad', reason: 'an event without eventType' };
  const stamp = typeof ev.timestamp === 'string' ? Date.parse(ev.timestamp) : NaN;
  if (Number.isFinite(stamp)) sample?.(stamp, arrivalMs);
  const body = ev[`${eventType}Event`];
  if (eventType === 'tagInventory') {
    if (body === null || typeof body !== 'object') return { kind: 'bad', reason: 'tagInventory without tagInventoryEvent' };
    const t = body as Record<string, unknown>;
    const epc = t.epcHex;
    if (typeof epc !== 'string' || !/^(?:[0-9a-fA-F]{2}){1,62}$/.test(epc)) return { kind: 'bad', reason: `tagInventoryEvent.epcHex ${JSON.stringify(epc)?.slice(0, 40)} is not whole bytes of hex` };
    const antenna = t.antennaPort;
    if (typeof antenna !== 'number' || !Number.isInteger(antenna) || antenna < 1 || antenna > 65535) return { kind: 'bad', reason: `tagInventoryEvent.antennaPort ${String(antenna)} is not a port number` };
    const rssi = typeof t.peakRssiCdbm === 'number' ? t.peakRssiCdbm / 100 : NaN;
    const seen = typeof t.lastSeenTime === 'string' ? Date.parse(t.lastSeenTime) : NaN;
    const readerTs = Number.isFinite(seen) ? seen : stamp;
    // at most its arrival: a read happens before it arrives (this event's own sample may be the better offset)
    const ts = Number.isFinite(readerTs) && offsetMs !== undefined ? Math.min(readerTs - offsetMs, arrivalMs) : arrivalMs;
    const read: TagRead = { reader, antenna, epc: epc.toLowerCase(), rssi, ts, arrival: arrivalMs, readerTs, count: 1 };
    if (typeof t.tidHex === 'string' && /^[0-9a-fA-F]+$/.test(t.tidHex)) read.tid = t.tidHex.toLowerCase();
    return { kind: 'tag', read };
  }
  if (eventType === 'gpiTransition') {
    const g = (body ?? {}) as Record<string, unknown>;
    if (typeof g.gpi !== 'number' || (g.transition !== 'low-to-high' && g.transition !== 'high-to-low')) return { kind: 'bad', reason: 'gpiTransitionEvent without gpi and a low-to-high/high-to-low transition' };
    return { kind: 'gpi', change: { reader, port: g.gpi, state: g.transition === 'low-to-high', ts: arrivalMs } };
  }
  if (eventType === 'inventoryStatus') {
    const s = (body ?? {}) as Record<string, unknown>;
    return { kind: 'inventory', running: s.inventoryStatus === 'running' };
  }
  return { kind: 'other', eventType };
}
