// scripts/vopr — the guarantees every simulator run must keep, checked on what the run left (the hub's committed
// database through a read-only connection, the outboxes, the ingest's counters over every hub process):
// - exactly once: every event a gateway's outbox made is applied once (one receipt move for its unit), none twice,
//   and nothing is applied that no gateway made;
// - seq accounting: each gateway's stream is known to the hub up to its last seq with no gap left open, and the
//   ingest's counters add up (received = applied + duplicates + dead-lettered; applied = events made);
// - the hub PUBACKed only messages whose events had committed (checked at each PUBACK, hub.ts), and each HubAck it
//   published named only seqs committed with none missing below (checked at each publish, hub.ts);
// - outboxes confirmed only what the hub had committed (checked at each deletion, gateway.ts) and are empty at the end;
// - `check` on the ledger (hub/ledger/check.ts) finds no difference.
import type { Database } from 'better-sqlite3';
import type { Event } from '../../protocols/events/index.js';
import { checkLedger } from '../../hub/ledger/index.js';
import type { IngestTotals } from './hub.js';
import type { SimSync } from './sync.js';

export interface GatewayFacts {
  id: string;
  stream: string;
  produced: readonly Event[];
  /** Rows left in the outbox at the end (-1: the gateway was down). */
  depth: number;
  violations: readonly string[];
}

export interface RunFacts {
  auditor: Database;
  gateways: readonly GatewayFacts[];
  ingest: ReadonlyMap<string, IngestTotals>;
  /** PUBACKs the hub sent before the events they carried had committed; HubAcks naming seqs not committed. */
  hubViolations: readonly string[];
  simErrors: readonly string[];
  /** The channel sync: whether it went quiet after the faults stopped (the checks of sync.ts then apply). */
  channels: { quiet: boolean; sync: SimSync };
}

/** At most this many examples of one kind of failure are listed. */
const EXAMPLES = 5;

function listed(what: string, items: readonly string[]): string[] {
  if (items.length === 0) return [];
  return [`${what}: ${items.length} (${items.slice(0, EXAMPLES).join('; ')}${items.length > EXAMPLES ? '; …' : ''})`];
}

function exactlyOnce(f: RunFacts): string[] {
  const moves = f.auditor.prepare("SELECT event_id AS id, COUNT(*) AS n FROM moves WHERE reason = 'receipt' GROUP BY event_id").all() as Array<{
    id: string | null;
    n: number;
  }>;
  const applied = new Map(moves.map((m) => [m.id ?? '(none)', m.n]));
  const made = new Set<string>();
  const lost: string[] = [];
  const doubled: string[] = [];
  for (const g of f.gateways) {
    for (const e of g.produced) {
      made.add(e.id);
      const n = applied.get(e.id) ?? 0;
      if (n === 0) lost.push(`${g.id} seq ${e.seq}`);
      if (n > 1) doubled.push(`${g.id} seq ${e.seq} ×${n}`);
    }
  }
  const strangers = [...applied.keys()].filter((id) => !made.has(id));
  return [
    ...listed('events lost (never applied)', lost),
    ...listed('events applied more than once', doubled),
    ...listed('moves of events no gateway made', strangers),
  ];
}

function seqAccounting(f: RunFacts): string[] {
  const out: string[] = [];
  const stream = f.auditor.prepare('SELECT gateway, last_seq AS lastSeq FROM streams WHERE stream = ?');
  const gaps = f.auditor.prepare('SELECT COUNT(*) FROM stream_gaps WHERE stream = ?').pluck();
  for (const g of f.gateways) {
    const made = g.produced.length;
    const row = stream.get(g.stream) as { gateway: string; lastSeq: number } | undefined;
    if (made > 0 && !row) out.push(`${g.id}: the hub does not know stream ${g.stream}`);
    else if (row && (row.gateway !== g.id || row.lastSeq !== made))
      out.push(`${g.id}: the hub has stream ${g.stream} of ${row.gateway} through seq ${row.lastSeq}; the outbox made ${made}`);
    const open = row ? (gaps.get(g.stream) as number) : 0;
    if (open > 0) out.push(`${g.id}: ${open} gaps still open on stream ${g.stream}`);
    const t = f.ingest.get(g.id);
    if (made > 0 && !t) {
      out.push(`${g.id}: the ingest counted nothing for it`);
      continue;
    }
    if (!t) continue;
    if (t.applied !== made) out.push(`${g.id}: the ingest counted ${t.applied} applied over all hub processes; the outbox made ${made}`);
    if (t.received !== t.applied + t.duplicates + t.deadLettered)
      out.push(`${g.id}: received ${t.received} ≠ applied ${t.applied} + duplicates ${t.duplicates} + dead-lettered ${t.deadLettered}`);
    if (t.deadLettered > 0 || t.seqConflicts > 0)
      out.push(`${g.id}: ${t.deadLettered} dead-lettered, ${t.seqConflicts} seq conflicts (every event of the run is valid and new)`);
  }
  return out;
}

/**
 * Channel sync: no channel was ever set to a quantity older than the one it overwrote (checked at each application,
 * sync.ts); once quiet, every channel shows what the rules give for the ledger's available stock, nothing outstanding.
 */
function channelSync(f: RunFacts): string[] {
  const { quiet, sync } = f.channels;
  const out = listed('channel sync: pushes against the guarantees', sync.violations);
  if (!quiet) return [...out, 'channel sync did not go quiet after the faults stopped (still dirty, queued or in flight)'];
  return [...out, ...listed('channel sync: channels not converged', sync.converged(f.auditor))];
}

/** Every guarantee; an empty list when the run kept them all. */
export function checkRun(f: RunFacts): string[] {
  const out: string[] = [...f.simErrors.map((e) => `simulator: ${e}`), ...listed('hub acknowledgements ahead of its commits', f.hubViolations)];
  for (const g of f.gateways) {
    out.push(...listed(`${g.id}: outbox deletions ahead of the hub`, g.violations));
    if (g.depth < 0) out.push(`${g.id}: down at the end of the run`);
    else if (g.depth !== 0) out.push(`${g.id}: ${g.depth} rows still in the outbox`);
    const gapsMade = g.produced.filter((e) => e.kind === 'gap').length;
    if (gapsMade > 0) out.push(`${g.id}: the outbox made ${gapsMade} gap events (it must not drop or refuse here)`);
  }
  out.push(...exactlyOnce(f), ...seqAccounting(f), ...channelSync(f));
  const ledger = checkLedger(f.auditor);
  if (!ledger.ok)
    out.push(
      ...listed(
        'ledger check differences',
        ledger.differences.map((d) => JSON.stringify(d)),
      ),
    );
  return out;
}
