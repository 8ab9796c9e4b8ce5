// gateway/publisher/testing — an in-memory outbox for the publisher's core and driver tests (and the simulator): the
// part of gateway/outbox the publisher uses (PublisherOutbox), rows numbered from 1, with a body that names its seq.
import type { OutboxRow } from '../../outbox/index.js';
import type { PublisherOutbox } from '../publisher.js';

export class MemoryOutbox implements PublisherOutbox {
  private readonly rows = new Map<number, OutboxRow>();
  private last = 0;

  constructor(readonly stream = 'mem-stream-0001') {}

  /** Store `n` events (bodies of `bodyBytes` characters or a little more); returns them. */
  append(n: number, bodyBytes = 0): OutboxRow[] {
    const made: OutboxRow[] = [];
    for (let i = 0; i < n; i++) {
      const seq = ++this.last;
      const row = { seq, id: `ev-${seq}`, body: JSON.stringify({ seq, id: `ev-${seq}`, pad: 'x'.repeat(bodyBytes) }) };
      this.rows.set(seq, row);
      made.push(row);
    }
    return made;
  }

  peekRows(limit: number, afterSeq = 0): OutboxRow[] {
    // The map holds rows in insertion order, which is seq order (seqs only grow): no sort, stop at the limit.
    const out: OutboxRow[] = [];
    for (const [seq, row] of this.rows) {
      if (out.length >= limit) break;
      if (seq > afterSeq) out.push(row);
    }
    return out;
  }

  ack(keys: ReadonlyArray<number | string>): number {
    let n = 0;
    for (const k of keys) if (typeof k === 'number' && this.rows.delete(k)) n++;
    return n;
  }

  confirmThrough(through: number): number {
    if (through > this.last) throw new RangeError(`confirmThrough: seq ${through} is beyond the last seq handed out (${this.last})`);
    let n = 0;
    for (const s of this.seqs()) if (s <= through && this.rows.delete(s)) n++;
    return n;
  }

  lastSeq(): number {
    return this.last;
  }

  depth(): number {
    return this.rows.size;
  }

  /** Seqs stored, ascending. */
  seqs(): number[] {
    return [...this.rows.keys()].sort((a, b) => a - b);
  }
}
