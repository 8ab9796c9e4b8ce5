// protocols/epc — reading and writing bit fields of an EPC held as a hex string (the hot path of tag decoding).

const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  NIBBLE[65 + i] = 10 + i;
  NIBBLE[97 + i] = 10 + i;
}

/** Index of the first character of `hex` that is not a hex digit, or -1. */
export function firstNonHex(hex: string): number {
  for (let i = 0; i < hex.length; i++) {
    const c = hex.charCodeAt(i);
    if (c > 127 || NIBBLE[c]! < 0) return i;
  }
  return -1;
}

function nibbleAt(hex: string, i: number): number {
  return NIBBLE[hex.charCodeAt(i)]!;
}

/** Unsigned value of bits [start, start+len) of `hex` (validated beforehand); len <= 53. */
export function bitsAt(hex: string, start: number, len: number): number {
  let v = 0;
  let pos = start;
  const end = start + len;
  while (pos < end) {
    const off = pos & 3;
    const take = Math.min(4 - off, end - pos);
    const bits = (nibbleAt(hex, pos >> 2) >> (4 - off - take)) & ((1 << take) - 1);
    v = v * (1 << take) + bits;
    pos += take;
  }
  return v;
}

/** Like bitsAt for any length, as a BigInt (fields wider than 53 bits: GIAI-96 asset references). */
export function bigBitsAt(hex: string, start: number, len: number): bigint {
  let v = 0n;
  let pos = start;
  const end = start + len;
  while (pos < end) {
    const take = Math.min(48, end - pos);
    v = (v << BigInt(take)) | BigInt(bitsAt(hex, pos, take));
    pos += take;
  }
  return v;
}

/** Whether every bit from `start` to the end of `hex` is zero. */
export function zeroFrom(hex: string, start: number): boolean {
  const total = hex.length * 4;
  let pos = start;
  // the partial nibble first, then whole nibbles
  if (pos & 3 && pos < total) {
    const take = 4 - (pos & 3);
    if (bitsAt(hex, pos, take) !== 0) return false;
    pos += take;
  }
  for (let i = pos >> 2; i < hex.length; i++) if (nibbleAt(hex, i) !== 0) return false;
  return true;
}

/** Accumulates fields MSB-first and renders them as lowercase hex padded with zero bits to a 16-bit word boundary. */
export class BitWriter {
  private value = 0n;
  private length = 0;

  put(value: bigint | number, bits: number): this {
    const v = BigInt(value);
    if (v < 0n || v >= 1n << BigInt(bits)) throw new Error(`BitWriter: ${v} does not fit ${bits} bits`);
    this.value = (this.value << BigInt(bits)) | v;
    this.length += bits;
    return this;
  }

  get bits(): number {
    return this.length;
  }

  /** Hex of the bits written, zero-padded to whole 16-bit words as a tag's EPC memory holds them. */
  toHex(): string {
    const padded = Math.ceil(this.length / 16) * 16;
    return (this.value << BigInt(padded - this.length)).toString(16).padStart(padded / 4, '0');
  }
}
