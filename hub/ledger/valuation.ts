// hub/ledger — the cost engine (pure): FIFO layers and moving average for one SKU, in integer minor units.
// Used by posting (moves.ts, on layers loaded from SQLite) and by the check (check.ts, replaying every move in memory),
// so the check recomputes value with exactly the rules that booked it.
//
// Layers hold what is on hand: FIFO keeps one layer per inbound move, oldest first; moving average keeps one pooled
// layer. Stock issued beyond the layers (a location that allows negative on-hand) becomes a negative layer priced at the
// fallback unit cost; the next inbound units fill it first, and the difference between their price and the value
// booked when they were issued is the move's variance. Invariants: a layer with qty 0 has value 0; FIFO holds either
// only positive layers or one negative layer; moving average holds at most one open layer.
import { invariant } from './errors.js';
import type { CostMethod } from './types.js';

export interface Layer {
  /** Database id; null for a layer this engine just created. */
  id: number | null;
  unitCost: number;
  qty: number;
  value: number;
}

export interface ValueEffect {
  /** Layers created or changed (mutated in place), in order; new ones have id null. */
  changed: Layer[];
  /** Signed change of inventory value. */
  valueDelta: number;
  /** Positive total booked: inbound at price, outbound COGS. */
  valueCost: number;
  /** Inbound only: price of the units that filled negative stock minus the value they had been issued at. */
  variance: number;
}

/** round(a * b / c), half away from zero, exact for any safe integers (BigInt in the middle). */
export function mulDivRound(a: number, b: number, c: number): number {
  invariant(c !== 0, 'division by zero in cost arithmetic');
  const n = BigInt(a) * BigInt(b);
  const d = BigInt(c);
  const neg = n < 0n !== d < 0n;
  const an = n < 0n ? -n : n;
  const ad = d < 0n ? -d : d;
  const q = (an * 2n + ad) / (ad * 2n);
  const r = Number(neg ? -q : q);
  invariant(Number.isSafeInteger(r), `cost arithmetic overflow (${a} × ${b} / ${c})`);
  return r;
}

function safeMul(a: number, b: number): number {
  const r = a * b;
  invariant(Number.isSafeInteger(r), `cost arithmetic overflow (${a} × ${b})`);
  return r;
}

/**
 * qty units come in at unitCost. `head` is the SKU's first open layer (the only one that can be negative, and for
 * moving average the pool), or undefined if none is open.
 */
export function receive(method: CostMethod, head: Layer | undefined, qty: number, unitCost: number): ValueEffect {
  invariant(Number.isSafeInteger(qty) && qty > 0, `receive qty ${qty} must be a positive integer`);
  invariant(Number.isSafeInteger(unitCost) && unitCost >= 0, `unit cost ${unitCost} must be a non-negative integer`);
  const changed: Layer[] = [];
  let left = qty;
  let booked = 0;
  if (head && head.qty < 0) {
    const k = Math.min(left, -head.qty);
    const fill = k === -head.qty ? -head.value : mulDivRound(head.value, k, head.qty);
    head.qty += k;
    head.value += fill;
    booked += fill;
    left -= k;
    changed.push(head);
  }
  const price = safeMul(qty, unitCost);
  if (left > 0) {
    const add = safeMul(left, unitCost);
    booked += add;
    if (method === 'moving_average' && head) {
      head.qty += left;
      head.value += add;
      if (!changed.includes(head)) changed.push(head);
    } else {
      changed.push({ id: null, unitCost, qty: left, value: add });
    }
  }
  if (method === 'moving_average') {
    const pool = changed[changed.length - 1]!;
    pool.unitCost = pool.qty > 0 ? mulDivRound(pool.value, 1, pool.qty) : unitCost;
  }
  for (const l of changed) assertLayer(l);
  return { changed, valueDelta: booked, valueCost: price, variance: price - booked };
}

/**
 * qty units go out. `open` yields the SKU's open layers oldest first (it may be lazy: it is read only as far as
 * needed). Units beyond the layers are issued at fallbackUnitCost into a negative layer.
 */
export function issue(method: CostMethod, open: Iterable<Layer>, qty: number, fallbackUnitCost: number): ValueEffect {
  invariant(Number.isSafeInteger(qty) && qty > 0, `issue qty ${qty} must be a positive integer`);
  invariant(Number.isSafeInteger(fallbackUnitCost) && fallbackUnitCost >= 0, `fallback unit cost ${fallbackUnitCost} must be a non-negative integer`);
  const changed: Layer[] = [];
  let left = qty;
  let cost = 0;
  let last: Layer | undefined;
  for (const layer of open) {
    if (left === 0) break;
    last = layer;
    if (layer.qty <= 0) break; // a negative layer is the only open one
    const k = Math.min(left, layer.qty);
    const take = k === layer.qty ? layer.value : mulDivRound(layer.value, k, layer.qty);
    layer.qty -= k;
    layer.value -= take;
    cost += take;
    left -= k;
    changed.push(layer);
  }
  if (left > 0) {
    const short = safeMul(left, fallbackUnitCost);
    cost += short;
    if (last && (last.qty < 0 || method === 'moving_average')) {
      invariant(last.qty <= 0, 'an open layer remained positive while issuing beyond the layers');
      last.qty -= left;
      last.value -= short;
      if (last.qty === -left) last.unitCost = fallbackUnitCost;
      if (!changed.includes(last)) changed.push(last);
    } else {
      changed.push({ id: null, unitCost: fallbackUnitCost, qty: -left, value: -short });
    }
  }
  for (const l of changed) assertLayer(l);
  return { changed, valueDelta: -cost, valueCost: cost, variance: 0 };
}

function assertLayer(l: Layer): void {
  invariant(Number.isSafeInteger(l.qty) && Number.isSafeInteger(l.value), `layer qty/value must be integers (${l.qty}, ${l.value})`);
  invariant(l.qty !== 0 || l.value === 0, `a layer with no units kept value ${l.value}`);
  invariant(Math.sign(l.value) === 0 || Math.sign(l.value) === Math.sign(l.qty), `layer value ${l.value} has the wrong sign for qty ${l.qty}`);
}
