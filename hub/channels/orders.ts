// hub/channels — orders in: a channel order becomes reservations (two-phase holds) so every channel's availability
// drops at once; a cancelled order voids them. Also Shopify's webhook HMAC check and orders/create payload mapping.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ChannelConfig } from '../../protocols/channels/config.js';

/** What channels need of the ledger's reservations. The ledger adapter (ledger-port.ts) implements it. */
export interface ReservationsPort {
  /** `state`: the hold's state now (an `exists` hold may have been voided, expired or posted since). */
  reserve(r: { id: string; sku: string; qty: number; channel: string; reference: string; expiresAt: number }): PortResult<{ status: 'created' | 'exists'; state?: string }>;
  void(id: string, reason: string): PortResult<{ state: string }>;
}

export type PortResult<T> = ({ ok: true } & T) | { ok: false; code: string; message: string; field?: string };

export interface ChannelOrderInput {
  /** the channel's order id (idempotency: the same order twice makes its reservations once) */
  orderId: string;
  lines: ReadonlyArray<{ sku: string; qty: number }>;
  /** how long the hold lasts if the shipment never posts it; default 14 days */
  holdMs?: number;
}

export interface ChannelOrderResult {
  status: 'created' | 'exists';
  reservations: Array<{ id: string; sku: string; qty: number }>;
}

export class ChannelOrderError extends Error {
  override readonly name = 'ChannelOrderError';
  constructor(
    /** unknown_sku | insufficient_available | conflict | invalid | … (ledger codes pass through) */
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export interface OrderDeps {
  reservations: ReservationsPort;
  /** the sync's markDirty: every channel recomputes the SKU at once */
  markDirty(sku: string): void;
  now(): number;
}

const DEFAULT_HOLD_MS = 14 * 24 * 3600_000;

/** One hold per channel × order × SKU, so a replayed or cancelled order finds its holds without a lookup. */
export function reservationId(channel: string, orderId: string, sku: string): string {
  return `ch:${channel}:${orderId}:${sku}`;
}

/**
 * Reserve every line of a channel order, all or nothing: when a line cannot be held, the lines already held for
 * this call are voided and a ChannelOrderError names the line (`lines[1].qty`). Replaying an order answers `exists`.
 */
/**
 * Who an order comes from: a hub channel (it sells only its mapped SKUs), or a fleet channel (`skus` absent: the fleet
 * checked its own mapping; any SKU of the ledger may be held, an unknown one is refused by the ledger).
 */
export type OrderChannel = Pick<ChannelConfig, 'id'> & Partial<Pick<ChannelConfig, 'skus'>> & {
  /** An order whose hold here was voided or expired is refused (409), not answered `exists` with nothing held. */
  refuseReleased?: boolean;
};

/**
 * A fleet channel's orders hold stock here under `fleet:<channel>`: never the same holds as a hub channel's. The fleet
 * releases an order at a site before routing it to another: holding it here again must say so, not `exists`.
 */
export function fleetOrderChannel(channel: string): OrderChannel {
  return { id: `fleet:${channel}`, refuseReleased: true };
}

export function createChannelOrder(deps: OrderDeps, channel: OrderChannel, input: ChannelOrderInput): ChannelOrderResult {
  input.lines.forEach((l, i) => {
    if (channel.skus && !channel.skus[l.sku]) throw new ChannelOrderError('unknown_sku', `lines[${i}].sku: ${JSON.stringify(l.sku)} is not sold on channel ${channel.id}`, `lines[${i}].sku`);
    if (!Number.isInteger(l.qty) || l.qty < 1) throw new ChannelOrderError('invalid', `lines[${i}].qty must be a whole number ≥ 1, got ${l.qty}`, `lines[${i}].qty`);
  });
  // Lines of the same SKU become one hold; `at` keeps the first line's index for error messages.
  const merged = new Map<string, { sku: string; qty: number; at: number }>();
  input.lines.forEach((l, i) => {
    const m = merged.get(l.sku);
    if (m) m.qty += l.qty;
    else merged.set(l.sku, { sku: l.sku, qty: l.qty, at: i });
  });
  const now = deps.now();
  const expiresAt = now + (input.holdMs ?? DEFAULT_HOLD_MS);
  const made: string[] = [];
  const out: ChannelOrderResult = { status: 'exists', reservations: [] };
  try {
    for (const l of merged.values()) {
      const i = l.at;
      const id = reservationId(channel.id, input.orderId, l.sku);
      const r = deps.reservations.reserve({ id, sku: l.sku, qty: l.qty, channel: channel.id, reference: `${channel.id} order ${input.orderId}`, expiresAt });
      if (!r.ok) throw new ChannelOrderError(r.code, `lines[${i}]: ${r.message}`, r.field === 'qty' || r.field === 'sku' ? `lines[${i}].${r.field}` : `lines[${i}]`);
      if (channel.refuseReleased && (r.state === 'voided' || r.state === 'expired')) {
        throw new ChannelOrderError('reservation_state', `lines[${i}]: order ${input.orderId} was released here (hold ${id} is ${r.state})`, `lines[${i}]`);
      }
      if (r.status === 'created') {
        made.push(id);
        out.status = 'created';
      }
      out.reservations.push({ id, sku: l.sku, qty: l.qty });
    }
  } catch (err) {
    for (const id of made) deps.reservations.void(id, `order ${input.orderId} could not be reserved in full`);
    throw err;
  } finally {
    for (const l of input.lines) deps.markDirty(l.sku);
  }
  return out;
}

/** Void the holds of a cancelled order. Holds already shipped (posted) or unknown are reported with their error. */
export function cancelChannelOrder(deps: OrderDeps, channel: OrderChannel, orderId: string, skus: readonly string[], reason = 'order cancelled'): Array<{ id: string; state?: string; error?: string }> {
  const unique = [...new Set(skus)];
  const out = unique.map((sku) => {
    const id = reservationId(channel.id, orderId, sku);
    const r = deps.reservations.void(id, reason);
    return r.ok ? { id, state: r.state } : { id, error: r.message };
  });
  for (const sku of unique) deps.markDirty(sku);
  return out;
}

/** Shopify webhook authenticity: base64 HMAC-SHA256 of the raw body with the app's secret, compared in constant time. */
export function verifyShopifyHmac(rawBody: Buffer | string, header: string | undefined, secret: string): boolean {
  if (!header) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  const got = Buffer.from(header, 'base64');
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/** The parts of Shopify's `orders/create` payload we use. */
export interface ShopifyOrderPayload {
  id: number | string;
  /** "gid://shopify/Order/820982911946154508": exact, where `id` may exceed a JS number's precision */
  admin_graphql_api_id?: string;
  name?: string;
  cancelled_at?: string | null;
  line_items: Array<{ id?: number | string; sku?: string | null; variant_id?: number | string | null; quantity: number }>;
}

/** The order's id as text, exact even past 2^53 (taken from admin_graphql_api_id when present). */
export function shopifyOrderId(order: ShopifyOrderPayload): string {
  const gid = /^gid:\/\/shopify\/Order\/(\d+)$/.exec(order.admin_graphql_api_id ?? '');
  return gid ? gid[1]! : String(order.id);
}

/**
 * Map a Shopify order's line items to our SKUs: by the line's `sku` (through a mapping whose `item`… is the
 * InventoryItem, so we match on our SKU itself). Lines without a SKU we sell on this channel are returned apart.
 */
export function shopifyOrderLines(channel: ChannelConfig, order: ShopifyOrderPayload): { lines: Array<{ sku: string; qty: number }>; ignored: string[] } {
  const lines: Array<{ sku: string; qty: number }> = [];
  const ignored: string[] = [];
  for (const li of order.line_items) {
    if (li.sku && channel.skus[li.sku]) lines.push({ sku: li.sku, qty: li.quantity });
    else ignored.push(String(li.sku ?? li.variant_id ?? li.id ?? '?'));
  }
  return { lines, ignored };
}
