// hub/auth — the REST API's door: a bearer token from the Authorization header, its role checked against what the
// route needs (401 no or wrong token, 403 a token whose role is too small, 429 too many wrong tokens from one address),
// and the token's name set as the acting user (`request.actor`) for the audit trail.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../protocols/logging/index.js';
import { errorBody } from '../api/errors.js';
import type { ApiRole } from '../config/schema.js';
import { requiredAccess, roleAllows, type Access } from './policy.js';
import { AuthFailureLimiter, type FailureLimit } from './rate-limit.js';
import { TokenVerifier, type ApiToken } from './tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The role of the token the request came with (unset when no tokens are configured). */
    apiRole?: ApiRole;
  }
  interface FastifyContextConfig {
    /** What the route needs, when the path-based policy (hub/auth/policy.ts) is not right for it. */
    access?: Access;
  }
}

export interface AuthOptions {
  tokens: readonly ApiToken[];
  failureLimit: FailureLimit;
  clock: () => number;
  log: Logger;
}

const BEARER = /^Bearer[ ]+([^\s]+)\s*$/i;

function refuse(reply: FastifyReply, status: 401 | 403 | 429, message: string): FastifyReply {
  if (status === 401) void reply.header('www-authenticate', 'Bearer realm="dockgate"');
  return reply.status(status).send(errorBody(status, message));
}

/** Install the auth hook on the root instance; call before any route is registered. */
export function installAuth(app: FastifyInstance, opts: AuthOptions): TokenVerifier {
  const verifier = new TokenVerifier(opts.tokens);
  const limiter = new AuthFailureLimiter(opts.failureLimit, opts.clock);
  const log = opts.log.child({ component: 'auth' });

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const route = req.routeOptions.url ?? req.url.split('?')[0]!;
    const access = requiredAccess(req.method, route, req.routeOptions.config?.access);
    if (access === 'public' || !verifier.enabled) return;
    const retryAfter = limiter.blockedFor(req.ip);
    if (retryAfter > 0) {
      void reply.header('retry-after', String(retryAfter));
      return refuse(reply, 429, `too many failed authentications from ${req.ip}: try again in ${retryAfter} s`);
    }
    const header = req.headers.authorization;
    if (header === undefined) return refuse(reply, 401, 'authentication required: send Authorization: Bearer <token>');
    const m = BEARER.exec(header);
    const identity = m ? await verifier.verify(m[1]!) : undefined;
    if (!identity) {
      limiter.fail(req.ip);
      log.warn({ ip: req.ip, method: req.method, route }, 'API request with a wrong token refused');
      return refuse(reply, 401, m ? 'the bearer token is not valid' : 'the Authorization header must be: Bearer <token>');
    }
    req.actor = { kind: 'api', id: identity.name };
    req.apiRole = identity.role;
    if (!roleAllows(identity.role, access)) {
      log.info({ token: identity.name, role: identity.role, need: access, method: req.method, route }, 'API request refused: role too small');
      return refuse(reply, 403, `token ${identity.name} has role ${identity.role}; ${req.method} ${route} needs ${access}`);
    }
  });
  return verifier;
}
