// hub/dashboard/client — the one message line: what an action did ("3 variances dismissed") or why it failed (the
// hub's own words). Screens call notify(); the shell shows the newest.
export interface Notice { kind: 'ok' | 'bad'; text: string; at: number }

type Listener = (n: Notice | null) => void;
const listeners = new Set<Listener>();

export function notify(kind: Notice['kind'], text: string): void {
  const n = { kind, text, at: Date.now() };
  for (const fn of listeners) fn(n);
}

export function clearNotice(): void {
  for (const fn of listeners) fn(null);
}

export function onNotice(fn: Listener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
