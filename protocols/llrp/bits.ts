// protocols/llrp — bit-level cursor over bytes: LLRP packs fields MSB first, most byte-aligned, some 1..7 bits wide.
// The reader never throws: it reports running past its end through `overrun`, which callers check once per field.

/**
 * An LLRP u64 (timestamps, Uptime), exact: a number while a double holds it exactly (below 2^53, which µs since the
 * epoch are until the year 2255), a bigint beyond. Decoding never rounds; encoding takes either form.
 */
export type U64 = number | bigint;
export const MAX_U64 = 2n ** 64n - 1n;

/** The exact u64 of two big-endian u32 halves. */
export function u64Of(hi: number, lo: number): U64 {
  return hi < 0x200000 ? hi * 4294967296 + lo : (BigInt(hi) << 32n) | BigInt(lo);
}

/** A u64 as a (possibly rounded) number of the same magnitude, for arithmetic on times. */
export function u64Number(v: U64): number {
  return typeof v === 'number' ? v : Number(v);
}

export class BitReader {
  /** Position in bits from the start of `bytes`. */
  bit: number;
  overrun = false;
  constructor(
    readonly bytes: Uint8Array,
    start: number,
    /** End position in bytes (exclusive). */
    readonly end: number,
  ) {
    this.bit = start * 8;
  }

  get byteOffset(): number {
    return this.bit >>> 3;
  }

  get aligned(): boolean {
    return (this.bit & 7) === 0;
  }

  remainingBytes(): number {
    return this.end - (this.bit >>> 3);
  }

  /** Unsigned read of 1..32 bits. */
  bits(n: number): number {
    if (this.bit + n > this.end * 8) {
      this.overrun = true;
      this.bit = this.end * 8;
      return 0;
    }
    const b = this.bytes;
    if ((this.bit & 7) === 0 && (n & 7) === 0) {
      let p = this.bit >>> 3;
      let v = 0;
      for (let i = 0; i < n; i += 8) v = v * 256 + b[p++]!;
      this.bit += n;
      return v;
    }
    let v = 0;
    for (let i = 0; i < n; i++) {
      const byte = b[this.bit >>> 3]!;
      v = v * 2 + ((byte >>> (7 - (this.bit & 7))) & 1);
      this.bit++;
    }
    return v;
  }

  u64(): U64 {
    const hi = this.bits(32);
    const lo = this.bits(32);
    return u64Of(hi, lo);
  }

  signed(n: number): number {
    const v = this.bits(n);
    return v >= 2 ** (n - 1) ? v - 2 ** n : v;
  }

  /** `n` whole bytes (copied), requires byte alignment. */
  bytesOf(n: number): Uint8Array {
    const p = this.bit >>> 3;
    if ((this.bit & 7) !== 0 || p + n > this.end) {
      this.overrun = true;
      this.bit = this.end * 8;
      return new Uint8Array(0);
    }
    this.bit += n * 8;
    return this.bytes.slice(p, p + n);
  }
}

export class BitWriter {
  private buf: Uint8Array;
  /** Position in bits. */
  bit = 0;
  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
  }

  get length(): number {
    return (this.bit + 7) >>> 3;
  }

  private ensure(extraBits: number): void {
    const need = (this.bit + extraBits + 7) >>> 3;
    if (need <= this.buf.length) return;
    const next = new Uint8Array(Math.max(need, this.buf.length * 2));
    next.set(this.buf);
    this.buf = next;
  }

  /** Unsigned write of 1..32 bits; the value must fit (checked by the caller's schema). */
  bits(n: number, value: number): void {
    this.ensure(n);
    for (let i = n - 1; i >= 0; i--) {
      const bitv = Math.floor(value / 2 ** i) % 2;
      if (bitv) this.buf[this.bit >>> 3]! |= 0x80 >>> (this.bit & 7);
      this.bit++;
    }
  }

  u64(value: U64): void {
    const v = BigInt(value);
    this.bits(32, Number(v >> 32n));
    this.bits(32, Number(v & 0xffffffffn));
  }

  bytes(b: Uint8Array): void {
    if ((this.bit & 7) !== 0) throw new Error('BitWriter.bytes: not byte-aligned');
    this.ensure(b.length * 8);
    this.buf.set(b, this.bit >>> 3);
    this.bit += b.length * 8;
  }

  /** Overwrite a big-endian u16 at a byte offset already written (TLV lengths). */
  patchU16(byteOffset: number, value: number): void {
    this.buf[byteOffset] = value >>> 8;
    this.buf[byteOffset + 1] = value & 0xff;
  }

  patchU32(byteOffset: number, value: number): void {
    this.buf[byteOffset] = value >>> 24;
    this.buf[byteOffset + 1] = (value >>> 16) & 0xff;
    this.buf[byteOffset + 2] = (value >>> 8) & 0xff;
    this.buf[byteOffset + 3] = value & 0xff;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lowercase hex of bytes [start, end). */
export function hexOf(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += HEX[b[i]!];
  return s;
}

/** Bytes of a hex string; undefined when it is not whole bytes of hex. */
export function bytesOfHex(hex: string): Uint8Array | undefined {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}
