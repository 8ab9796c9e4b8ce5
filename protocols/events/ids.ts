// protocols/events — event ids: UUIDv7 (RFC 9562), unique without coordination, sorting by creation time.
import { randomFillSync } from 'node:crypto';

const POOL_SIZE = 16 * 256;
const pool = new Uint8Array(POOL_SIZE);
let poolOffset = POOL_SIZE;
let lastMs = -1;
let counter = 0; // 12-bit rand_a used as a monotonic counter within one millisecond

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));

function randomBytes16(): Uint8Array {
  if (poolOffset + 16 > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const out = pool.subarray(poolOffset, poolOffset + 16);
  poolOffset += 16;
  return out;
}

/**
 * A new UUIDv7. Within one process ids are strictly increasing (a 12-bit counter orders ids made in the
 * same millisecond; if it overflows the timestamp is advanced by one ms rather than breaking the order).
 * `nowMs` is injectable for tests.
 */
export function newEventId(nowMs: number = Date.now()): string {
  let ms = Math.floor(nowMs);
  if (ms <= lastMs) {
    ms = lastMs;
    counter++;
    if (counter > 0xfff) {
      ms = lastMs + 1;
      counter = 0;
    }
  } else {
    counter = 0;
  }
  lastMs = ms;
  const r = randomBytes16();
  const b = new Uint8Array(16);
  // 48-bit big-endian unix ms
  b[0] = Math.floor(ms / 2 ** 40) & 0xff;
  b[1] = Math.floor(ms / 2 ** 32) & 0xff;
  b[2] = (ms >>> 24) & 0xff;
  b[3] = (ms >>> 16) & 0xff;
  b[4] = (ms >>> 8) & 0xff;
  b[5] = ms & 0xff;
  b[6] = 0x70 | ((counter >>> 8) & 0x0f);
  b[7] = counter & 0xff;
  b[8] = 0x80 | (r[8]! & 0x3f);
  for (let i = 9; i < 16; i++) b[i] = r[i]!;
  let s = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
    s += HEX[b[i]!];
  }
  return s;
}

/** The creation time (ms since epoch) encoded in a UUIDv7. */
export function eventIdTime(id: string): number {
  const hex = id.slice(0, 8) + id.slice(9, 13);
  return parseInt(hex, 16);
}
