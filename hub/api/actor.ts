// hub/api — who is acting: every mutation records the acting API user in the audit trail. The auth plugin sets
// `request.actor`; without one (tests, a loopback-only hub with no tokens) the actor is `api:anonymous`.
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../ledger/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
  }
}

export function actorOf(req: FastifyRequest): Actor {
  return req.actor ?? { kind: 'api', id: 'anonymous' };
}
