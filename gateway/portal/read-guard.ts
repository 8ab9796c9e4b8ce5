// gateway/portal — the read guard: a read whose values the wire contract cannot carry never vanishes. A PeakRSSI beyond
// the contract's range is clamped into it (the pass goes on); an EPC too long for the contract, or none at all, drops
// that read; a TID too long is left off. Each problem becomes a `reader` error event with the reason, at most one per
// reader and problem per `everyMs` (the rest counted into the next one), so a reader gone mad cannot flood the outbox
// and nothing is only a log line. Pure: the engine calls check() per read and drain(now) on its tick.
import { HEX_MAX_LENGTH, RSSI_MAX_DBM, RSSI_MIN_DBM, type EventDraft } from '../../protocols/events/index.js';
import type { TagRead } from '../../protocols/reads/index.js';

type Problem = 'rssi-high' | 'rssi-low' | 'epc-long' | 'epc-none' | 'tid-long';

interface Tally {
  reader: string;
  problem: Problem;
  count: number;
  /** The most extreme value seen in this tally (RSSI dBm, EPC/TID hex digits). */
  worst: number;
  example: string;
  lastEmitMs: number;
}

const MAX_REASON = 1024;

export class ReadGuard {
  private readonly tallies = new Map<string, Tally>();
  private pending = 0;

  constructor(private readonly everyMs = 60_000) {}

  /** The read as the contract can carry it (RSSI clamped in place, TID left off), or undefined when it must be dropped. */
  check(read: TagRead): TagRead | undefined {
    const epc = read.epc;
    if (epc.length === 0) {
      this.note(read.reader, 'epc-none', 0, '');
      return undefined;
    }
    if (epc.length > HEX_MAX_LENGTH) {
      this.note(read.reader, 'epc-long', epc.length, epc);
      return undefined;
    }
    const rssi = read.rssi;
    if (rssi > RSSI_MAX_DBM) {
      this.note(read.reader, 'rssi-high', rssi, epc);
      read.rssi = RSSI_MAX_DBM;
    } else if (rssi < RSSI_MIN_DBM) {
      this.note(read.reader, 'rssi-low', rssi, epc);
      read.rssi = RSSI_MIN_DBM;
    }
    if (read.tid !== undefined && read.tid.length > HEX_MAX_LENGTH) {
      this.note(read.reader, 'tid-long', read.tid.length, epc);
      delete read.tid;
    }
    return read;
  }

  /** `reader` error events for the problems due now (first of a kind at once, then one per `everyMs`). */
  drain(nowMs: number, out: EventDraft[]): void {
    if (this.pending === 0) return;
    for (const t of this.tallies.values()) {
      if (t.count === 0 || nowMs - t.lastEmitMs < this.everyMs) continue;
      out.push({ kind: 'reader', reader: t.reader, state: 'reading', error: reasonOf(t).slice(0, MAX_REASON) });
      this.pending -= t.count;
      t.count = 0;
      t.lastEmitMs = nowMs;
    }
  }

  /** Everything still counted, whatever its window (shutdown). */
  drainAll(out: EventDraft[]): void {
    for (const t of this.tallies.values()) t.lastEmitMs = -Infinity;
    this.drain(0, out);
  }

  private note(reader: string, problem: Problem, value: number, example: string): void {
    const key = `${reader}\u0000${problem}`;
    let t = this.tallies.get(key);
    if (!t) {
      t = { reader, problem, count: 0, worst: value, example, lastEmitMs: -Infinity };
      this.tallies.set(key, t);
    }
    if (t.count === 0) {
      t.worst = value;
      t.example = example;
    } else if (problem === 'rssi-low' ? value < t.worst : value > t.worst) t.worst = value;
    t.count++;
    this.pending++;
  }
}

function reasonOf(t: Tally): string {
  const n = `${t.count} read${t.count === 1 ? '' : 's'}`;
  const epc = t.example.length > 32 ? `${t.example.slice(0, 32)}…` : t.example;
  switch (t.problem) {
    case 'rssi-high':
    case 'rssi-low': {
      const to = t.problem === 'rssi-high' ? RSSI_MAX_DBM : RSSI_MIN_DBM;
      return `PeakRSSI ${t.worst} dBm is outside the contract's ${RSSI_MIN_DBM}..${RSSI_MAX_DBM} dBm: clamped to ${to} dBm on ${n} (first EPC ${epc}); check the reader's RSSI reporting`;
    }
    case 'epc-long':
      return `EPC of ${t.worst} hex digits is longer than the contract's ${HEX_MAX_LENGTH}: ${n} of it dropped (EPC begins ${epc})`;
    case 'epc-none':
      return `TagReportData with no EPC: ${n} dropped (enable the EPC in the reader's report)`;
    case 'tid-long':
      return `TID of ${t.worst} hex digits is longer than the contract's ${HEX_MAX_LENGTH}: left off ${n} (EPC ${epc})`;
  }
}
