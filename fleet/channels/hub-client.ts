// fleet/channels — a site's hub seen from the fleet: holding and releasing a fleet channel's order through the hub's
// REST API (POST /api/v1/fleet-channels/:channel/orders …), with the site's bearer token. One try per call: the caller
// decides what an unanswered call means (the order stays at that site until a later try settles it).
import { httpRequest } from '../../connectors/http.js';

export type HubAnswer =
  | { kind: 'held'; status: 'created' | 'exists'; reservations: Array<{ id: string; sku: string; qty: number }> }
  /** The hub answered no (409 insufficient_available, 400 unknown SKU …): nothing is held there for this order. */
  | { kind: 'refused'; status: number; message: string }
  /** No answer, or a 5xx: holds may or may not exist at the hub. */
  | { kind: 'unknown'; message: string };

export interface HubEndpoint {
  url: string;
  token?: string;
}

export interface OrderLine {
  sku: string;
  qty: number;
}

function headers(hub: HubEndpoint): Record<string, string> {
  return { 'content-type': 'application/json', accept: 'application/json', ...(hub.token ? { authorization: `Bearer ${hub.token}` } : {}) };
}

const base = (hub: HubEndpoint, channel: string) => `${hub.url.replace(/\/+$/, '')}/api/v1/fleet-channels/${encodeURIComponent(channel)}/orders`;

export async function holdAtHub(hub: HubEndpoint, channel: string, orderId: string, lines: readonly OrderLine[], timeoutMs: number): Promise<HubAnswer> {
  let res;
  try {
    res = await httpRequest('POST', base(hub, channel), headers(hub), JSON.stringify({ orderId, lines }), timeoutMs);
  } catch (err) {
    return { kind: 'unknown', message: (err as Error).message };
  }
  if (res.status === 200 || res.status === 201) {
    const body = JSON.parse(res.text) as { status: 'created' | 'exists'; reservations: Array<{ id: string; sku: string; qty: number }> };
    return { kind: 'held', status: body.status, reservations: body.reservations };
  }
  if (res.status >= 500 || res.status === 429) return { kind: 'unknown', message: `HTTP ${res.status}` };
  let message = res.text.slice(0, 300);
  try {
    message = (JSON.parse(res.text) as { message?: string }).message ?? message;
  } catch {
    // not JSON: the text itself
  }
  return { kind: 'refused', status: res.status, message };
}

/** Void the order's holds at the hub. True when the hub answered (holds voided, or none there). */
export async function releaseAtHub(hub: HubEndpoint, channel: string, orderId: string, skus: readonly string[], reason: string, timeoutMs: number): Promise<{ ok: true } | { ok: false; message: string }> {
  try {
    const res = await httpRequest('POST', `${base(hub, channel)}/${encodeURIComponent(orderId)}/cancel`, headers(hub), JSON.stringify({ skus, reason }), timeoutMs);
    return res.status === 200 ? { ok: true } : { ok: false, message: `HTTP ${res.status}: ${res.text.slice(0, 200)}` };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}
