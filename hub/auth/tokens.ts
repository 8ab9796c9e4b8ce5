// hub/auth — who presents a bearer token: verified once against the configured scrypt hashes (slow on purpose), then
// remembered by the SHA-256 of the presented token so every later request costs one hash and one map lookup.
import { createHash, timingSafeEqual } from 'node:crypto';
import { parseSecretHash, verifySecret, type ParsedHash } from '../../protocols/secrets/secret-hash.js';
import type { ApiRole } from '../config/schema.js';

export interface ApiToken {
  name: string;
  role: ApiRole;
  tokenHash: string;
}

export interface TokenIdentity {
  name: string;
  role: ApiRole;
}

/** Longest token accepted: anything longer is refused before any hashing. */
export const MAX_TOKEN_LENGTH = 512;
/** How many wrong tokens are remembered (so repeating one costs no scrypt); cleared when full. */
const MAX_REMEMBERED_WRONG = 1024;

interface Known extends TokenIdentity {
  digest: Buffer;
}

export class TokenVerifier {
  private readonly tokens: Array<TokenIdentity & { hash: ParsedHash }>;
  private readonly known = new Map<string, Known>();
  private readonly wrong = new Set<string>();
  private readonly inFlight = new Map<string, Promise<TokenIdentity | undefined>>();
  /** Presented tokens checked against the scrypt hashes (the slow path); every other check hit the cache. */
  slowChecks = 0;

  constructor(tokens: readonly ApiToken[]) {
    this.tokens = tokens.map((t) => ({ name: t.name, role: t.role, hash: parseSecretHash(t.tokenHash) }));
  }

  /** Whether any token is configured (without one, the API is open to whoever can reach the loopback address). */
  get enabled(): boolean {
    return this.tokens.length > 0;
  }

  /** The identity the token belongs to, or undefined for a wrong one. */
  async verify(presented: string): Promise<TokenIdentity | undefined> {
    if (presented.length === 0 || presented.length > MAX_TOKEN_LENGTH) return undefined;
    const digest = createHash('sha256').update(presented, 'utf8').digest();
    const key = digest.toString('base64');
    const hit = this.known.get(key);
    // The map is keyed by the digest; the constant-time compare guards the hit itself.
    if (hit) return timingSafeEqual(hit.digest, digest) ? { name: hit.name, role: hit.role } : undefined;
    if (this.wrong.has(key)) return undefined;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.slowVerify(presented, digest, key).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async slowVerify(presented: string, digest: Buffer, key: string): Promise<TokenIdentity | undefined> {
    this.slowChecks++;
    // Every hash is checked (no early exit), so the time taken does not say which token came close.
    const results = await Promise.all(this.tokens.map((t) => verifySecret(presented, t.hash)));
    const i = results.indexOf(true);
    if (i < 0) {
      if (this.wrong.size >= MAX_REMEMBERED_WRONG) this.wrong.clear();
      this.wrong.add(key);
      return undefined;
    }
    const t = this.tokens[i]!;
    this.known.set(key, { name: t.name, role: t.role, digest });
    return { name: t.name, role: t.role };
  }
}
