// hub/api — Idempotency-Key requests: the first success under a key is kept (a hash of its validated body and its
// answer), so a retry with the same key and the same body answers exactly what the first one did, whatever changed
// since (the clock, a default location, where the units are now); the same key with another body is a 409 naming the
// key. Keys are per route and kept KEEP_DAYS days. Failures are not kept: a retry after a 4xx runs again.
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db, MigrationSet } from '../db/database.js';
import { ApiError } from './errors.js';

export const idempotencyMigrations: MigrationSet = {
  module: 'api-idempotency',
  migrations: [
    {
      version: 1,
      name: 'idempotency keys: the body hash and the answer of the first success under each key, per route',
      sql: `CREATE TABLE idempotency_keys (
        route       TEXT NOT NULL,
        key         TEXT NOT NULL,
        body_sha256 TEXT NOT NULL,   -- of the validated body (schema defaults applied), keys sorted
        status      INTEGER NOT NULL,
        answer      TEXT NOT NULL,   -- JSON
        at_ms       INTEGER NOT NULL,
        PRIMARY KEY (route, key)
      ) WITHOUT ROWID;
      CREATE INDEX idempotency_keys_at ON idempotency_keys (at_ms);`,
    },
  ],
};

/** How long a key's answer is kept; a retry later than that runs again (a move id made from the key still stops a
 * second move). */
export const KEEP_DAYS = 30;

/** JSON with object keys sorted and undefined members left out: the same body in any key order is the same text. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const o = v as Record<string, unknown>;
    return Object.fromEntries(Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
  });
}

function bodyHash(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body ?? null)).digest('hex');
}

/** The request's Idempotency-Key header (the route's header schema already bounds it). */
function idempotencyKeyOf(req: FastifyRequest): string {
  const key = req.headers['idempotency-key'];
  if (typeof key !== 'string' || key === '') throw new ApiError(400, 'Idempotency-Key header is required', 'idempotency-key');
  return key;
}

export interface KeyedAnswer<T> {
  status: number;
  body: T;
  /** true when the answer is the one kept from the first request under this key */
  replayed: boolean;
}

/**
 * Run `work` once per (route, key): in one transaction, answer the kept answer when the key was used with the same
 * body, refuse another body (409, field `idempotency-key`), or run `work` and keep its answer.
 */
export function keyedOnce<T>(db: Db, route: string, key: string, body: unknown, nowMs: number, work: () => { status: number; body: T }): KeyedAnswer<T> {
  const hash = bodyHash(body);
  return db.transaction((): KeyedAnswer<T> => {
    const kept = db.prepare('SELECT body_sha256, status, answer FROM idempotency_keys WHERE route = ? AND key = ?').get(route, key) as
      | { body_sha256: string; status: number; answer: string }
      | undefined;
    if (kept) {
      if (kept.body_sha256 !== hash) {
        throw new ApiError(409, `Idempotency-Key ${JSON.stringify(key)} was already used on ${route} with a different body: a key names one request (send a change under a new key)`, 'idempotency-key');
      }
      return { status: kept.status, body: JSON.parse(kept.answer) as T, replayed: true };
    }
    const done = work();
    // Forget the oldest answers, a few at a time, so the table stays bounded by what KEEP_DAYS of requests hold.
    db.prepare('DELETE FROM idempotency_keys WHERE (route, key) IN (SELECT route, key FROM idempotency_keys WHERE at_ms < ? LIMIT 16)').run(nowMs - KEEP_DAYS * 86_400_000);
    db.prepare('INSERT INTO idempotency_keys (route, key, body_sha256, status, answer, at_ms) VALUES (?, ?, ?, ?, ?, ?)').run(route, key, hash, done.status, JSON.stringify(done.body), nowMs);
    return { ...done, replayed: false };
  })();
}

/**
 * keyedOnce for a route handler: the key from the header, the route's URL pattern as its scope, the validated body.
 * A replay answers with the kept body, 200 where the first answer was 201 (nothing is created twice), and the header
 * `Idempotent-Replayed: true`.
 */
export function answerKeyed<T>(req: FastifyRequest, reply: FastifyReply, db: Db, nowMs: number, work: (key: string) => { status: number; body: T }): FastifyReply {
  const key = idempotencyKeyOf(req);
  const r = keyedOnce(db, req.routeOptions.url ?? req.url, key, req.body, nowMs, () => work(key));
  if (r.replayed) void reply.header('idempotent-replayed', 'true');
  return reply.status(r.replayed && r.status === 201 ? 200 : r.status).send(r.body);
}
