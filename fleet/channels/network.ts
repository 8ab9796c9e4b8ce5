// fleet/channels — what each fleet channel should show, from a snapshot of the sites' stock. Pure, no I/O.
//
//   site available(sku)  = on hand in the channel's locations at the site − holds placed there − holds placed nowhere
//   network              = Σ over the channel's sites of max(0, site available − site buffer)
//   shown                = the hub's allocation rules (protocols/channels/rules.ts) over that quantity
//
// In per-site mode each site is its own channel location: shown per site = the rules over max(0, site available −
// buffer). Channels selling the same SKU share it as hub channels do (fixed allocations carved out first, in order).
import { allocate, type ChannelStock } from '../../protocols/channels/rules.js';
import type { FleetChannel } from './config.js';

/** On-hand and pending holds of some SKUs at some sites, as the read model holds them. */
export interface StockSnapshot {
  /** site → sku → location → units on hand */
  onHand: Map<string, Map<string, Map<string, number>>>;
  /** site → sku → location ('' = placed nowhere in particular) → units held by pending holds */
  held: Map<string, Map<string, Map<string, number>>>;
}

export function emptySnapshot(): StockSnapshot {
  return { onHand: new Map(), held: new Map() };
}

export function addTo(m: StockSnapshot['onHand'], site: string, sku: string, location: string, qty: number): void {
  let bySku = m.get(site);
  if (!bySku) m.set(site, (bySku = new Map()));
  let byLoc = bySku.get(sku);
  if (!byLoc) bySku.set(sku, (byLoc = new Map()));
  byLoc.set(location, (byLoc.get(location) ?? 0) + qty);
}

/**
 * A site's available units of a SKU over some of its locations: on hand there − holds placed there − holds placed
 * nowhere (they may be drawn from any location, so every channel counts them). May be negative (oversold).
 */
export function siteAvailable(snap: StockSnapshot, site: string, sku: string, locations: readonly string[]): number {
  const on = snap.onHand.get(site)?.get(sku);
  const held = snap.held.get(site)?.get(sku);
  let n = 0;
  for (const l of locations) n += (on?.get(l) ?? 0) - (held?.get(l) ?? 0);
  n -= held?.get('') ?? 0;
  if (!Number.isInteger(n)) throw new Error(`invariant: available of ${sku} at ${site} is ${n}`);
  return n;
}

/** What a site may give a channel: its available less its buffer, never below 0 (one site's deficit is not another's). */
export function siteContribution(snap: StockSnapshot, s: FleetChannel['sites'][number], sku: string): number {
  return Math.max(0, siteAvailable(snap, s.site, sku, s.locations) - s.buffer);
}

export function networkAvailable(snap: StockSnapshot, c: FleetChannel, sku: string): number {
  let n = 0;
  for (const s of c.sites) n += siteContribution(snap, s, sku);
  return n;
}

export interface Target {
  channel: string;
  sku: string;
  /** '' for a network quantity; the site id in per-site mode */
  site: string;
  quantity: number;
}

/** Every (channel, SKU[, site]) quantity for the mapped SKUs of these channels. */
export function computeTargets(channels: readonly FleetChannel[], snap: StockSnapshot): Target[] {
  const out: Target[] = [];
  const skus = new Set(channels.flatMap((c) => Object.keys(c.skus)));
  for (const sku of skus) {
    const selling = channels.filter((c) => c.skus[sku]);
    const network: ChannelStock[] = selling.filter((c) => c.sell === 'network').map((c) => ({ channel: c.id, rule: c.rule, available: networkAvailable(snap, c, sku) }));
    for (const [channel, quantity] of allocate(network, 0)) out.push({ channel, sku, site: '', quantity });
    const perSite = selling.filter((c) => c.sell === 'per-site');
    const sites = new Set(perSite.flatMap((c) => c.sites.map((s) => s.site)));
    for (const site of sites) {
      const stock: ChannelStock[] = [];
      for (const c of perSite) {
        const s = c.sites.find((x) => x.site === site);
        if (s) stock.push({ channel: c.id, rule: c.rule, available: siteContribution(snap, s, sku) });
      }
      for (const [channel, quantity] of allocate(stock, 0)) out.push({ channel, sku, site, quantity });
    }
  }
  return out;
}
