// fleet/client — the only way the page talks to the fleet: GET /api/v1/central, with the bearer token typed in at
// sign-in (kept in sessionStorage: gone when the tab closes).
import type { CentralView } from '../view';

const TOKEN_KEY = 'dockgate.fleet.token';

export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export type CentralResult = { ok: true; view: CentralView } | { ok: false; status: number; message: string };

export async function readCentral(): Promise<CentralResult> {
  const headers = new Headers();
  const t = getToken();
  if (t) headers.set('authorization', `Bearer ${t}`);
  let res: Response;
  try {
    res = await fetch('/api/v1/central', { headers });
  } catch (err) {
    return { ok: false, status: 0, message: `the fleet cannot be reached: ${(err as Error).message}` };
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => undefined)) as { message?: string } | undefined;
    return { ok: false, status: res.status, message: body?.message ?? `${res.status} ${res.statusText}` };
  }
  return { ok: true, view: (await res.json()) as CentralView };
}
