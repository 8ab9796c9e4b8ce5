// hub/auth — GET /api/v1/me: who the request's token is (its name and role), so a page can say "signed in as NAME
// (role)" and offer only what the role may do. With no tokens configured every request is allowed: anonymous, admin.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { errors } from '../api/schemas.js';

export const Me = Type.Object({
  name: Type.String({ description: "the token's name (the acting user in the audit trail)" }),
  role: Type.Union([Type.Literal('viewer'), Type.Literal('operator'), Type.Literal('admin')]),
  tokens: Type.Boolean({ description: 'false when the hub has no API tokens configured (every request is allowed)' }),
});

export function meRoutes(tokensConfigured: boolean) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/api/v1/me', { schema: { tags: ['auth'], summary: "Who this request's token is: name and role", response: { 200: Me, 401: errors[400] } } }, async (req) => ({
      name: req.actor?.id ?? 'anonymous',
      role: req.apiRole ?? 'admin',
      tokens: tokensConfigured,
    }));
  };
}
