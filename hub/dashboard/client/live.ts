// hub/dashboard/client — the hub's server-sent event stream (GET /api/v1/events/stream), read with fetch so the bearer
// token travels in a header (EventSource cannot send one); reconnects with back-off. Screens subscribe to `applied`,
// or follow the floor with useLive.
import { useEffect } from 'preact/hooks';
import { authHeaders } from './api';

export interface Applied {
  eventId?: string;
  door: string | null;
  kind: string;
  epc: string | null;
  gtin?: string | null;
  sku: string | null;
  direction: string | null;
  outcome: string;
  message?: string | null;
  occurredAt: string;
}

type Listener = (a: Applied) => void;
const listeners = new Set<Listener>();

export function onApplied(fn: Listener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Run the stream until `signal` aborts; `onState(true)` when connected, false while reconnecting. */
export async function runStream(onState: (live: boolean) => void, signal: AbortSignal): Promise<void> {
  let wait = 1000;
  while (!signal.aborted) {
    try {
      const res = await fetch('/api/v1/events/stream', { headers: authHeaders({ accept: 'text/event-stream' }), signal });
      if (!res.ok || !res.body) throw new Error(`stream: ${res.status}`);
      onState(true);
      wait = 1000;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let cut: number;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          let type = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) type = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
          }
          if (type === 'applied' && data.length) {
            const a = JSON.parse(data.join('\n')) as Applied;
            for (const fn of listeners) fn(a);
          }
        }
      }
    } catch {
      // reconnect below
    }
    if (signal.aborted) return;
    onState(false);
    await new Promise((r) => setTimeout(r, wait));
    wait = Math.min(wait * 2, 30_000);
  }
}

/** Run `load` now and again (debounced) after the hub applies events: a screen that follows the floor live. */
export function useLive(load: () => void, deps: unknown[]): void {
  useEffect(() => {
    load();
    let timer: number | undefined;
    const off = onApplied(() => {
      timer ??= window.setTimeout(() => {
        timer = undefined;
        load();
      }, 700);
    });
    return () => {
      off();
      window.clearTimeout(timer);
    };
  }, deps);
}
