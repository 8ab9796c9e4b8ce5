// hub/status — helpers for the ops-surface tests (not used in production): tags, passes, gateway status, HTTP calls.
import mqtt from 'mqtt';
import { encodeSgtin } from '../../protocols/epc/index.js';
import { WIRE_VERSION, isoTs, topics, type EventDraft, type GatewayStatus } from '../../protocols/events/index.js';
import { TEST_GATEWAY, TEST_GATEWAY_PASSWORD, TEST_SITE } from '../testing/harness.js';

export const TEST_GTIN = '09506000134352';

export function epc(serial: string): string {
  const r = encodeSgtin({ gtin: TEST_GTIN, companyPrefixLength: 7, serial });
  if (!r.ok) throw new Error(r.reason);
  return r.hex;
}

export function passDraft(door: string, tagEpc: string, direction: 'in' | 'out', atMs = Date.now()): EventDraft {
  const at = isoTs(atMs);
  return { kind: 'tag.pass', door, direction, epc: tagEpc, firstSeen: at, lastSeen: at, reads: 9, peakRssi: -50, antennas: [{ reader: 'r1', antenna: 1, reads: 9, peakRssi: -50 }], confidence: 0.95 };
}

export function gatewayStatus(over: Partial<GatewayStatus> = {}, atMs = Date.now()): GatewayStatus {
  return {
    v: WIRE_VERSION,
    gateway: TEST_GATEWAY,
    online: true,
    ts: isoTs(atMs),
    version: '0.1.0',
    readers: [{ id: 'portal-1', state: 'reading', lastReport: isoTs(atMs), doors: ['door-1', 'door-2', 'door-3'] }],
    scanners: [],
    outbox: { depth: 3, bytes: 300, oldestAgeS: 0.2, dropped: 0 },
    clockOffsetMs: -14,
    ...over,
  };
}

/** Publish a retained gateway status as the gateway would (QoS 1: resolves once the hub has taken it). */
export async function publishStatus(mqttUrl: string, status: GatewayStatus): Promise<void> {
  const c = await mqtt.connectAsync(mqttUrl, { clientId: `status-${Math.random().toString(36).slice(2)}`, username: TEST_GATEWAY, password: TEST_GATEWAY_PASSWORD, reconnectPeriod: 0 });
  try {
    await c.publishAsync(topics.status(TEST_SITE, status.gateway), JSON.stringify(status), { qos: 1, retain: true });
  } finally {
    await c.endAsync();
  }
}

export interface Reply<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/** One HTTP request to the hub, JSON in and out; `token` goes in as a bearer token. */
export async function call<T = Record<string, unknown>>(base: string, method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, { method, headers, ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body: body as T };
}

/** Wait until `check` returns a value (not undefined), polling; fails with `what` after the deadline. */
export async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, deadlineMs = 10_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
