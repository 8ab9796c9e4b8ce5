// hub/auth — what each route needs: public (liveness, the dashboard shell, docs, HMAC-signed webhooks), viewer (reads),
// operator (the floor's work: variances, receipts, shipments, returns, counts, doors, exceptions, put-away) or admin (everything
// else that changes state: config, items, locations, channels, manual moves). Pure.
import type { ApiRole } from '../config/schema.js';

export type Access = 'public' | ApiRole;

const RANK: Record<ApiRole, number> = { viewer: 1, operator: 2, admin: 3 };

/** Whether a token of role `have` may do what needs `need`. */
export function roleAllows(have: ApiRole, need: ApiRole): boolean {
  return RANK[have] >= RANK[need];
}

const PUBLIC_GET = [/^\/health$/, /^\/ready$/, /^\/$/, /^\/dashboard(\/|$)/, /^\/docs(\/|$)/, /^\/openapi\.json$/];
/** Verified by the route itself (a shared-secret HMAC over the body), not by a bearer token. */
const PUBLIC_ANY = [/^\/webhooks\//];
const OPERATOR_PREFIXES = ['variances', 'receipts', 'shipments', 'returns', 'counts', 'doors', 'exceptions', 'putaway'].map((p) => `/api/v1/${p}`);
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The access a request needs. `route` is the route's pattern (`/api/v1/doors/:id/mode`), so parameters cannot widen
 * it; `declared` is what a route may state in its config (`config: { access: 'operator' }`), which wins.
 */
export function requiredAccess(method: string, route: string, declared?: Access): Access {
  if (declared) return declared;
  if (PUBLIC_ANY.some((r) => r.test(route))) return 'public';
  if (READ_METHODS.has(method)) return PUBLIC_GET.some((r) => r.test(route)) ? 'public' : 'viewer';
  if (OPERATOR_PREFIXES.some((p) => route === p || route.startsWith(`${p}/`))) return 'operator';
  return 'admin';
}
