// A local stand-in for an ERPNext site, speaking the Frappe REST API's documented shapes at the HTTP layer:
// `Authorization: token <api_key>:<api_secret>`; `GET /api/resource/<DocType>?filters=[[field, op, value], …]&fields=[…]`
// answers `{ data: [ … ] }`; `POST /api/resource/<DocType>` with the document as JSON answers `{ data: { …, name } }`;
// errors as Frappe sends them (`exc_type`, `_server_messages`: a JSON list of JSON-encoded `{ message }`).
// Faults: answer 5xx, or create the document and then drop the connection before answering (a lost answer).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { json, startLocalServer, type LocalServer } from '../../channels/testing/server.js';

export interface FakeErpnext extends LocalServer {
  /** Documents created, per doctype, in order. */
  docs: Map<string, Array<Record<string, unknown>>>;
  requests: Array<{ method: string; path: string; auth: string | undefined }>;
  /** The next n requests answer 503. */
  failNext(n: number): void;
  /** The next create is stored, then its connection is dropped without an answer. */
  loseNextAnswer(): void;
  /** Item codes the site knows; a Purchase Receipt naming another is refused (LinkValidationError). */
  items: Set<string>;
}

const frappeError = (res: ServerResponse, status: number, excType: string, message: string) =>
  json(res, status, { exc_type: excType, exception: `frappe.exceptions.${excType}: ${message}`, _server_messages: JSON.stringify([JSON.stringify({ message, title: 'Message', indicator: 'red' })]) });

type Filter = [string, string, unknown];
const matches = (doc: Record<string, unknown>, filters: Filter[]) =>
  filters.every(([field, op, value]) => {
    const v = doc[field] ?? (field === 'docstatus' ? 0 : null);
    if (op === '=') return v === value;
    if (op === '!=') return v !== value;
    throw new Error(`fake ERPNext: filter operator ${op} not supported`);
  });

export async function startFakeErpnext(token: string, items: readonly string[]): Promise<FakeErpnext> {
  const docs = new Map<string, Array<Record<string, unknown>>>();
  const requests: FakeErpnext['requests'] = [];
  let failing = 0;
  let lose = false;
  const known = new Set(items);
  const server = await startLocalServer((req: IncomingMessage, body, res) => {
    const url = new URL(req.url ?? '/', 'http://erp');
    requests.push({ method: req.method ?? '', path: url.pathname, auth: req.headers.authorization });
    if (failing > 0) {
      failing--;
      return json(res, 503, { message: 'Service Unavailable' });
    }
    if (req.headers.authorization !== `token ${token}`) return frappeError(res, 401, 'AuthenticationError', 'Invalid login credentials');
    const m = /^\/api\/resource\/([^/]+)$/.exec(url.pathname);
    if (!m) return json(res, 404, { exc_type: 'DoesNotExistError' });
    const doctype = decodeURIComponent(m[1]!);
    const list = docs.get(doctype) ?? [];
    docs.set(doctype, list);
    if (req.method === 'GET') {
      const filters = JSON.parse(url.searchParams.get('filters') ?? '[]') as Filter[];
      const fields = JSON.parse(url.searchParams.get('fields') ?? '["name"]') as string[];
      return json(res, 200, { data: list.filter((d) => matches(d, filters)).map((d) => Object.fromEntries(fields.map((f) => [f, d[f]]))) });
    }
    if (req.method !== 'POST') return json(res, 405, { exc_type: 'MethodNotAllowed' });
    if (req.headers['content-type'] !== 'application/json') return frappeError(res, 417, 'ValidationError', 'expected a JSON body');
    const doc = JSON.parse(body.toString()) as Record<string, unknown>;
    if (doctype === 'Purchase Receipt') {
      const lines = doc.items as Array<Record<string, unknown>> | undefined;
      if (!doc.supplier) return frappeError(res, 417, 'MandatoryError', 'Error: Value missing for Purchase Receipt: Supplier');
      if (!Array.isArray(lines) || lines.length === 0) return frappeError(res, 417, 'ValidationError', 'Items are required');
      for (const [i, l] of lines.entries()) {
        if (!known.has(String(l.item_code))) return frappeError(res, 417, 'LinkValidationError', `Could not find Row #${i + 1}: Item Code: ${String(l.item_code)}`);
        if (Number(l.received_qty) !== Number(l.qty) + Number(l.rejected_qty ?? 0)) return frappeError(res, 417, 'ValidationError', `Row #${i + 1}: Received Qty must be equal to Accepted + Rejected Qty for Item ${String(l.item_code)}`);
        if (Number(l.rejected_qty ?? 0) > 0 && !l.rejected_warehouse) return frappeError(res, 417, 'ValidationError', `Row #${i + 1}: Rejected Warehouse is mandatory against rejected Item ${String(l.item_code)}`);
      }
    }
    const name = `MAT-PRE-2026-${String(list.length + 1).padStart(5, '0')}`;
    const stored = { ...doc, name, docstatus: doc.docstatus ?? 0, doctype };
    list.push(stored);
    if (lose) {
      lose = false;
      req.socket.destroy();
      return;
    }
    return json(res, 200, { data: stored });
  });
  return {
    ...server,
    docs,
    requests,
    items: known,
    failNext: (n) => void (failing = n),
    loseNextAnswer: () => void (lose = true),
  };
}
