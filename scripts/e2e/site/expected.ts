// scripts/e2e/site — the simulator's own ledger, kept from what physically happened (not from the hub's code): where
// each unit is, how many moves that took, what each channel should show. Two ways to feed it: the ground truth of the
// day (which pallet passed which door, which way, and which REST moves and orders the simulator made), or the passes
// the gateways actually emitted (captured from the broker) — then door meanings are applied by this file's own table.
// Pure: no I/O, no clock.

/** 'reserve' is a stock location off the dock's traffic (cycle-counted); 'adjustment' is where the books put a unit a
 * count found missing. */
export type Loc = 'supplier' | 'receiving' | 'stock' | 'reserve' | 'customer' | 'returns' | 'adjustment';
export type DoorMode = 'receiving' | 'shipping' | 'returns';

/** What a pass at a door of `mode` means: from → to ('current' = wherever the unit is). Written here independently. */
const MEANING: Record<DoorMode, Record<'in' | 'out', { from: Loc | 'current'; to: Loc }>> = {
  receiving: { in: { from: 'supplier', to: 'receiving' }, out: { from: 'receiving', to: 'supplier' } },
  shipping: { out: { from: 'current', to: 'customer' }, in: { from: 'customer', to: 'stock' } },
  returns: { in: { from: 'customer', to: 'returns' }, out: { from: 'returns', to: 'customer' } },
};

export interface Hold {
  id: string;
  sku: string;
  qty: number;
  state: 'pending' | 'voided';
}

export class ExpectedLedger {
  /** epc → where it is (a unit never seen is at the supplier). */
  readonly where = new Map<string, Loc>();
  readonly skuOf = new Map<string, string>();
  moves = 0;
  /** Passes that moved nothing: already there (repeat) or not where the door moves units from (exception). */
  repeats = 0;
  exceptions = 0;
  /** Units an ASN does not list: their receiving pass is held on a variance (no move) while they are at the supplier. */
  readonly held = new Set<string>();
  heldPasses = 0;
  readonly holds = new Map<string, Hold>();
  /** Quantity-tracked units per `sku@location` (barcode scans move them, no serials). */
  readonly quantities = new Map<string, number>();

  constructor(private readonly sku: (epc: string) => string) {}

  locationOf(epc: string): Loc {
    return this.where.get(epc) ?? 'supplier';
  }

  /** A unit moved from → to (a REST move, or a pass whose meaning is known); refuses an impossible one. */
  move(epc: string, from: Loc, to: Loc): void {
    const at = this.locationOf(epc);
    if (at !== from) throw new Error(`expected ledger: ${epc} is at ${at}, cannot move it from ${from} to ${to}`);
    this.skuOf.set(epc, this.sku(epc));
    this.where.set(epc, to);
    this.moves++;
  }

  /** A tag passed a door: what the door's meaning does to it. */
  pass(epc: string, mode: DoorMode, direction: 'in' | 'out' | 'unknown'): 'moved' | 'repeat' | 'exception' | 'held' {
    if (direction === 'unknown') return (this.exceptions++, 'exception');
    if (mode === 'receiving' && direction === 'in' && this.held.has(epc) && this.locationOf(epc) === 'supplier') return (this.heldPasses++, 'held');
    const m = MEANING[mode]?.[direction];
    if (!m) throw new Error(`expected ledger: a pass of ${epc} at a ${mode} door going ${direction} has no meaning`);
    const at = this.locationOf(epc);
    if (at === m.to) return (this.repeats++, 'repeat');
    if (m.from !== 'current' && at !== m.from) return (this.exceptions++, 'exception');
    if (m.from === 'current' && at === 'supplier') return (this.exceptions++, 'exception');
    this.move(epc, at, m.to);
    return 'moved';
  }

  /** A quantity-tracked item scanned at a door of `mode`: receiving takes it from the supplier (the only use here). */
  scan(sku: string, mode: DoorMode, qty: number): void {
    if (mode !== 'receiving') throw new Error(`expected ledger: a scan of ${sku} at a ${mode} door has no meaning here`);
    const key = `${sku}@receiving`;
    this.quantities.set(key, (this.quantities.get(key) ?? 0) + qty);
    this.moves++;
  }

  hold(id: string, sku: string, qty: number): void {
    if (this.holds.has(id)) return;
    this.holds.set(id, { id, sku, qty, state: 'pending' });
  }

  voidHold(id: string): void {
    const h = this.holds.get(id);
    if (h) h.state = 'voided';
  }

  /** Units per (sku, location) at real locations. */
  balances(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [epc, loc] of this.where) {
      if (loc === 'supplier' || loc === 'customer' || loc === 'adjustment') continue;
      const key = `${this.skuOf.get(epc)}@${loc}`;
      out.set(key, (out.get(key) ?? 0) + 1);
    }
    for (const [key, n] of this.quantities) if (n) out.set(key, (out.get(key) ?? 0) + n);
    return out;
  }

  count(sku: string, loc: Loc): number {
    let n = 0;
    for (const [epc, l] of this.where) if (l === loc && this.skuOf.get(epc) === sku) n++;
    return n;
  }

  pendingHolds(sku: string): number {
    let n = 0;
    for (const h of this.holds.values()) if (h.sku === sku && h.state === 'pending') n += h.qty;
    return n;
  }

  /** What a channel fed by `stock` with pct 1 and no buffers shows. */
  channelQuantity(sku: string): number {
    return Math.max(0, this.count(sku, 'stock') - this.pendingHolds(sku));
  }
}
