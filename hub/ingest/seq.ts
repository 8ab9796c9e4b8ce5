// hub/ingest — seq ranges of a stream: pure interval arithmetic for gap tracking (no I/O, no clock).

/** An inclusive range of seqs, from <= to. */
export interface SeqRange {
  from: number;
  to: number;
}

function assertRange(r: SeqRange): void {
  if (!(Number.isSafeInteger(r.from) && Number.isSafeInteger(r.to) && r.from >= 1 && r.to >= r.from)) {
    throw new Error(`invalid seq range ${r.from}..${r.to}`);
  }
}

/** `range` minus every range in `holes`, in order, non-empty pieces only. */
export function subtract(range: SeqRange, holes: readonly SeqRange[]): SeqRange[] {
  assertRange(range);
  let pieces: SeqRange[] = [range];
  for (const h of holes) {
    assertRange(h);
    const next: SeqRange[] = [];
    for (const p of pieces) {
      if (h.to < p.from || h.from > p.to) {
        next.push(p);
        continue;
      }
      if (h.from > p.from) next.push({ from: p.from, to: h.from - 1 });
      if (h.to < p.to) next.push({ from: h.to + 1, to: p.to });
    }
    pieces = next;
  }
  return pieces;
}

/** What a new (never applied) event's seq means for its stream, given the highest seq seen so far. */
export type SeqVerdict =
  /** The next one (a stream starts at seq 1). */
  | { kind: 'next' }
  /** Seqs were skipped: `missing` is the range not seen. */
  | { kind: 'jump'; missing: SeqRange }
  /** At or below the highest seq seen: it fills a gap, or (outside any gap) conflicts with an event seen. */
  | { kind: 'behind' };

export function judgeSeq(lastSeq: number, seq: number): SeqVerdict {
  if (seq === lastSeq + 1) return { kind: 'next' };
  if (seq > lastSeq + 1) return { kind: 'jump', missing: { from: lastSeq + 1, to: seq - 1 } };
  return { kind: 'behind' };
}
