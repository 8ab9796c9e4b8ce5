// fleet — the REST API's bearer tokens, the hub's model: tokens in config as scrypt hashes
// (`scrypt$N$r$p$<salt b64>$<key b64>`, made by scripts/hash-secret.ts), a role each; viewers read, every request
// else needs operator; the central page's shell and bundle are open (the page signs in for its data). No tokens
// configured: the API is open (the daemon then refuses a non-loopback bind).
import type { FastifyInstance } from 'fastify';
import { verifySecret } from '../protocols/secrets/secret-hash.js';
import type { FleetConfig } from './config.js';
import { PAGE_PATHS } from './page.js';

type Token = FleetConfig['http']['tokens'][number];

/** A token whose hash does not parse never matches (config validation names it). */
const verify = (secret: string, hash: string): Promise<boolean> => verifySecret(secret, hash).catch(() => false);

export function installFleetAuth(app: FastifyInstance, tokens: readonly Token[]): void {
  if (tokens.length === 0) return;
  const cache = new Map<string, Token>();
  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0]!;
    if (path === '/health' || path.startsWith('/docs') || PAGE_PATHS.includes(path)) return;
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!m) return reply.status(401).header('www-authenticate', 'Bearer realm="dockgate-fleet"').send({ statusCode: 401, error: 'Unauthorized', message: 'authentication required: send Authorization: Bearer <token>' });
    let token = cache.get(m[1]!);
    if (!token) {
      for (const t of tokens) if (await verify(m[1]!, t.tokenHash)) token = t;
      if (token) cache.set(m[1]!, token);
    }
    if (!token) return reply.status(401).send({ statusCode: 401, error: 'Unauthorized', message: 'the bearer token is not valid' });
    if (req.method !== 'GET' && token.role === 'viewer') return reply.status(403).send({ statusCode: 403, error: 'Forbidden', message: `token ${token.name} is a viewer: ${req.method} needs operator` });
  });
}
