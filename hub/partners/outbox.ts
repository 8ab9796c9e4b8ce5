// hub/partners — the durable delivery outbox: a document for a partner is a row written in the same transaction as
// what caused it (a receipt closing), keyed by an idempotency key; a loop delivers due rows to a folder (written under
// a temporary name, then renamed: the same key always lands on the same file) or POSTs them (Idempotency-Key header,
// signed like the channels' webhook), retrying with capped exponential back-off. A row failing `alertAfter` times in a
// row is loud: an error log line each time, the failing gauge, and the status in GET /api/v1/partners/outbox.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../../protocols/logging/index.js';
import { backoffMs, httpRequest, StopAbort } from '../../connectors/http.js';
import { signBody, SIGNATURE_HEADER } from '../../connectors/webhook.js';
import type { Db } from '../db/database.js';
import type { PartnerDeliveries } from '../status/providers.js';
import type { ErpnextConfig } from './config.js';
import { deliverPurchaseReceipt } from './erp/erpnext.js';
import type { Runtime, Timer } from '../../runtime/runtime.js';

/** A folder, a URL (signed with a secret when given), or the configured ERPNext (the body is a Purchase Receipt). */
export type Target = { folder: string } | { url: string; secret?: string | undefined } | { erpnext: true };

export interface OutboxItem {
  key: string;
  partner: string;
  kind: string;
  target: Target;
  fileName: string;
  contentType: string;
  body: string;
}

/** Queue a delivery inside the caller's transaction; the same key again is a no-op (answers false). */
export function enqueue(db: Db, item: OutboxItem, nowMs: number): boolean {
  const r = db
    .prepare(
      `INSERT INTO partner_outbox (key, partner, kind, target, file_name, content_type, body, status, next_ms, created_ms)
    VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT (key) DO NOTHING`,
    )
    .run(item.key, item.partner, item.kind, JSON.stringify(item.target), item.fileName, item.contentType, item.body, nowMs, nowMs);
  return r.changes === 1;
}

interface Row {
  key: string;
  partner: string;
  kind: string;
  target: string;
  file_name: string;
  content_type: string;
  body: string;
  status: 'pending' | 'delivered';
  attempts: number;
  next_ms: number;
  last_error: string | null;
  created_ms: number;
  delivered_ms: number | null;
  answer: string | null;
}

export interface OutboxView {
  key: string;
  partner: string;
  kind: string;
  status: 'pending' | 'delivered' | 'failing';
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
  /** What the receiver named the document (an ERPNext Purchase Receipt's name). */
  answer: string | null;
}

export interface OutboxOptions {
  db: Db;
  log: Logger;
  /** time, the delivery round's timer and the back-off's jitter */
  runtime: Pick<Runtime, 'now' | 'setTimer' | 'random'>;
  retryBaseMs: number;
  retryMaxMs: number;
  alertAfter: number;
  timeoutMs?: number;
  registry?: Registry;
  erpnext?: ErpnextConfig | undefined;
  /** Runs before each delivery round (the ERP hand-off queues posted moves here). */
  beforeTick?: () => void;
}

export class PartnerOutbox {
  private timer?: Timer;
  private running?: Promise<void>;
  private stopped = false;
  /** Aborted by stop(): a delivery in flight ends at once and stays pending, untouched, for the next start. */
  private readonly halt = new AbortController();
  /** Kinds this process has delivered or tried: their failing gauge shows 0 rather than nothing. */
  private readonly kinds = new Set<string>();
  private readonly pending?: Gauge;
  private readonly failing?: Gauge<'kind'>;
  private readonly results?: Counter<'kind' | 'result'>;

  constructor(private readonly o: OutboxOptions) {
    if (o.registry) {
      const registers = [o.registry];
      this.pending = new Gauge({ name: 'dockgate_partner_outbox_pending', help: 'partner documents waiting for delivery', registers });
      this.failing = new Gauge({
        name: 'dockgate_partner_outbox_failing',
        help: 'partner documents whose delivery failed alertAfter times or more in a row, by kind (861, RECADV, epcis, receipt.closed, moves.posted, erpnext.purchase-receipt)',
        labelNames: ['kind'],
        registers,
      });
      this.results = new Counter({
        name: 'dockgate_partner_deliveries_total',
        help: 'partner delivery attempts by kind and result',
        labelNames: ['kind', 'result'],
        registers,
      });
    }
  }

  start(everyMs: number): void {
    const loop = () => {
      if (this.stopped) return;
      this.running = this.tick()
        .catch((err: Error) => this.o.log.error({ err }, 'partner outbox step failed'))
        .finally(() => {
          if (!this.stopped) this.timer = this.o.runtime.setTimer(everyMs, loop);
        });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.halt.abort();
    this.timer?.cancel();
    await this.running;
  }

  /** Deliver every due row once. */
  async tick(): Promise<void> {
    this.o.beforeTick?.();
    const now = this.o.runtime.now();
    const due = this.o.db
      .prepare("SELECT * FROM partner_outbox WHERE status = 'pending' AND next_ms <= ? ORDER BY created_ms, key LIMIT 100")
      .all(now) as Row[];
    for (const row of due) {
      if (this.stopped) break;
      this.kinds.add(row.kind);
      const { error, answer, stopped } = await this.deliver(row);
      if (stopped) break;
      const at = this.o.runtime.now();
      if (error === undefined) {
        this.o.db
          .prepare("UPDATE partner_outbox SET status = 'delivered', delivered_ms = ?, attempts = attempts + 1, last_error = NULL, answer = ? WHERE key = ?")
          .run(at, answer ?? null, row.key);
        this.results?.inc({ kind: row.kind, result: 'delivered' });
        this.o.log.info({ key: row.key, partner: row.partner, kind: row.kind, attempts: row.attempts + 1, answer }, 'partner document delivered');
        continue;
      }
      const attempts = row.attempts + 1;
      const wait = backoffMs(attempts, this.o.retryBaseMs, this.o.retryMaxMs, this.o.runtime.random());
      this.o.db.prepare('UPDATE partner_outbox SET attempts = ?, last_error = ?, next_ms = ? WHERE key = ?').run(attempts, error, at + wait, row.key);
      this.results?.inc({ kind: row.kind, result: 'failed' });
      const ctx = { key: row.key, partner: row.partner, kind: row.kind, attempts, error, retryInMs: wait };
      if (attempts >= this.o.alertAfter) this.o.log.error(ctx, 'partner delivery failing');
      else this.o.log.warn(ctx, 'partner delivery failed: will retry');
    }
    this.gauges();
  }

  private gauges(): void {
    const h = this.health();
    this.pending?.set(h.pending);
    const byKind = new Map([...this.kinds].map((k) => [k, 0]));
    for (const f of h.failing) byKind.set(f.kind, (byKind.get(f.kind) ?? 0) + 1);
    for (const [kind, n] of byKind) this.failing?.set({ kind }, n);
  }

  /** What the status report shows: how many wait, and the ones failing alertAfter times or more in a row. */
  health(): PartnerDeliveries {
    const pending = (this.o.db.prepare("SELECT COUNT(*) AS n FROM partner_outbox WHERE status = 'pending'").get() as { n: number }).n;
    const failing = this.o.db
      .prepare(
        "SELECT key, partner, kind, attempts, last_error AS lastError FROM partner_outbox WHERE status = 'pending' AND attempts >= ? ORDER BY created_ms, key LIMIT 100",
      )
      .all(this.o.alertAfter) as PartnerDeliveries['failing'];
    return { pending, failing };
  }

  /** One try: no error when delivered (with what the receiver named it, if it did), else what went wrong. */
  private async deliver(row: Row): Promise<{ error?: string; answer?: string; stopped?: true }> {
    const target = JSON.parse(row.target) as Target;
    try {
      if ('folder' in target) {
        mkdirSync(target.folder, { recursive: true });
        const tmp = join(target.folder, `.${row.file_name}.tmp`);
        writeFileSync(tmp, row.body);
        renameSync(tmp, join(target.folder, row.file_name));
        return {};
      }
      if ('erpnext' in target) {
        if (!this.o.erpnext) return { error: 'partners.erp.erpnext is no longer configured: this Purchase Receipt waits until it is' };
        const r = await deliverPurchaseReceipt(this.o.erpnext, row.body, this.o.timeoutMs ?? 10_000, this.halt.signal);
        return 'error' in r ? { error: r.error } : { answer: 'created' in r ? r.created : r.existed };
      }
      const headers: Record<string, string> = { 'content-type': row.content_type, 'idempotency-key': row.key };
      if (target.secret) headers[SIGNATURE_HEADER] = signBody(target.secret, row.body);
      const res = await httpRequest('POST', target.url, headers, row.body, this.o.timeoutMs ?? 10_000, this.halt.signal);
      if (res.status >= 200 && res.status < 300) return {};
      return { error: `HTTP ${res.status}: ${res.text.slice(0, 200)}` };
    } catch (err) {
      if (err instanceof StopAbort) return { stopped: true };
      return { error: (err as Error).message };
    }
  }

  list(filter: { status?: 'pending' | 'delivered'; limit?: number } = {}): OutboxView[] {
    const rows = this.o.db
      .prepare('SELECT * FROM partner_outbox WHERE (@status IS NULL OR status = @status) ORDER BY created_ms DESC, key LIMIT @limit')
      .all({ status: filter.status ?? null, limit: filter.limit ?? 100 }) as Row[];
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return rows.map((r) => ({
      key: r.key,
      partner: r.partner,
      kind: r.kind,
      status: r.status === 'delivered' ? 'delivered' : r.attempts >= this.o.alertAfter ? 'failing' : 'pending',
      attempts: r.attempts,
      lastError: r.last_error,
      nextAttemptAt: r.status === 'pending' ? iso(r.next_ms) : null,
      createdAt: iso(r.created_ms)!,
      deliveredAt: iso(r.delivered_ms),
      answer: r.answer,
    }));
  }

  body(key: string): { contentType: string; body: string } | undefined {
    const r = this.o.db.prepare('SELECT content_type, body FROM partner_outbox WHERE key = ?').get(key) as { content_type: string; body: string } | undefined;
    return r && { contentType: r.content_type, body: r.body };
  }
}
