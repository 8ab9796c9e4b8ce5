// scripts/sim — scoring a portal engine against a scenario's ground truth: passes found / missed / spurious,
// direction right / wrong / unknown, cross-reads attributed to the wrong door. Shared by the engine's scenario
// tests, the replay tool and the benchmark.

import { tsMs, type EventDraft } from '../../protocols/events/index.js';
import type { PassTruth, StreamItem } from './scenario.js';

/** Anything that eats reads and GPI and emits event drafts on a clock (the engine, the naive baseline). */
export interface ReadSink {
  ingest(read: import('../../protocols/reads/index.js').TagRead): void;
  gpi?(change: import('../../protocols/reads/index.js').GpiChange): void;
  tick(nowMs: number): EventDraft[];
}

/** Feed items in order, ticking every `tickMs` of stream time, then tick far past the end. */
export function replay(sink: ReadSink, items: readonly StreamItem[], tickMs = 200, endMs?: number): EventDraft[] {
  const out: EventDraft[] = [];
  let nextTick = items.length > 0 ? items[0]!.ts + tickMs : 0;
  for (const it of items) {
    while (it.ts >= nextTick) {
      out.push(...sink.tick(nextTick));
      nextTick += tickMs;
    }
    if (it.kind === 'read') sink.ingest(it.read);
    else sink.gpi?.(it.gpi);
  }
  const end = endMs ?? (items.length > 0 ? items[items.length - 1]!.ts + 60_000 : 0);
  for (; nextTick <= end; nextTick += tickMs) out.push(...sink.tick(nextTick));
  return out;
}

export interface Score {
  truth: number;
  found: number;
  missed: number;
  /** Passes that match no true passage of that tag at that door. */
  spurious: number;
  /** Of the spurious: a second pass for an already matched passage. */
  duplicates: number;
  /** Of the spurious: the tag truly passed another door at that time (a cross-read that won). */
  misattributed: number;
  dirRight: number;
  dirWrong: number;
  dirUnknown: number;
  precision: number;
  recall: number;
  /** Of the passes found with a direction, the share that is right. */
  dirAccuracy: number;
  /** Human-readable lines for the first problems. */
  problems: string[];
}

const SLACK = 5000;

/** Match tag.pass drafts to the truth (same epc and door, overlapping time), scenario time = ts - epochMs. */
export function scorePasses(events: readonly EventDraft[], truth: readonly PassTruth[], epochMs: number): Score {
  const byEpc = new Map<string, { t: PassTruth; used: boolean }[]>();
  for (const t of truth) {
    const l = byEpc.get(t.epc) ?? [];
    l.push({ t, used: false });
    byEpc.set(t.epc, l);
  }
  const s: Score = { truth: truth.length, found: 0, missed: 0, spurious: 0, duplicates: 0, misattributed: 0, dirRight: 0, dirWrong: 0, dirUnknown: 0, precision: 1, recall: 1, dirAccuracy: 1, problems: [] };
  const problem = (line: string) => {
    if (s.problems.length < 20) s.problems.push(line);
  };
  for (const e of events) {
    if (e.kind !== 'tag.pass') continue;
    const a = tsMs(e.firstSeen) - epochMs;
    const b = tsMs(e.lastSeen) - epochMs;
    const cands = byEpc.get(e.epc) ?? [];
    const overlaps = (t: PassTruth) => a <= t.tEnd + SLACK && b >= t.tStart - SLACK;
    const hit = cands.find((c) => !c.used && c.t.door === e.door && overlaps(c.t));
    if (hit) {
      hit.used = true;
      s.found++;
      if (e.direction === 'unknown') s.dirUnknown++;
      else if (e.direction === hit.t.direction) s.dirRight++;
      else {
        s.dirWrong++;
        problem(`wrong direction: ${e.epc} at ${e.door} said ${e.direction}, was ${hit.t.direction} (conf ${e.confidence})`);
      }
      continue;
    }
    s.spurious++;
    if (cands.some((c) => c.used && c.t.door === e.door && overlaps(c.t))) {
      s.duplicates++;
      problem(`duplicate pass: ${e.epc} at ${e.door} ${a.toFixed(0)}–${b.toFixed(0)} ms`);
    } else if (cands.some((c) => c.t.door !== e.door && overlaps(c.t))) {
      s.misattributed++;
      problem(`cross-read: ${e.epc} reported at ${e.door}, passed ${cands.find((c) => overlaps(c.t))!.t.door} (conf ${e.confidence})`);
    } else problem(`spurious pass: ${e.epc} at ${e.door} ${a.toFixed(0)}–${b.toFixed(0)} ms`);
  }
  for (const l of byEpc.values())
    for (const c of l)
      if (!c.used) {
        s.missed++;
        problem(`missed: ${c.t.epc} ${c.t.direction} at ${c.t.door} ${c.t.tStart}–${c.t.tEnd} ms`);
      }
  const reported = s.found + s.spurious;
  s.precision = reported === 0 ? 1 : s.found / reported;
  s.recall = s.truth === 0 ? 1 : s.found / s.truth;
  const withDir = s.dirRight + s.dirWrong;
  s.dirAccuracy = withDir === 0 ? 1 : s.dirRight / withDir;
  return s;
}

/** Sum scores (counts added; ratios recomputed; problems concatenated up to 40). */
export function addScores(a: Score, b: Score): Score {
  const s: Score = { ...a };
  for (const k of ['truth', 'found', 'missed', 'spurious', 'duplicates', 'misattributed', 'dirRight', 'dirWrong', 'dirUnknown'] as const) s[k] = a[k] + b[k];
  const reported = s.found + s.spurious;
  s.precision = reported === 0 ? 1 : s.found / reported;
  s.recall = s.truth === 0 ? 1 : s.found / s.truth;
  const withDir = s.dirRight + s.dirWrong;
  s.dirAccuracy = withDir === 0 ? 1 : s.dirRight / withDir;
  s.problems = [...a.problems, ...b.problems].slice(0, 40);
  return s;
}

export function emptyScore(): Score {
  return scorePasses([], [], 0);
}
