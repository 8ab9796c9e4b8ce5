// hub/periods — planning a period close (pure: facts in, decision out; the SQL that gathers the facts and carries
// the decision out is in close.ts and archive.ts). A close takes the moves posted so far that are dated before the
// cut-off, as a prefix of the posting order (cost layers depend on that order, so a snapshot is the ledger after one
// move seq), snapshots the ledger there and moves that prefix to the archive — unless a downstream reader still has
// to read some of it, or the ledger check finds differences.
import { isoTs } from '../../protocols/events/index.js';

/** The live database's period record (ledger_period). */
export interface PeriodState {
  period: string | null;
  closedThroughMs: number;
  snapshotSeq: number;
  archivedSeq: number;
}

/** One downstream reader's position: `behind` when it has not yet read past the cut-off; `detail` says where it is. */
export interface DownstreamCursor {
  name: string;
  behind: boolean;
  detail: string;
}

export interface CloseFacts {
  throughMs: number;
  nowMs: number;
  current: PeriodState;
  /** The last seq of the longest run of moves after the snapshot dated before the cut-off (snapshotSeq: none). */
  cutSeq: number;
  /** Moves after cutSeq dated before the cut-off (posted late): they stay live, replayed from the snapshot. */
  lateMoves: number;
  downstream: readonly DownstreamCursor[];
}

export type ClosePlan =
  | { action: 'close'; period: string; throughMs: number; snapshotSeq: number; moves: number; lateMoves: number }
  | { action: 'resume'; period: string; snapshotSeq: number; archivedSeq: number }
  | { action: 'done'; period: string }
  | { action: 'refuse'; reasons: string[] };

/** A period's name: from the previous cut-off (or the start) to this one, each a day when it is a midnight UTC. */
export function periodName(fromMs: number, throughMs: number): string {
  const day = (ms: number) => (ms % 86_400_000 === 0 ? isoTs(ms).slice(0, 10) : isoTs(ms));
  return `${fromMs === 0 ? 'start' : day(fromMs)}..${day(throughMs)}`;
}

export function planClose(f: CloseFacts): ClosePlan {
  const c = f.current;
  if (!Number.isSafeInteger(f.throughMs) || f.throughMs <= 0) return { action: 'refuse', reasons: [`the cut-off must be a date, got ${f.throughMs}`] };
  // A close whose archive did not finish (killed, or refused half-way) is completed by closing the same period again.
  if (c.archivedSeq < c.snapshotSeq) {
    if (f.throughMs === c.closedThroughMs) return { action: 'resume', period: c.period!, snapshotSeq: c.snapshotSeq, archivedSeq: c.archivedSeq };
    return {
      action: 'refuse',
      reasons: [
        `period ${c.period} is closed but its archive is not complete (moves ${c.archivedSeq + 1}-${c.snapshotSeq} still to move): close it again (--through ${isoTs(c.closedThroughMs)}) first`,
      ],
    };
  }
  if (f.throughMs === c.closedThroughMs) return { action: 'done', period: c.period! };
  if (f.throughMs < c.closedThroughMs)
    return {
      action: 'refuse',
      reasons: [`the ledger is closed through ${isoTs(c.closedThroughMs)} (period ${c.period}): a cut-off of ${isoTs(f.throughMs)} is already closed`],
    };
  const reasons: string[] = [];
  if (f.throughMs > f.nowMs) reasons.push(`the cut-off ${isoTs(f.throughMs)} is in the future (now ${isoTs(f.nowMs)}): only the past closes`);
  for (const d of f.downstream) if (d.behind) reasons.push(`${d.name} has not passed the cut-off: ${d.detail}`);
  if (reasons.length) return { action: 'refuse', reasons };
  const period = periodName(c.closedThroughMs, f.throughMs);
  return { action: 'close', period, throughMs: f.throughMs, snapshotSeq: f.cutSeq, moves: f.cutSeq - c.snapshotSeq, lateMoves: f.lateMoves };
}

/** The next batch of moves to archive, (from, to], or null when the archive holds everything up to the snapshot. */
export function nextBatch(archivedSeq: number, snapshotSeq: number, size: number): { from: number; to: number } | null {
  if (!(size >= 1)) throw new RangeError(`archive batch size must be at least 1, got ${size}`);
  if (archivedSeq > snapshotSeq) throw new RangeError(`archived seq ${archivedSeq} is past the snapshot's ${snapshotSeq}`);
  if (archivedSeq === snapshotSeq) return null;
  return { from: archivedSeq, to: Math.min(snapshotSeq, archivedSeq + size) };
}
