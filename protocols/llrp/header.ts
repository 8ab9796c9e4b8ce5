// protocols/llrp — the 10-byte message header: 3 reserved bits, 3-bit version (1 = LLRP 1.0.1, 2 = LLRP 1.1),
// 10-bit message type, 32-bit length (header included), 32-bit message id.
import { HEADER_LENGTH } from './constants.js';
import { fail, ok, type Result } from './errors.js';

export interface Header {
  version: number;
  type: number;
  length: number;
  id: number;
}

/** Read a header at `off`; the caller guarantees 10 bytes are there. Validates version and length. */
export function readHeader(b: Uint8Array, off: number): Result<Header> {
  if (b.length - off < HEADER_LENGTH) return fail('truncated', `message header needs ${HEADER_LENGTH} bytes`, off);
  const version = (b[off]! >>> 2) & 0x07;
  const type = ((b[off]! & 0x03) << 8) | b[off + 1]!;
  const length = ((b[off + 2]! << 24) >>> 0) + (b[off + 3]! << 16) + (b[off + 4]! << 8) + b[off + 5]!;
  const id = ((b[off + 6]! << 24) >>> 0) + (b[off + 7]! << 16) + (b[off + 8]! << 8) + b[off + 9]!;
  if (version !== 1 && version !== 2) return fail('bad-header', `unsupported LLRP version ${version} in message header`, off);
  if (length < HEADER_LENGTH) return fail('bad-header', `message length ${length} is shorter than its header`, off + 2);
  return ok({ version, type, length, id });
}

export function writeHeader(b: Uint8Array, off: number, version: number, type: number, length: number, id: number): void {
  if (version < 0 || version > 7 || type < 0 || type > 1023) throw new RangeError(`bad LLRP header version ${version} type ${type}`);
  b[off] = (version << 2) | (type >>> 8);
  b[off + 1] = type & 0xff;
  b[off + 2] = length >>> 24;
  b[off + 3] = (length >>> 16) & 0xff;
  b[off + 4] = (length >>> 8) & 0xff;
  b[off + 5] = length & 0xff;
  b[off + 6] = id >>> 24;
  b[off + 7] = (id >>> 16) & 0xff;
  b[off + 8] = (id >>> 8) & 0xff;
  b[off + 9] = id & 0xff;
}

/** Message type of a whole frame (no validation: the splitter validated it). */
export function frameType(frame: Uint8Array): number {
  return ((frame[0]! & 0x03) << 8) | frame[1]!;
}

export function frameId(frame: Uint8Array): number {
  return ((frame[6]! << 24) >>> 0) + (frame[7]! << 16) + (frame[8]! << 8) + frame[9]!;
}
