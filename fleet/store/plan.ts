// fleet/store — planning one batch of a site's feed records (pure, no I/O): which records are duplicates of what the
// site already applied, where a gap stops the batch, and the batch's net effect on each table — balance deltas summed
// per (sku, location), transfer quantities per (reference, sku, side), documents and variances folded to their last
// state — so that apply.ts writes each table with one multi-row statement. Folding gives the same rows as applying the
// records one by one (each fold below mirrors its table's ON CONFLICT clause).
import type { DocumentChange, FeedRecord, MoveChange, ReservationChange, VarianceChange } from '../../protocols/feed/index.js';

export class FeedInvariantError extends Error {}

export interface BatchPlan {
  /** Records to apply, in seq order: appliedThrough + 1, + 2, … */
  fresh: FeedRecord[];
  duplicates: number;
  /** Set when the batch stopped at a gap: the seq the site needed and the one that came. */
  gap?: { expected: number; got: number };
  /** The site's applied_through after the batch. */
  through: number;
}

/**
 * Walk the batch in order against the site's applied_through. `appliedIds` answers, for a seq at or below it, the
 * change id applied there (undefined when not known): the same seq with another id is a broken feed.
 */
export function planBatch(site: string, through: number, records: readonly FeedRecord[], appliedIds: ReadonlyMap<number, string>): BatchPlan {
  const plan: BatchPlan = { fresh: [], duplicates: 0, through };
  const batchIds = new Map<number, string>();
  const ids = new Set<string>();
  for (const r of records) {
    if (r.site !== site) throw new FeedInvariantError(`record of site ${r.site} in the batch of site ${site}`);
    if (r.seq <= plan.through) {
      const seen = batchIds.get(r.seq) ?? appliedIds.get(r.seq);
      if (seen !== undefined && seen !== r.id) throw new FeedInvariantError(`site ${site} seq ${r.seq}: change ${r.id} arrived, but ${seen} was applied at that seq`);
      plan.duplicates++;
      continue;
    }
    if (r.seq !== plan.through + 1) {
      plan.gap = { expected: plan.through + 1, got: r.seq };
      break;
    }
    if (ids.has(r.id)) throw new FeedInvariantError(`site ${site}: change ${r.id} arrives again at seq ${r.seq}: a change id names one change`);
    ids.add(r.id);
    batchIds.set(r.seq, r.id);
    plan.fresh.push(r);
    plan.through = r.seq;
  }
  return plan;
}

/** The seqs of a batch that may be duplicates (at or below applied_through): their applied ids are looked up. */
export function seqsToCheck(through: number, records: readonly FeedRecord[]): number[] {
  return [...new Set(records.filter((r) => r.seq <= through).map((r) => r.seq))];
}

export interface BalanceDelta {
  sku: string;
  location: string;
  kind: string;
  virtual: boolean;
  qty: number;
}
export interface TransferDelta {
  reference: string;
  sku: string;
  side: 'shipped' | 'received';
  qty: number;
  /** ISO timestamp: the latest move of this side. */
  at: string;
}
export interface DocumentRow {
  kind: 'receipt' | 'shipment';
  document: string;
  status: 'open' | 'closed';
  door: string | null;
  party: string | null;
  lines: DocumentChange['lines'];
  openedAt: string | null;
  closedAt: string | null;
}
export interface VarianceRow {
  variance: number;
  type: string;
  status: string;
  door: string | null;
  reference: string | null;
  sku: string | null;
  message: string;
  openedAt: string;
  resolvedAt: string | null;
}

/** A site's hold (fleet_reservations): its latest state replaces the last; the rest is as it was made. */
export interface ReservationRow {
  id: string;
  sku: string;
  qty: number;
  location: string | null;
  state: string;
  channel: string | null;
}

export interface BatchEffects {
  balances: BalanceDelta[];
  transfers: TransferDelta[];
  documents: DocumentRow[];
  variances: VarianceRow[];
  reservations: ReservationRow[];
}

/** The net effect of records applied in order (a count's differences reach stock as its moves: nothing here). */
export function batchEffects(records: readonly FeedRecord[]): BatchEffects {
  const balances = new Map<string, BalanceDelta>();
  const transfers = new Map<string, TransferDelta>();
  const documents = new Map<string, DocumentRow>();
  const variances = new Map<number, VarianceRow>();
  const reservations = new Map<string, ReservationRow>();
  const addBalance = (sku: string, location: string, kind: string, virtual: boolean, qty: number) => {
    const key = JSON.stringify([sku, location]);
    const b = balances.get(key);
    if (b) b.qty += qty;
    else balances.set(key, { sku, location, kind, virtual, qty });
  };
  for (const r of records) {
    switch (r.kind) {
      case 'move': {
        const m: MoveChange = r.data;
        addBalance(m.sku, m.from, m.fromKind, m.fromVirtual, -m.qty);
        addBalance(m.sku, m.to, m.toKind, m.toVirtual, m.qty);
        const t = transferSide(m);
        if (!t) break;
        const key = JSON.stringify([t.reference, m.sku, t.side]);
        const prev = transfers.get(key);
        if (prev) {
          prev.qty += t.qty;
          if (Date.parse(r.ts) > Date.parse(prev.at)) prev.at = r.ts;
        } else transfers.set(key, { reference: t.reference, sku: m.sku, side: t.side, qty: t.qty, at: r.ts });
        break;
      }
      case 'receipt.opened':
      case 'receipt.closed':
      case 'shipment.opened':
      case 'shipment.closed': {
        const [kind, what] = r.kind.split('.') as ['receipt' | 'shipment', 'opened' | 'closed'];
        const d: DocumentChange = r.data;
        const key = JSON.stringify([kind, d.document]);
        const row: DocumentRow = {
          kind, document: d.document, status: what === 'opened' ? 'open' : 'closed', door: d.door, party: d.party, lines: d.lines,
          openedAt: what === 'opened' ? r.ts : null, closedAt: what === 'closed' ? r.ts : null,
        };
        documents.set(key, mergeDocument(documents.get(key), row));
        break;
      }
      case 'variance.opened':
      case 'variance.resolved': {
        const v: VarianceChange = r.data;
        const row: VarianceRow = {
          variance: v.variance, type: v.type, status: v.status, door: v.door, reference: v.reference, sku: v.sku, message: v.message,
          openedAt: r.ts, resolvedAt: v.status === 'open' ? null : r.ts,
        };
        variances.set(v.variance, mergeVariance(variances.get(v.variance), row));
        break;
      }
      case 'count.posted':
        break;
      case 'reservation': {
        const h: ReservationChange = r.data;
        const old = reservations.get(h.reservation);
        if (old) old.state = h.state;
        else reservations.set(h.reservation, { id: h.reservation, sku: h.sku, qty: h.qty, location: h.location, state: h.state, channel: h.channel });
        break;
      }
    }
  }
  return {
    balances: [...balances.values()], transfers: [...transfers.values()], documents: [...documents.values()], variances: [...variances.values()],
    reservations: [...reservations.values()],
  };
}

/** Transfers between sites: what left for transit (or came back from it), and what came in against a reference. */
function transferSide(m: MoveChange): { reference: string; side: 'shipped' | 'received'; qty: number } | undefined {
  if (m.reference === null) return undefined;
  if (m.toKind === 'transit') return { reference: m.reference, side: 'shipped', qty: m.qty };
  if (m.fromKind === 'transit') return { reference: m.reference, side: 'shipped', qty: -m.qty };
  if (m.reason === 'receipt') return { reference: m.reference, side: 'received', qty: m.qty };
  return undefined;
}

/** fleet_documents' ON CONFLICT: status, party, lines and closed_at from the newer; door and opened_at kept when it has none. */
export function mergeDocument(old: DocumentRow | undefined, next: DocumentRow): DocumentRow {
  if (!old) return next;
  return { ...next, door: next.door ?? old.door, openedAt: next.openedAt ?? old.openedAt };
}

/** fleet_variances' ON CONFLICT: only status and resolved_at change once a variance exists. */
export function mergeVariance(old: VarianceRow | undefined, next: VarianceRow): VarianceRow {
  if (!old) return next;
  return { ...old, status: next.status, resolvedAt: next.resolvedAt };
}
