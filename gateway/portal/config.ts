// gateway/portal — the portal engine's configuration: doors and zones, their antennas, sensors and tuning,
// the defaults (from Zebra PORTAL mode, Rifidi, EdgeX app-rfid-llrp-inventory, Impinj ItemSense), and the
// validation that turns a raw object (from YAML or JSON) into a checked config or an error naming the key.
//
// All times are milliseconds; a config file may also write them as strings with a unit: "3s", "500ms", "1.5 s".

export type Side = 'outside' | 'inside';

export interface PortalAntenna {
  reader: string;
  /** LLRP AntennaID, 1-based. */
  antenna: number;
  /** `outside` = dock side, `inside` = warehouse side. Zones ignore it. */
  side?: Side;
}

export interface GpiPort {
  reader: string;
  port: number;
}

export interface DoorSensors {
  /** The door's open/closed contact. `openState`: the GPI level that means open (default true). */
  door?: GpiPort & { openState?: boolean };
  /** Photo-eye on the dock side. `brokenState`: the GPI level that means the beam is broken (default true). */
  beamOutside?: GpiPort & { brokenState?: boolean };
  /** Photo-eye on the warehouse side. */
  beamInside?: GpiPort & { brokenState?: boolean };
}

/** The tuning of one door; every field has a default and may be overridden per door. */
export interface PortalParams {
  /** Reads (at or above minRssi) needed within `window` to accept a tag. */
  minReads: number;
  /** ms. */
  window: number;
  /** dBm; reads below it do not count towards acceptance. */
  minRssi: number;
  /** ms without a read that end a passage. */
  absence: number;
  /** ms a tag must stay unread after a passage before its reads can start a new one. */
  rearm: number;
  /** dB by which the best door's mean RSSI must beat the runner-up's to take a cross-read tag. */
  margin: number;
  /** ms a passage whose door is not settled waits for more evidence beyond `absence`. */
  hold: number;
  /** ms after the last new tag (once the door closed / beams cleared) that a gated read cycle ends. */
  settle: number;
  /** Emit `tag.arrive` when a tag is accepted at a door (latency over certainty). Zones always do. */
  earlyArrive: boolean;
  /** Direction confidence (0..1) below which the direction is `unknown`. */
  minDirectionConfidence: number;
  /** ms between the two beam breaks that still make one crossing. */
  beamWindow: number;
  /** ms: a beam crossing this close to a tag's own door-crossing time (from RSSI) is that tag's. */
  beamMatch: number;
}

export interface DoorConfig extends Partial<PortalParams> {
  /** Door or zone id, `[a-z0-9-]+`. */
  id: string;
  /** `door` has direction (outside/inside antennas); `zone` only arrive/depart. Default `door`. */
  kind?: 'door' | 'zone';
  antennas: PortalAntenna[];
  sensors?: DoorSensors;
}

export interface PortalConfig {
  doors: DoorConfig[];
  /** Overrides of the built-in defaults for every door. */
  defaults?: Partial<PortalParams>;
  /** Cap on tags tracked at once (open passages, pending tags and re-arm cool-downs). */
  maxTrackedTags?: number;
}

/** Defaults from the anchors: 2 reads (Rifidi, ItemSense), 3 s absence and settle (Zebra PORTAL), 6 dB (EdgeX). */
export const DEFAULT_PARAMS: Readonly<PortalParams> = Object.freeze({
  minReads: 2,
  window: 2000,
  minRssi: -80,
  absence: 3000,
  rearm: 10_000,
  margin: 6,
  hold: 3000,
  settle: 3000,
  earlyArrive: false,
  minDirectionConfidence: 0.5,
  beamWindow: 5000,
  beamMatch: 1500,
});

export const DEFAULT_MAX_TRACKED_TAGS = 50_000;

/** A door with every parameter resolved. */
export interface ResolvedDoor extends PortalParams {
  id: string;
  kind: 'door' | 'zone';
  antennas: { reader: string; antenna: number; side: Side | undefined }[];
  sensors: {
    door?: { reader: string; port: number; openState: boolean };
    beamOutside?: { reader: string; port: number; brokenState: boolean };
    beamInside?: { reader: string; port: number; brokenState: boolean };
  };
}

export interface ResolvedPortalConfig {
  doors: ResolvedDoor[];
  maxTrackedTags: number;
}

export class PortalConfigError extends Error {
  constructor(
    /** Where in the config, e.g. `doors[1].antennas[0].side`. */
    readonly path: string,
    problem: string,
  ) {
    super(`portal config ${path}: ${problem}`);
    this.name = 'PortalConfigError';
  }
}

const ID_RE = /^[a-z0-9-]+$/;
const DURATION_RE = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/;
const PARAM_KEYS = Object.keys(DEFAULT_PARAMS) as (keyof PortalParams)[];
const DURATION_KEYS = new Set<keyof PortalParams>(['window', 'absence', 'rearm', 'hold', 'settle', 'beamWindow', 'beamMatch']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** "3s" → 3000, "500ms" → 500, "2m" → 120000, 250 → 250. */
export function parseDuration(v: unknown, path: string): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) throw new PortalConfigError(path, `must be a non-negative duration in ms, got ${v}`);
    return v;
  }
  if (typeof v === 'string') {
    const m = DURATION_RE.exec(v);
    if (m) {
      const n = Number(m[1]);
      const unit = m[2] ?? 'ms';
      return unit === 'ms' ? n : unit === 's' ? n * 1000 : n * 60_000;
    }
  }
  throw new PortalConfigError(path, `must be a duration (ms number, or "3s", "500ms"), got ${JSON.stringify(v)}`);
}

function checkParam(key: keyof PortalParams, v: unknown, path: string): number | boolean {
  if (DURATION_KEYS.has(key)) return parseDuration(v, path);
  switch (key) {
    case 'minReads':
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 1000)
        throw new PortalConfigError(path, `must be an integer 1..1000, got ${JSON.stringify(v)}`);
      return v;
    case 'minRssi':
      if (typeof v !== 'number' || !Number.isFinite(v) || v < -150 || v > 50)
        throw new PortalConfigError(path, `must be dBm in -150..50, got ${JSON.stringify(v)}`);
      return v;
    case 'margin':
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 100)
        throw new PortalConfigError(path, `must be dB in 0..100, got ${JSON.stringify(v)}`);
      return v;
    case 'minDirectionConfidence':
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new PortalConfigError(path, `must be in 0..1, got ${JSON.stringify(v)}`);
      return v;
    case 'earlyArrive':
      if (typeof v !== 'boolean') throw new PortalConfigError(path, `must be true or false, got ${JSON.stringify(v)}`);
      return v;
    default:
      throw new PortalConfigError(path, 'unknown parameter');
  }
}

function readParams(raw: Record<string, unknown>, path: string, base: PortalParams, allowed: Set<string>): PortalParams {
  const out: PortalParams = { ...base };
  for (const k of Object.keys(raw)) {
    if (!allowed.has(k)) throw new PortalConfigError(`${path}${path ? '.' : ''}${k}`, `unknown key (known: ${[...allowed].join(', ')})`);
    if (!(PARAM_KEYS as string[]).includes(k)) continue;
    const key = k as keyof PortalParams;
    (out as unknown as Record<string, number | boolean>)[key] = checkParam(key, raw[k], `${path}${path ? '.' : ''}${k}`);
  }
  return out;
}

function readId(v: unknown, path: string): string {
  if (typeof v !== 'string' || !ID_RE.test(v) || v.length > 64) throw new PortalConfigError(path, `must be an id [a-z0-9-]+, got ${JSON.stringify(v)}`);
  return v;
}

function readPort(v: unknown, path: string, what: 'antenna' | 'port'): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535)
    throw new PortalConfigError(path, `must be an integer ${what} number 1..65535, got ${JSON.stringify(v)}`);
  return v;
}

function readGpi(v: unknown, path: string, levelKey: 'openState' | 'brokenState'): { reader: string; port: number; level: boolean } {
  if (!isObject(v)) throw new PortalConfigError(path, 'must be an object { reader, port }');
  for (const k of Object.keys(v))
    if (k !== 'reader' && k !== 'port' && k !== levelKey) throw new PortalConfigError(`${path}.${k}`, `unknown key (known: reader, port, ${levelKey})`);
  const level = v[levelKey] ?? true;
  if (typeof level !== 'boolean') throw new PortalConfigError(`${path}.${levelKey}`, `must be true or false, got ${JSON.stringify(level)}`);
  return { reader: readId(v.reader, `${path}.reader`), port: readPort(v.port, `${path}.port`, 'port'), level };
}

const DOOR_KEYS = new Set(['id', 'kind', 'antennas', 'sensors', ...PARAM_KEYS]);

/**
 * Check a raw portal config (parsed YAML/JSON) and fill in defaults. Throws `PortalConfigError` naming the key.
 * Rejects: unknown keys, bad ids, duplicate door ids, an antenna or GPI port claimed twice, a door without
 * both an outside and an inside antenna, a door with only one photo-eye.
 */
export function resolvePortalConfig(raw: unknown): ResolvedPortalConfig {
  if (!isObject(raw)) throw new PortalConfigError('(root)', 'must be an object with a `doors` list');
  for (const k of Object.keys(raw))
    if (k !== 'doors' && k !== 'defaults' && k !== 'maxTrackedTags') throw new PortalConfigError(k, 'unknown key (known: doors, defaults, maxTrackedTags)');
  const base =
    raw.defaults === undefined
      ? { ...DEFAULT_PARAMS }
      : isObject(raw.defaults)
        ? readParams(raw.defaults, 'defaults', { ...DEFAULT_PARAMS }, new Set(PARAM_KEYS))
        : (() => {
            throw new PortalConfigError('defaults', 'must be an object of parameters');
          })();
  let maxTrackedTags = DEFAULT_MAX_TRACKED_TAGS;
  if (raw.maxTrackedTags !== undefined) {
    const m = raw.maxTrackedTags;
    if (typeof m !== 'number' || !Number.isInteger(m) || m < 1 || m > 10_000_000)
      throw new PortalConfigError('maxTrackedTags', `must be an integer 1..10000000, got ${JSON.stringify(m)}`);
    maxTrackedTags = m;
  }
  if (!Array.isArray(raw.doors) || raw.doors.length === 0) throw new PortalConfigError('doors', 'must be a non-empty list');
  if (raw.doors.length > 1000) throw new PortalConfigError('doors', 'more than 1000 doors');
  const ids = new Set<string>();
  const antennaOwner = new Map<string, string>();
  const gpiOwner = new Map<string, string>();
  const doors: ResolvedDoor[] = raw.doors.map((d: unknown, i: number): ResolvedDoor => {
    const p = `doors[${i}]`;
    if (!isObject(d)) throw new PortalConfigError(p, 'must be an object');
    const params = readParams(d, p, base, DOOR_KEYS);
    const id = readId(d.id, `${p}.id`);
    if (ids.has(id)) throw new PortalConfigError(`${p}.id`, `duplicate door id "${id}"`);
    ids.add(id);
    const kind = d.kind ?? 'door';
    if (kind !== 'door' && kind !== 'zone') throw new PortalConfigError(`${p}.kind`, `must be 'door' or 'zone', got ${JSON.stringify(kind)}`);
    if (!Array.isArray(d.antennas) || d.antennas.length === 0) throw new PortalConfigError(`${p}.antennas`, 'must be a non-empty list');
    if (d.antennas.length > 64) throw new PortalConfigError(`${p}.antennas`, 'more than 64 antennas');
    const antennas = d.antennas.map((a: unknown, j: number) => {
      const ap = `${p}.antennas[${j}]`;
      if (!isObject(a)) throw new PortalConfigError(ap, 'must be an object { reader, antenna, side }');
      for (const k of Object.keys(a))
        if (k !== 'reader' && k !== 'antenna' && k !== 'side') throw new PortalConfigError(`${ap}.${k}`, 'unknown key (known: reader, antenna, side)');
      const reader = readId(a.reader, `${ap}.reader`);
      const antenna = readPort(a.antenna, `${ap}.antenna`, 'antenna');
      let side: Side | undefined;
      if (kind === 'door' || a.side !== undefined) {
        if (a.side !== 'outside' && a.side !== 'inside')
          throw new PortalConfigError(`${ap}.side`, `must be 'outside' or 'inside', got ${JSON.stringify(a.side)}`);
        side = a.side;
      }
      const key = `${reader}#${antenna}`;
      const owner = antennaOwner.get(key);
      if (owner !== undefined) throw new PortalConfigError(ap, `antenna ${antenna} of reader "${reader}" already belongs to ${owner}`);
      antennaOwner.set(key, id);
      return { reader, antenna, side };
    });
    if (kind === 'door' && (!antennas.some((a) => a.side === 'outside') || !antennas.some((a) => a.side === 'inside')))
      throw new PortalConfigError(`${p}.antennas`, 'a door needs at least one outside and one inside antenna (use kind: zone for a read zone)');
    const sensors: ResolvedDoor['sensors'] = {};
    if (d.sensors !== undefined) {
      const sp = `${p}.sensors`;
      if (!isObject(d.sensors)) throw new PortalConfigError(sp, 'must be an object { door?, beamOutside?, beamInside? }');
      for (const k of Object.keys(d.sensors)) {
        if (k !== 'door' && k !== 'beamOutside' && k !== 'beamInside')
          throw new PortalConfigError(`${sp}.${k}`, 'unknown key (known: door, beamOutside, beamInside)');
        const g = readGpi(d.sensors[k], `${sp}.${k}`, k === 'door' ? 'openState' : 'brokenState');
        const key = `${g.reader}#${g.port}`;
        const owner = gpiOwner.get(key);
        if (owner !== undefined) throw new PortalConfigError(`${sp}.${k}`, `GPI ${g.port} of reader "${g.reader}" already used by ${owner}`);
        gpiOwner.set(key, `${id}.${k}`);
        if (k === 'door') sensors.door = { reader: g.reader, port: g.port, openState: g.level };
        else sensors[k as 'beamOutside' | 'beamInside'] = { reader: g.reader, port: g.port, brokenState: g.level };
      }
      if ((sensors.beamOutside === undefined) !== (sensors.beamInside === undefined))
        throw new PortalConfigError(sp, 'photo-eyes come in pairs: set both beamOutside and beamInside, or neither');
      if (kind === 'zone' && sensors.beamOutside) throw new PortalConfigError(sp, 'a zone has no direction: photo-eyes belong to doors');
    }
    return { id, kind, antennas, sensors, ...params };
  });
  return { doors, maxTrackedTags };
}
