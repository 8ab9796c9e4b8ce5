// hub/variances — test support for the dock-loop scenarios (not used in production): a real hub with every room,
// a gateway publishing over MQTT, tagged units (SGTIN-96 / SSCC-96), and a small REST client.
import { expect } from 'vitest';
import { isoTs, type EventDraft } from '../../protocols/events/index.js';
import { encodeSgtin, encodeSscc } from '../../protocols/epc/index.js';
import { withCheckDigit } from '../../protocols/gs1/index.js';
import { checkLedger } from '../ledger/index.js';
import { hubModules } from '../modules.js';
import { BASE_SITE_YAML, startTestHub, TestGateway, type TestHub } from '../testing/harness.js';

export const PREFIX = '9506000';

/** A GTIN-14 of our company prefix with item reference `ref` (1..99999). */
export function gtin(ref: number): string {
  return withCheckDigit(`0${PREFIX}${String(ref).padStart(5, '0')}`);
}

/** An SSCC of our company prefix with serial reference `ref`. */
export function sscc(ref: number): string {
  return withCheckDigit(`0${PREFIX}${String(ref).padStart(9, '0')}`);
}

export function sgtinEpc(g: string, serial: number | string): string {
  const r = encodeSgtin({ gtin: g, companyPrefixLength: PREFIX.length, serial: String(serial) });
  if (!r.ok) throw new Error(r.reason);
  return r.hex;
}

export function ssccEpc(s: string): string {
  const r = encodeSscc({ sscc: s, companyPrefixLength: PREFIX.length });
  if (!r.ok) throw new Error(r.reason);
  return r.hex;
}

export function pass(door: string, epc: string, direction: 'in' | 'out' | 'unknown' = 'in'): EventDraft {
  const now = isoTs(Date.now());
  return { kind: 'tag.pass', door, direction, epc, firstSeen: now, lastSeen: now, reads: 7, peakRssi: -52, antennas: [{ reader: 'portal-1', antenna: 1, reads: 7, peakRssi: -52 }], confidence: direction === 'unknown' ? 0.3 : 0.95 };
}

export function scan(door: string | undefined, code: { gtin?: string; sscc?: string; qty?: number; codeType?: string; raw?: string; context?: Record<string, string> }): EventDraft {
  const now = isoTs(Date.now());
  return {
    kind: 'scan',
    scanner: 'sc-1',
    ...(door ? { door } : {}),
    raw: code.raw ?? `]C1${code.gtin ? `01${code.gtin}` : `00${code.sscc}`}`,
    codeType: code.codeType ?? 'gs1',
    ...(code.gtin ? { gtin: code.gtin } : {}),
    ...(code.sscc ? { sscc: code.sscc } : {}),
    qty: code.qty ?? 1,
    context: Object.entries(code.context ?? {}).map(([type, value]) => ({ type, value, scannedAt: now })),
  };
}

export interface Scenario {
  t: TestHub;
  gw: TestGateway;
  /** Publish drafts as one batch; resolves once the hub has committed it. */
  send(...drafts: EventDraft[]): Promise<void>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read JSON bodies loosely
  api<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T }>;
  /** Every table that holds stock or variances, for "nothing changed" assertions. */
  snapshot(): string;
  /** checkLedger must be ok; then stop. */
  stop(): Promise<void>;
}

export async function startScenario(yaml: string = BASE_SITE_YAML, clock?: () => number): Promise<Scenario> {
  const t = await startTestHub({ yaml, modulesFor: (config) => hubModules(config), ...(clock ? { clock } : {}) });
  const gw = await TestGateway.connect(t.mqttUrl);
  return {
    t,
    gw,
    async send(...drafts) {
      await gw.send(drafts);
    },
    async api(method, path, body, headers = {}) {
      const res = await t.hub.http.inject({
        method: method as 'GET',
        url: path,
        headers: { ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : typeof body === 'string' ? { 'content-type': 'text/csv' } : {}), ...headers },
        ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
    },
    snapshot() {
      const tables = ['moves', 'balances', 'valuations', 'cost_layers', 'serials', 'variances', 'receipts', 'receipt_lines', 'shipments', 'counts', 'count_lines', 'count_results'];
      return JSON.stringify(tables.map((tb) => t.hub.db.prepare(`SELECT * FROM ${tb} ORDER BY 1, 2`).all()));
    },
    async stop() {
      try {
        const report = checkLedger(t.hub.db);
        expect(report.ok, JSON.stringify(report)).toBe(true);
      } finally {
        await gw.close().catch(() => undefined);
        await t.stop();
      }
    },
  };
}

/** Create items by REST. */
export async function items(s: Scenario, list: Array<{ sku: string; tracking: 'serial' | 'quantity'; gtin?: string; standardCost?: number; costMethod?: 'fifo' | 'moving_average'; reorderPoint?: number; abcClass?: 'A' | 'B' | 'C' }>): Promise<void> {
  for (const i of list) {
    const r = await s.api('POST', '/api/v1/items', { sku: i.sku, name: i.sku, tracking: i.tracking, gtins: i.gtin ? [i.gtin] : [], standardCost: i.standardCost ?? 100, costMethod: i.costMethod ?? 'fifo', ...(i.reorderPoint !== undefined ? { reorderPoint: i.reorderPoint } : {}), ...(i.abcClass ? { abcClass: i.abcClass } : {}) });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  }
}
