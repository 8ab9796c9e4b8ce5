// gateway/publisher — one events message from outbox rows: the wire batch `{v, gateway, stream, events}` built from the
// stored JSON text (no re-serialisation), cut by event count and by bytes, events in seq order.
import { WIRE_VERSION } from '../../protocols/events/index.js';
import type { OutboxRow } from '../outbox/index.js';

export interface BatchLimits {
  maxEvents: number;
  maxBytes: number;
}

/** The longest prefix of `rows` that fits the limits (always at least one row, so a large event still goes out). */
export function takeBatch(rows: readonly OutboxRow[], limits: BatchLimits): OutboxRow[] {
  let bytes = 64;
  let n = 0;
  for (const r of rows) {
    if (n >= limits.maxEvents) break;
    bytes += Buffer.byteLength(r.body) + 1;
    if (n > 0 && bytes > limits.maxBytes) break;
    n++;
  }
  return rows.slice(0, n);
}

/** The message payload. Invariant: events ascend by seq (the hub's parse() refuses a batch that does not). */
export function batchPayload(gateway: string, stream: string, rows: readonly OutboxRow[]): string {
  for (let i = 1; i < rows.length; i++) {
    if (rows[i]!.seq <= rows[i - 1]!.seq) throw new Error(`batch rows out of seq order: ${rows[i - 1]!.seq} then ${rows[i]!.seq}`);
  }
  let events = '';
  for (let i = 0; i < rows.length; i++) events += (i ? ',' : '') + rows[i]!.body;
  return `{"v":${WIRE_VERSION},"gateway":${JSON.stringify(gateway)},"stream":${JSON.stringify(stream)},"events":[${events}]}`;
}
