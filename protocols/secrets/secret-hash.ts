// protocols/secrets — secrets at rest (gateway MQTT secrets, hub and fleet API tokens): scrypt hashes in config, never the plain secret; constant-time checks. Pure computation, no I/O.
import { randomBytes, scrypt as scryptCb, scryptSync, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Hash format (one line, safe in YAML): `scrypt$N$r$p$<salt base64>$<key base64>`.
 * N=16384, r=8, p=1 costs ~30-60 ms and 16 MiB per check: fine for MQTT connects, ruinous for guessing.
 */
export const SCRYPT_PREFIX = 'scrypt';
const DEFAULTS = { N: 16384, r: 8, p: 1, saltBytes: 16, keyBytes: 32 };

export interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

export class SecretHashError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretHashError';
  }
}

const B64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Parse a stored hash; throws SecretHashError naming what is wrong (config validation calls this). */
export function parseSecretHash(hash: string): ParsedHash {
  const parts = hash.split('$');
  if (parts.length !== 6 || parts[0] !== SCRYPT_PREFIX) {
    throw new SecretHashError('secret hash must look like scrypt$N$r$p$<salt base64>$<key base64> (make one with hashSecret())');
  }
  const [, n, r, p, salt, key] = parts as [string, string, string, string, string, string];
  const N = Number(n);
  const R = Number(r);
  const P = Number(p);
  if (!Number.isInteger(N) || N < 2 || (N & (N - 1)) !== 0 || N > 2 ** 20) throw new SecretHashError(`scrypt N ${n} must be a power of two between 2 and 2^20`);
  if (!Number.isInteger(R) || R < 1 || R > 32) throw new SecretHashError(`scrypt r ${r} must be an integer 1..32`);
  if (!Number.isInteger(P) || P < 1 || P > 16) throw new SecretHashError(`scrypt p ${p} must be an integer 1..16`);
  if (!B64.test(salt) || !B64.test(key)) throw new SecretHashError('salt and key must be base64');
  const saltBuf = Buffer.from(salt, 'base64');
  const keyBuf = Buffer.from(key, 'base64');
  if (saltBuf.length < 8) throw new SecretHashError(`salt of ${saltBuf.length} bytes is too short (at least 8)`);
  if (keyBuf.length < 16) throw new SecretHashError(`key of ${keyBuf.length} bytes is too short (at least 16)`);
  return { N, r: R, p: P, salt: saltBuf, key: keyBuf };
}

function scryptOptions(h: { N: number; r: number; p: number }): ScryptOptions {
  return { N: h.N, r: h.r, p: h.p, maxmem: 128 * h.N * h.r * h.p * 2 };
}

/** Hash a secret for the config file. Synchronous: meant for CLI and tests. */
export function hashSecret(secret: string, cost: { N?: number; r?: number; p?: number } = {}): string {
  if (secret.length === 0) throw new SecretHashError('a secret must not be empty');
  const h = { N: cost.N ?? DEFAULTS.N, r: cost.r ?? DEFAULTS.r, p: cost.p ?? DEFAULTS.p };
  const salt = randomBytes(DEFAULTS.saltBytes);
  const key = scryptSync(secret, salt, DEFAULTS.keyBytes, scryptOptions(h));
  return [SCRYPT_PREFIX, h.N, h.r, h.p, salt.toString('base64'), key.toString('base64')].join('$');
}

/** True when `secret` matches `hash`. Constant-time compare; never throws for a wrong secret (throws for a bad hash). */
export async function verifySecret(secret: string | Buffer, hash: string | ParsedHash): Promise<boolean> {
  const h = typeof hash === 'string' ? parseSecretHash(hash) : hash;
  const key = await new Promise<Buffer>((resolve, reject) => {
    scryptCb(secret, h.salt, h.key.length, scryptOptions(h), (err, derived) => (err ? reject(err) : resolve(derived)));
  });
  return key.length === h.key.length && timingSafeEqual(key, h.key);
}
