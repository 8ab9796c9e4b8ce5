// hub/dashboard/client — the only way the page talks to the hub: its REST API, with the bearer token typed in at
// sign-in (kept in sessionStorage: gone when the tab closes).
export const TOKEN_KEY = 'dockgate.token';

export type Role = 'viewer' | 'operator' | 'admin';
export interface Me { name: string; role: Role; tokens: boolean }

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };
/** Whether a role may do what needs `need` (the hub's policy: hub/auth/policy.ts). */
export const can = (role: Role, need: Role): boolean => RANK[role] >= RANK[need];

export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export interface ApiResult<T> {
  ok: boolean;
  status: number;
  body: T;
  /** The hub's message on a 4xx/5xx (it names the field), or a network failure's. */
  message: string;
}

export function authHeaders(extra?: HeadersInit): Headers {
  const headers = new Headers(extra);
  const t = getToken();
  if (t) headers.set('authorization', `Bearer ${t}`);
  return headers;
}

export async function api<T = unknown>(path: string, init: { method?: string; body?: unknown; headers?: HeadersInit } = {}): Promise<ApiResult<T>> {
  const headers = authHeaders(init.headers);
  if (init.body !== undefined) headers.set('content-type', 'application/json');
  let res: Response;
  try {
    res = await fetch(path, { method: init.method ?? 'GET', headers, ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
  } catch (err) {
    return { ok: false, status: 0, body: undefined as T, message: `the hub cannot be reached: ${(err as Error).message}` };
  }
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON (CSV): the text
  }
  const message = res.ok ? '' : ((body as { message?: string } | undefined)?.message ?? `${res.status} ${res.statusText}`);
  return { ok: res.ok, status: res.status, body: body as T, message };
}

/** A fresh key for a mutation that must not be applied twice (a double tap, a retried request). */
export function idempotencyKey(): string {
  return crypto.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

export const time = (iso: string): string => new Date(iso).toLocaleTimeString();

/** "3 min", "2 h", "4 d": how long ago. */
export function age(iso: string, nowMs = Date.now()): string {
  const s = Math.max(0, (nowMs - Date.parse(iso)) / 1000);
  if (s < 60) return `${Math.floor(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} d`;
}
