// protocols/llrp — generic, table-driven encode and decode of LLRP messages and parameters (everything except the
// RO_ACCESS_REPORT hot path, see report.ts). Decoding wire bytes never throws: it returns a Result. Encoding is fed
// by our own code, so a value that does not fit its field throws an LlrpError naming the field.
import { BitReader, BitWriter, MAX_U64, bytesOfHex, hexOf, type U64 } from './bits.js';
import { HEADER_LENGTH, LLRP_VERSION_1_0_1, TV_LENGTH } from './constants.js';
import { LlrpError, fail, ok, type Result } from './errors.js';
import { readHeader, writeHeader } from './header.js';
import { MESSAGE_BY_NAME, MESSAGE_DEFS, PARAM_BY_NAME, PARAM_DEFS, type ElementDef, type FieldDef } from './schema.js';

/** A parameter the codec does not know (or that is out of place), kept whole: header and value. */
export interface RawParam {
  type: number;
  tv: boolean;
  /** The whole parameter as on the wire, header included. */
  bytes: Uint8Array;
}

export type LlrpValue =
  | number
  | bigint
  | boolean
  | string
  | Uint8Array
  | number[]
  | LlrpObject
  | LlrpObject[]
  | RawParam[]
  | undefined;

/**
 * A decoded parameter or message body: fields by their standard names (u1 → boolean, u64 → exact integer: a number
 * up to 2^53 - 1, a bigint beyond (see U64 in bits.ts),
 * u96/u1v → lowercase hex with a `<Name>Bits` sibling for u1v, u8v/bytesToEnd → bytes, u16v/u32v → number[],
 * utf8v → string); sub-parameters by slot name (a single one → object or absent, a repeated one → array, possibly
 * empty). A choice slot's objects carry `param` with their parameter name. `unknown` keeps raw parameters.
 */
export interface LlrpObject {
  [key: string]: LlrpValue;
}

export interface LlrpMessage {
  version: number;
  type: number;
  /** Standard message name, or `MESSAGE_<type>` for a type the codec does not know. */
  name: string;
  id: number;
  body: LlrpObject;
}

const MAX_DEPTH = 32;
const utf8 = new TextDecoder('utf-8', { fatal: false });
const utf8Encoder = new TextEncoder();

// ---------------------------------------------------------------- decode

function decodeFields(def: ElementDef, r: BitReader, out: LlrpObject): LlrpError | undefined {
  for (const f of def.fields) {
    const at = r.byteOffset;
    switch (f.type) {
      case 'reserved':
        r.bits(f.bits);
        break;
      case 'u1':
        out[f.name] = r.bits(1) === 1;
        break;
      case 'u2':
      case 'u8':
      case 'u16':
      case 'u32':
        out[f.name] = r.bits(f.bits);
        break;
      case 's8':
      case 's16':
      case 's32':
        out[f.name] = r.signed(f.bits);
        break;
      case 'u64':
        out[f.name] = r.u64();
        break;
      case 'u96': {
        const b = r.bytesOf(12);
        out[f.name] = hexOf(b, 0, b.length);
        break;
      }
      case 'u1v': {
        const nbits = r.bits(16);
        const b = r.bytesOf((nbits + 7) >>> 3);
        out[f.name] = hexOf(b, 0, b.length);
        out[f.name + 'Bits'] = nbits;
        break;
      }
      case 'u8v': {
        const n = r.bits(16);
        out[f.name] = r.bytesOf(n);
        break;
      }
      case 'u16v':
      case 'u32v': {
        const n = r.bits(16);
        const w = f.type === 'u16v' ? 16 : 32;
        if (r.remainingBytes() < (n * w) / 8) {
          r.overrun = true;
          break;
        }
        const arr: number[] = new Array(n);
        for (let i = 0; i < n; i++) arr[i] = r.bits(w);
        out[f.name] = arr;
        break;
      }
      case 'utf8v': {
        const n = r.bits(16);
        const b = r.bytesOf(n);
        out[f.name] = utf8.decode(b);
        break;
      }
      case 'bytesToEnd':
        out[f.name] = r.bytesOf(Math.max(0, r.remainingBytes()));
        break;
    }
    if (r.overrun) {
      return new LlrpError('truncated', `${def.name}.${f.name || 'reserved'} (${f.type}) runs past the end of ${def.name}`, at);
    }
  }
  if (!r.aligned) return new LlrpError('bad-field', `${def.name}: fields do not end on a byte boundary`, r.byteOffset);
  return undefined;
}

/** Decode the sub-parameters in bytes [pos, end) into `out` according to `def`'s slots. */
function decodeParams(def: ElementDef, b: Uint8Array, pos: number, end: number, out: LlrpObject, depth: number): LlrpError | undefined {
  if (depth > MAX_DEPTH) return new LlrpError('bad-length', `parameters nested deeper than ${MAX_DEPTH}`, pos);
  for (const slot of def.slots) if (slot.many) out[slot.name] = [];
  while (pos < end) {
    const first = b[pos]!;
    let type: number;
    let valueStart: number;
    let next: number;
    let tv: boolean;
    if (first & 0x80) {
      tv = true;
      type = first & 0x7f;
      const len = TV_LENGTH[type]!;
      if (len === 0) return new LlrpError('unknown-tv', `unknown TV parameter type ${type} in ${def.name}`, pos);
      valueStart = pos + 1;
      next = valueStart + len;
      if (next > end) return new LlrpError('truncated', `TV parameter type ${type} runs past the end of ${def.name}`, pos);
    } else {
      tv = false;
      if (pos + 4 > end) return new LlrpError('truncated', `parameter header runs past the end of ${def.name}`, pos);
      type = ((first & 0x03) << 8) | b[pos + 1]!;
      const len = (b[pos + 2]! << 8) | b[pos + 3]!;
      if (len < 4) return new LlrpError('bad-length', `TLV parameter type ${type} has length ${len} < 4`, pos);
      next = pos + len;
      if (next > end) {
        return new LlrpError('truncated', `TLV parameter type ${type} length ${len} runs past the end of ${def.name}`, pos);
      }
      valueStart = pos + 4;
    }
    const pdef = PARAM_DEFS.get(type);
    const slotIndex = def.slotOf.get(type);
    if (!pdef || slotIndex === undefined || pdef.tv !== tv) {
      const unknown = (out.unknown as RawParam[] | undefined) ?? (out.unknown = []);
      unknown.push({ type, tv, bytes: b.slice(pos, next) });
    } else {
      const value: LlrpObject = {};
      const slot = def.slots[slotIndex]!;
      if (slot.choice) value.param = pdef.name;
      const r = new BitReader(b, valueStart, next);
      const err = decodeFields(pdef, r, value) ?? decodeParams(pdef, b, r.byteOffset, next, value, depth + 1);
      if (err) return err;
      if (slot.many) (out[slot.name] as LlrpObject[]).push(value);
      else if (out[slot.name] === undefined) out[slot.name] = value;
      else {
        const unknown = (out.unknown as RawParam[] | undefined) ?? (out.unknown = []);
        unknown.push({ type, tv, bytes: b.slice(pos, next) }); // a duplicate of a single slot: kept, not merged
      }
    }
    pos = next;
  }
  return undefined;
}

/** Decode the body of a message of `type` from bytes [start, end) (the 10-byte header excluded). */
export function decodeBody(type: number, b: Uint8Array, start = 0, end = b.length): Result<LlrpObject> {
  const def = MESSAGE_DEFS.get(type);
  if (!def) return ok({ unknown: [{ type, tv: false, bytes: b.slice(start, end) }] });
  const body: LlrpObject = {};
  const r = new BitReader(b, start, end);
  const err = decodeFields(def, r, body) ?? decodeParams(def, b, r.byteOffset, end, body, 0);
  return err ? { ok: false, error: err } : ok(body);
}

/** Decode one whole message (header included, as the frame splitter yields it). */
export function decodeMessage(frame: Uint8Array): Result<LlrpMessage> {
  const h = readHeader(frame, 0);
  if (!h.ok) return h;
  const { version, type, length, id } = h.value;
  if (length !== frame.length) return fail('bad-length', `message length field ${length} but frame has ${frame.length} bytes`, 2);
  const body = decodeBody(type, frame, HEADER_LENGTH, length);
  if (!body.ok) return body;
  return ok({ version, type, id, name: MESSAGE_DEFS.get(type)?.name ?? `MESSAGE_${type}`, body: body.value });
}

/** Decode one parameter (header included) as a standalone value; used by tests and tools. */
export function decodeParameter(b: Uint8Array): Result<LlrpObject & { param: string }> {
  const holder: ElementDef = {
    name: '(top)',
    type: -1,
    isMessage: false,
    tv: false,
    fields: [],
    slots: [{ name: 'p', params: [], choice: true, min: 0, many: false }],
    slotOf: new Map([...PARAM_DEFS.keys()].map((t) => [t, 0])),
  };
  const out: LlrpObject = {};
  const err = decodeParams(holder, b, 0, b.length, out, 0);
  if (err) return { ok: false, error: err };
  if (!out.p) return fail('unexpected', 'no known parameter in the bytes');
  return ok(out.p as LlrpObject & { param: string });
}

// ---------------------------------------------------------------- encode

function fieldError(def: ElementDef, f: FieldDef, v: unknown): LlrpError {
  return new LlrpError('bad-field', `${def.name}.${f.name}: ${typeof v === 'bigint' ? `${v}n` : JSON.stringify(v)} does not fit ${f.type}`);
}

function checkUint(def: ElementDef, f: FieldDef, v: unknown, bits: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= 2 ** bits) throw fieldError(def, f, v);
  return v;
}

/** A u64 field: a bigint in [0, 2^64), or a number that is a safe integer (beyond 2^53 a double is not exact). */
function checkU64(def: ElementDef, f: FieldDef, v: unknown): U64 {
  if (typeof v === 'bigint' ? v < 0n || v > MAX_U64 : typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw fieldError(def, f, v);
  return v as U64;
}

function encodeFields(def: ElementDef, w: BitWriter, value: LlrpObject): void {
  for (const f of def.fields) {
    const v = f.type === 'reserved' ? undefined : (value[f.name] ?? defaultOf(f));
    switch (f.type) {
      case 'reserved':
        w.bits(f.bits, 0);
        break;
      case 'u1':
        w.bits(1, v === true || v === 1 ? 1 : 0);
        break;
      case 'u2':
      case 'u8':
      case 'u16':
      case 'u32':
        w.bits(f.bits, checkUint(def, f, v, f.bits));
        break;
      case 's8':
      case 's16':
      case 's32': {
        const half = 2 ** (f.bits - 1);
        if (typeof v !== 'number' || !Number.isInteger(v) || v < -half || v >= half) throw fieldError(def, f, v);
        w.bits(f.bits, v < 0 ? v + 2 ** f.bits : v);
        break;
      }
      case 'u64':
        w.u64(checkU64(def, f, v));
        break;
      case 'u96': {
        const b = typeof v === 'string' ? bytesOfHex(v) : undefined;
        if (!b || b.length !== 12) throw fieldError(def, f, v);
        w.bytes(b);
        break;
      }
      case 'u1v': {
        const b = typeof v === 'string' ? bytesOfHex(v) : undefined;
        if (!b) throw fieldError(def, f, v);
        const nbits = (value[f.name + 'Bits'] as number | undefined) ?? b.length * 8;
        if (((nbits + 7) >>> 3) !== b.length || nbits > 0xffff) throw fieldError(def, f, v);
        w.bits(16, nbits);
        w.bytes(b);
        break;
      }
      case 'u8v':
      case 'bytesToEnd': {
        if (!(v instanceof Uint8Array) || v.length > 0xffff) throw fieldError(def, f, v);
        if (f.type === 'u8v') w.bits(16, v.length);
        w.bytes(v);
        break;
      }
      case 'u16v':
      case 'u32v': {
        if (!Array.isArray(v) || v.length > 0xffff) throw fieldError(def, f, v);
        const bits = f.type === 'u16v' ? 16 : 32;
        w.bits(16, v.length);
        for (const x of v) w.bits(bits, checkUint(def, f, x, bits));
        break;
      }
      case 'utf8v': {
        if (typeof v !== 'string') throw fieldError(def, f, v);
        const b = utf8Encoder.encode(v);
        if (b.length > 0xffff) throw fieldError(def, f, v);
        w.bits(16, b.length);
        w.bytes(b);
        break;
      }
    }
  }
  if (w.bit % 8 !== 0) throw new LlrpError('bad-field', `${def.name}: fields do not end on a byte boundary`);
}

function defaultOf(f: FieldDef): LlrpValue {
  switch (f.type) {
    case 'u1':
      return false;
    case 'u8v':
    case 'bytesToEnd':
      return new Uint8Array(0);
    case 'u16v':
    case 'u32v':
      return [];
    case 'utf8v':
    case 'u1v':
      return '';
    case 'u96':
      return undefined;
    default:
      return 0;
  }
}

function encodeParam(w: BitWriter, pdef: ElementDef, value: LlrpObject): void {
  const start = w.length;
  if (pdef.tv) {
    w.bits(8, 0x80 | pdef.type);
    encodeFields(pdef, w, value);
    return;
  }
  w.bits(16, pdef.type);
  w.bits(16, 0); // length, patched below
  encodeFields(pdef, w, value);
  encodeSlots(w, pdef, value);
  const len = w.length - start;
  if (len > 0xffff) throw new LlrpError('bad-field', `${pdef.name}: encoded length ${len} exceeds 65535`);
  w.patchU16(start + 2, len);
}

function encodeSlots(w: BitWriter, def: ElementDef, value: LlrpObject): void {
  for (const slot of def.slots) {
    const v = value[slot.name];
    const list = v === undefined ? [] : Array.isArray(v) ? (v as LlrpObject[]) : [v as LlrpObject];
    if (list.length < slot.min) throw new LlrpError('bad-field', `${def.name}: missing required ${slot.name}`);
    if (!slot.many && list.length > 1) throw new LlrpError('bad-field', `${def.name}: ${slot.name} given ${list.length} times`);
    for (const item of list) {
      const pname = slot.choice ? (item.param as string | undefined) : slot.params[0];
      if (!pname || !slot.params.includes(pname)) {
        throw new LlrpError('bad-field', `${def.name}.${slot.name}: choice needs param = one of ${slot.params.join('|')}`);
      }
      encodeParam(w, PARAM_BY_NAME.get(pname)!, item);
    }
  }
  const raws = value.unknown as RawParam[] | undefined;
  if (raws) for (const raw of raws) w.bytes(raw.bytes);
}

/** Encode one parameter (e.g. for building test frames). */
export function encodeParameter(name: string, value: LlrpObject): Uint8Array {
  const pdef = PARAM_BY_NAME.get(name);
  if (!pdef) throw new LlrpError('bad-field', `unknown parameter ${name}`);
  const w = new BitWriter(64);
  encodeParam(w, pdef, value);
  return w.finish();
}

/** Encode a whole message: header (version 1 = LLRP 1.0.1 by default) and body. */
export function encodeMessage(name: string, id: number, body: LlrpObject = {}, version = LLRP_VERSION_1_0_1): Uint8Array {
  const def = MESSAGE_BY_NAME.get(name);
  if (!def) throw new LlrpError('bad-field', `unknown message ${name}`);
  const w = new BitWriter(128);
  w.bits(32, 0);
  w.bits(32, 0);
  w.bits(16, 0); // header placeholder
  encodeFields(def, w, body);
  encodeSlots(w, def, body);
  const out = w.finish();
  writeHeader(out, 0, version, def.type, out.length, id);
  return out;
}
