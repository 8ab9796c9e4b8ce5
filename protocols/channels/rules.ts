// protocols/channels — the allocation rules: how many units each sales channel may show for one SKU. Pure, no I/O.
//
//   q = clamp(floor(pct × (available − globalBuffer − channelBuffer − allocatedToOthers)), 0, max)
//   q = 0 when q ≤ endWhen
//
// Fixed allocations (a wholesale channel that always gets N units, Sellercloud's "fixed channel quantity") are
// carved out of the stock first, in configuration order; the percentage channels share what is left.

export interface ChannelRule {
  /** Share of the remaining stock this channel shows, 0..1 (Linnworks "stock percentage"). */
  pct: number;
  /** Units held back for this channel only (Sellercloud "safety quantity"). */
  channelBuffer: number;
  /** Never show more than this (Linnworks `MaxListedQuantity`); absent = no ceiling. */
  max?: number;
  /** Show 0 when the computed quantity is this or less (Linnworks `EndWhenStock`). */
  endWhen: number;
  /** A fixed allocation: this channel gets up to `fixed` units before any percentage channel sees stock. */
  fixed?: number;
}

export interface RuleInput {
  /** On-hand in the channel's feeding locations minus reservations. May be negative (oversold, mis-scan). */
  available: number;
  globalBuffer: number;
  /** Units already carved out for other channels' fixed allocations. */
  allocatedToOthers: number;
}

function assertCount(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a whole number ≥ 0, got ${value}`);
}

/** Throws a RangeError naming the field when a rule cannot be evaluated. */
export function validateRule(rule: ChannelRule, where = 'rule'): void {
  if (!Number.isFinite(rule.pct) || rule.pct < 0 || rule.pct > 1) throw new RangeError(`${where}.pct must be between 0 and 1, got ${rule.pct}`);
  assertCount(rule.channelBuffer, `${where}.channelBuffer`);
  assertCount(rule.endWhen, `${where}.endWhen`);
  if (rule.max !== undefined) assertCount(rule.max, `${where}.max`);
  if (rule.fixed !== undefined) assertCount(rule.fixed, `${where}.fixed`);
}

function clamp(q: number, max: number | undefined): number {
  if (q < 0) return 0;
  return max !== undefined && q > max ? max : q;
}

/** The quantity a percentage channel shows. */
export function channelQuantity(rule: ChannelRule, input: RuleInput): number {
  if (!Number.isInteger(input.available)) throw new RangeError(`available must be a whole number, got ${input.available}`);
  const base = input.available - input.globalBuffer - rule.channelBuffer - input.allocatedToOthers;
  // floor(pct × base) for base ≥ 0; a negative base clamps to 0 anyway. The epsilon keeps 0.07 × 100 = 7, not 6.
  const q = clamp(base <= 0 ? 0 : Math.floor(rule.pct * base + 1e-9), rule.max);
  const shown = q <= rule.endWhen ? 0 : q;
  if (!(shown >= 0 && Number.isInteger(shown))) throw new Error(`invariant: rule produced ${shown} from ${JSON.stringify(input)}`);
  return shown;
}

export interface ChannelStock {
  channel: string;
  rule: ChannelRule;
  /** available in this channel's feeding locations */
  available: number;
}

/**
 * Every channel's quantity for one SKU. Fixed channels first, in the given order, each getting
 * min(fixed, what is left after the global buffer, its own buffer and earlier fixed channels), then clamped by max
 * and endWhen; percentage channels then see `allocatedToOthers` = everything the fixed channels took.
 */
export function allocate(channels: readonly ChannelStock[], globalBuffer: number): Map<string, number> {
  assertCount(globalBuffer, 'globalBuffer');
  const out = new Map<string, number>();
  let carved = 0;
  for (const c of channels) {
    if (c.rule.fixed === undefined) continue;
    const left = c.available - globalBuffer - c.rule.channelBuffer - carved;
    const take = clamp(Math.min(c.rule.fixed, left), c.rule.max);
    const shown = take <= c.rule.endWhen ? 0 : take;
    carved += take; // units held for a fixed channel stay carved out even when endWhen hides them
    out.set(c.channel, shown);
  }
  for (const c of channels) {
    if (c.rule.fixed !== undefined) continue;
    out.set(c.channel, channelQuantity(c.rule, { available: c.available, globalBuffer, allocatedToOthers: carved }));
  }
  return out;
}
