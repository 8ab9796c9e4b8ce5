// scripts/e2e/site — the seeded plan of a day: which pallets arrive at which receiving door and when, which units are
// put away, shipped, returned and restocked, the channel orders, and the faults with their moments. Pure: the same
// seed, doors and minutes give the same plan (the replay of a failing seed starts from here).
import { rng, sgtin96 } from '../../sim/scenario.js';
import { QTY_SKUS, SKUS, skuOfEpc, type SimDoor } from './layout.js';
import type { PalletPattern } from './patterns.js';

export interface Leg {
  door: string;
  /** Index into the pattern library; the pattern's tag count is the number of units. */
  pattern: number;
  units: string[];
}

/** An expected receipt (ASN) the pallet arrives against; the plan makes some of them wrong on purpose. */
export interface ReceiptPlan {
  po: string;
  /** exact: the ASN lists what is on the truck; short: one unit listed is not on the truck; unexpected: the truck
   * carries units of a SKU the ASN does not list (held on an unexpected_item variance until resolved). */
  kind: 'exact' | 'short' | 'unexpected';
  lines: Array<{ sku: string; qty: number }>;
  /** The SKU the ASN gets wrong: one unit short (kind short) or not listed at all (kind unexpected). */
  off?: string;
  /** Units on the truck of the SKU not on the ASN (kind unexpected). */
  held: string[];
  /** Accept the unexpected_item variance (its held units are received then) or dismiss it (they go back). */
  accept: boolean;
}

/** A variance the day must raise, derived from the plan alone (ground truth), never from the hub's code. */
export interface ExpectedVariance {
  type: 'short' | 'unexpected_item';
  reference: string;
  sku: string;
  expected: number;
  actual: number;
  status: 'open' | 'accepted' | 'dismissed';
}

export interface Trip {
  id: number;
  /** The ASN this pallet arrives against (opened at its door before, closed after the pallet is shown). */
  receipt?: ReceiptPlan;
  /** ms from the start of the day. */
  at: number;
  receive: Leg;
  /** Put away (REST receiving → stock) before shipping. */
  putaway: string[];
  /** Of the units kept back from shipping, those put away to the reserve (REST receiving → reserve) instead of stock. */
  reserve: string[];
  /** Wait this long after the put-away before shipping. */
  shipDelay: number;
  ship?: Leg;
  returnDelay: number;
  returns?: Leg;
  /** Returned units put back into stock (REST returns → stock). */
  restock: string[];
}

export interface Order {
  id: string;
  at: number;
  sku: string;
  qty: number;
  /** Cancel this long after it was placed (undefined: keep). */
  cancelAfter?: number;
}

export type FaultKind = 'hub-kill' | 'gateway-kill' | 'broker-kill' | 'llrp-drop' | 'keepalive-stop' | 'split' | 'coalesce' | 'channel-fault' | 'corrupt' | 'scanner-unplug';

/** The operator scans a carton's GS1 barcode (quantity-tracked SKU, AI 30 count) at the scanner's receiving door. */
export interface ScanPlan {
  at: number;
  sku: string;
  gtin: string;
  qty: number;
}

export interface Fault {
  at: number;
  kind: FaultKind;
  /** gateway id or door id, by kind. */
  target: string;
  /** down time, duration, or variant, by kind. */
  param: number;
  /** scanner-unplug: a carton the operator scans while the scanner is unplugged (re-scanned after the replug). */
  scan?: ScanPlan;
}

/** A cycle count of the reserve for one SKU; `lose`: a unit there has physically gone (the count finds it missing). */
export interface CountPlan {
  at: number;
  /** Picks the SKU among those in the reserve at the time, and the lost unit among its units (sorted). */
  pick: number;
  lose: boolean;
}

export interface DayPlan {
  seed: number;
  durationMs: number;
  trips: Trip[];
  orders: Order[];
  counts: CountPlan[];
  /** Barcode scans at the scanner's door (empty without a scanner). */
  scans: ScanPlan[];
  faults: Fault[];
  /** The capped gateway's overflow: pallets received at its door while it is cut off (empty without faults). */
  cap: Leg[];
}

export interface PlanOptions {
  seed: number;
  minutes: number;
  doors: SimDoor[];
  patterns: PalletPattern[];
  /** Patterns for the capped door (large pallets, together more than its outbox holds). */
  capPatterns: PalletPattern[];
  faults: boolean;
  broker: 'embedded' | 'mosquitto';
  /** The site has a serial scanner (id) on a pty: plan scans, and unplug faults. */
  scanner?: string;
  /** Channels whose API a channel fault may strike (default: the webhook channel `web`). */
  channels?: string[];
}

export function planDay(o: PlanOptions): DayPlan {
  const r = rng(o.seed);
  const T = Math.round(o.minutes * 60_000);
  const pick = <X>(xs: readonly X[]): X => xs[Math.floor(r() * xs.length)]!;
  const normal = o.doors.filter((d) => d.gateway !== 'gw-cap');
  const receiving = normal.filter((d) => d.mode === 'receiving');
  const shipping = normal.filter((d) => d.mode === 'shipping');
  const returns = normal.filter((d) => d.mode === 'returns');
  let serial = 1 + (o.seed % 100_000) * 10_000;
  const unitsFor = (n: number): string[] => Array.from({ length: n }, () => sgtin96(614141, pick(SKUS).itemRef, serial++));
  const patternAtMost = (n: number): number => {
    const fits = o.patterns.map((p, i) => ({ p, i })).filter((x) => x.p.tags <= n);
    return pick(fits).i;
  };
  const shuffle = <X>(xs: X[]): X[] => {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  };

  // A receiving door handles a pallet every ~30 s of the day's first 60 %; everything after is shipping and returns.
  const trips: Trip[] = [];
  const nTrips = Math.max(2, Math.floor((receiving.length * T * 0.6) / 30_000));
  // The first trips arrive against an ASN of each kind (so that a short day has them all), later ones a third of the time.
  const receiptFor = (id: number, units: string[]): ReceiptPlan | undefined => {
    const kinds = ['unexpected', 'short', 'exact'] as const;
    if (id >= kinds.length && r() >= 0.35) return undefined;
    let kind: ReceiptPlan['kind'] = id < kinds.length ? kinds[id]! : pick(kinds);
    const bySku = new Map<string, string[]>();
    for (const u of units) bySku.set(skuOfEpc(u), [...(bySku.get(skuOfEpc(u)) ?? []), u]);
    const skus = [...bySku.keys()].sort();
    if (kind === 'unexpected' && skus.length < 2) kind = 'short'; // an ASN needs one line left
    const off = kind === 'unexpected' ? skus.reduce((a, b) => (bySku.get(b)!.length < bySku.get(a)!.length ? b : a)) : kind === 'short' ? pick(skus) : undefined;
    const lines = skus.filter((s) => kind !== 'unexpected' || s !== off).map((sku) => ({ sku, qty: bySku.get(sku)!.length + (kind === 'short' && sku === off ? 1 : 0) }));
    const accept = id === 0 || r() < 0.5;
    return { po: `po-${o.seed}-${id}`, kind, lines, ...(off ? { off } : {}), held: kind === 'unexpected' ? bySku.get(off!)! : [], accept };
  };
  for (let id = 0; id < nTrips; id++) {
    const p = Math.floor(r() * o.patterns.length);
    const units = unitsFor(o.patterns[p]!.tags);
    const receive: Leg = { door: pick(receiving).id, pattern: p, units };
    const at = Math.floor(r() * T * 0.6);
    const receipt = receiptFor(id, units);
    // Held units are not received with the pallet: they are neither put away nor shipped.
    const ordered = shuffle(units.filter((u) => !receipt?.held.includes(u)));
    const shipP = ordered.length > 0 && r() < 0.85 ? patternAtMost(ordered.length) : -1;
    const shipped = shipP >= 0 ? ordered.slice(0, o.patterns[shipP]!.tags) : [];
    const kept = ordered.slice(shipped.length);
    // Some kept units go to the reserve (the first trips' first two always, so that a short day has a count to do).
    const reserve = kept.filter((_, i) => (id < 2 && i < 2) || r() < 0.25);
    const putaway = [...kept.filter((u) => !reserve.includes(u)), ...shipped.filter(() => r() < 0.4)];
    const ship: Leg | undefined = shipP >= 0 ? { door: pick(shipping).id, pattern: shipP, units: shipped } : undefined;
    let ret: Leg | undefined;
    if (ship && r() < 0.3) {
      const rp = patternAtMost(Math.min(3, shipped.length));
      ret = { door: pick(returns).id, pattern: rp, units: shipped.slice(0, o.patterns[rp]!.tags) };
    }
    const restock = ret ? ret.units.filter(() => r() < 0.5) : [];
    trips.push({ id, ...(receipt ? { receipt } : {}), at, receive, putaway, shipDelay: Math.floor(r() * T * 0.15), ...(ship ? { ship } : {}), returnDelay: Math.floor(r() * T * 0.1), ...(ret ? { returns: ret } : {}), restock, reserve });
  }
  trips.sort((a, b) => a.at - b.at);

  const orders: Order[] = [];
  const nOrders = Math.max(3, Math.floor(T / 8_000));
  for (let i = 0; i < nOrders; i++) {
    const at = Math.floor(T * (0.15 + r() * 0.75));
    orders.push({ id: `o-${o.seed}-${i}`, at, sku: pick(SKUS).sku, qty: 1 + Math.floor(r() * 2), ...(r() < 0.4 ? { cancelAfter: Math.floor(r() * T * 0.1) } : {}) });
  }
  orders.sort((a, b) => a.at - b.at);

  // Cycle counts of the reserve in the day's second half, one every ~2 minutes (at least one); the first finds a unit gone.
  const counts: CountPlan[] = [];
  const nCounts = Math.max(1, Math.floor(T / 120_000));
  for (let i = 0; i < nCounts; i++) counts.push({ at: Math.floor(T * (0.5 + r() * 0.4)), pick: r(), lose: i === 0 || r() < 0.5 });
  counts.sort((a, b) => a.at - b.at);

  const scan = (at: number): ScanPlan => {
    const q = pick(QTY_SKUS);
    return { at, sku: q.sku, gtin: q.gtin, qty: 1 + Math.floor(r() * 4) };
  };
  const scans: ScanPlan[] = [];
  if (o.scanner) for (let i = 0, n = Math.max(4, Math.floor(T / 10_000)); i < n; i++) scans.push(scan(Math.floor(T * (0.05 + r() * 0.8))));
  scans.sort((a, b) => a.at - b.at);

  const faults: Fault[] = [];
  const cap: Leg[] = [];
  if (o.faults) {
    const gateways = [...new Set(normal.map((d) => d.gateway))];
    const kinds: FaultKind[] = ['hub-kill', 'gateway-kill', 'llrp-drop', 'keepalive-stop', 'split', 'coalesce', 'channel-fault', 'corrupt'];
    // Every channel's API is struck at least once.
    for (let i = 1; i < (o.channels?.length ?? 1); i++) kinds.push('channel-fault');
    if (o.broker === 'mosquitto') kinds.push('broker-kill');
    if (o.scanner) kinds.push('scanner-unplug');
    // Every kind at least once, then more at random: one fault every ~12 s of the day.
    const n = Math.max(kinds.length, Math.floor(T / 12_000));
    const list = [...kinds, ...Array.from({ length: n - kinds.length }, () => pick(kinds))];
    shuffle(list);
    let channelFaults = 0; // channel faults take the channels in turn
    list.forEach((kind, i) => {
      const at = Math.floor(T * (0.05 + (0.8 * (i + r() * 0.8)) / list.length));
      if (kind === 'scanner-unplug') return void faults.push({ at, kind, target: o.scanner!, param: 1000 + Math.floor(r() * 3000), scan: scan(at) });
      const channels = o.channels ?? ['web'];
      const target = kind === 'channel-fault' ? channels[channelFaults++ % channels.length]! : kind === 'hub-kill' || kind === 'broker-kill' ? 'site' : kind === 'gateway-kill' || kind === 'corrupt' ? pick(gateways) : pick(normal).id;
      const param = kind === 'hub-kill' || kind === 'gateway-kill' || kind === 'broker-kill' ? 200 + Math.floor(r() * 1500) : kind === 'split' || kind === 'coalesce' ? 3000 + Math.floor(r() * 7000) : Math.floor(r() * 3);
      faults.push({ at, kind, target, param });
    });
    for (let i = 0; i < o.capPatterns.length; i++) cap.push({ door: 'door-cap', pattern: i, units: unitsFor(o.capPatterns[i]!.tags) });
  }
  return { seed: o.seed, durationMs: T, trips, orders, counts, scans, faults, cap };
}

/** The variances the plan's receipts must raise: a short line at close, the held SKU not on the ASN (resolved as planned). */
export function expectedVariances(receipts: readonly ReceiptPlan[]): ExpectedVariance[] {
  const out: ExpectedVariance[] = [];
  for (const r of receipts) {
    if (r.kind === 'short') {
      const l = r.lines.find((x) => x.sku === r.off)!;
      out.push({ type: 'short', reference: r.po, sku: l.sku, expected: l.qty, actual: l.qty - 1, status: 'open' });
    }
    if (r.kind === 'unexpected') out.push({ type: 'unexpected_item', reference: r.po, sku: r.off!, expected: 0, actual: r.held.length, status: r.accept ? 'accepted' : 'dismissed' });
  }
  return out;
}
