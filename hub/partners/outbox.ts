// hub/partners — the durable delivery outbox: a document for a partner is a row written in the same transaction as
// what caused it (a receipt closing), keyed by an idempotency key; a loop delivers due rows to a folder (written under
// a temporary name, then renamed: the same key always lands on the same file) or POSTs them (Idempotency-Key header,
// signed like the channels' webhook), retrying with capped exponential back-off. A row failing `alertAfter` times in a
// row is loud: an error log line each time, the failing gauge, and the status in GET /api/v1/partners/outbox.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../../protocols/logging/index.js';
import { backoffMs, httpRequest } from '../channels/connectors/http.js';
import { signBody, SIGNATURE_HEADER } from '../channels/connectors/webhook.js';
import type { Db } from '../db/database.js';

export type Target = { folder: string } | { url: string; secret?: string | undefined };

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
  const r = db.prepare(`INSERT INTO partner_outbox (key, partner, kind, target, file_name, content_type, body, status, next_ms, created_ms)
    VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT (key) DO NOTHING`)
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
}

export interface OutboxOptions {
  db: Db;
  log: Logger;
  clock: () => number;
  retryBaseMs: number;
  retryMaxMs: number;
  alertAfter: number;
  timeoutMs?: number;
  registry?: Registry;
}

export class PartnerOutbox {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private readonly pending?: Gauge;
  private readonly failing?: Gauge;
  private readonly results?: Counter<'result'>;

  constructor(private readonly o: OutboxOptions) {
    if (o.registry) {
      const registers = [o.registry];
      this.pending = new Gauge({ name: 'dockgate_partner_outbox_pending', help: 'partner documents waiting for delivery', registers });
      this.failing = new Gauge({ name: 'dockgate_partner_outbox_failing', help: 'partner documents whose delivery failed alertAfter times or more in a row', registers });
      this.results = new Counter({ name: 'dockgate_partner_deliveries_total', help: 'partner delivery attempts by result', labelNames: ['result'], registers });
    }
  }

  start(everyMs: number): void {
    const loop = () => {
      if (this.stopped) return;
      this.running = this.tick().catch((err: Error) => this.o.log.error({ err }, 'partner outbox step failed')).finally(() => {
        if (!this.stopped) this.timer = setTimeout(loop, everyMs);
      });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Deliver every due row once. */
  async tick(): Promise<void> {
    const now = this.o.clock();
    const due = this.o.db.prepare("SELECT * FROM partner_outbox WHERE status = 'pending' AND next_ms <= ? ORDER BY created_ms, key LIMIT 100").all(now) as Row[];
    for (const row of due) {
      const error = await this.deliver(row);
      const at = this.o.clock();
      if (error === undefined) {
        this.o.db.prepare("UPDATE partner_outbox SET status = 'delivered', delivered_ms = ?, attempts = attempts + 1, last_error = NULL WHERE key = ?").run(at, row.key);
        this.results?.inc({ result: 'delivered' });
        this.o.log.info({ key: row.key, partner: row.partner, kind: row.kind, attempts: row.attempts + 1 }, 'partner document delivered');
        continue;
      }
      const attempts = row.attempts + 1;
      const wait = backoffMs(attempts, this.o.retryBaseMs, this.o.retryMaxMs, Math.random());
      this.o.db.prepare('UPDATE partner_outbox SET attempts = ?, last_error = ?, next_ms = ? WHERE key = ?').run(attempts, error, at + wait, row.key);
      this.results?.inc({ result: 'failed' });
      const ctx = { key: row.key, partner: row.partner, kind: row.kind, attempts, error, retryInMs: wait };
      if (attempts >= this.o.alertAfter) this.o.log.error(ctx, 'partner delivery failing');
      else this.o.log.warn(ctx, 'partner delivery failed: will retry');
    }
    this.gauges();
  }

  private gauges(): void {
    const r = this.o.db.prepare("SELECT COUNT(*) AS pending, SUM(CASE WHEN attempts >= ? THEN 1 ELSE 0 END) AS failing FROM partner_outbox WHERE status = 'pending'").get(this.o.alertAfter) as { pending: number; failing: number | null };
    this.pending?.set(r.pending);
    this.failing?.set(r.failing ?? 0);
  }

  /** One try: undefined when delivered, else what went wrong. */
  private async deliver(row: Row): Promise<string | undefined> {
    const target = JSON.parse(row.target) as Target;
    try {
      if ('folder' in target) {
        mkdirSync(target.folder, { recursive: true });
        const tmp = join(target.folder, `.${row.file_name}.tmp`);
        writeFileSync(tmp, row.body);
        renameSync(tmp, join(target.folder, row.file_name));
        return undefined;
      }
      const headers: Record<string, string> = { 'content-type': row.content_type, 'idempotency-key': row.key };
      if (target.secret) headers[SIGNATURE_HEADER] = signBody(target.secret, row.body);
      const res = await httpRequest('POST', target.url, headers, row.body, this.o.timeoutMs ?? 10_000);
      if (res.status >= 200 && res.status < 300) return undefined;
      return `HTTP ${res.status}: ${res.text.slice(0, 200)}`;
    } catch (err) {
      return (err as Error).message;
    }
  }

  list(filter: { status?: 'pending' | 'delivered'; limit?: number } = {}): OutboxView[] {
    const rows = this.o.db.prepare('SELECT * FROM partner_outbox WHERE (@status IS NULL OR status = @status) ORDER BY created_ms DESC, key LIMIT @limit').all({ status: filter.status ?? null, limit: filter.limit ?? 100 }) as Row[];
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
    }));
  }

  body(key: string): { contentType: string; body: string } | undefined {
    const r = this.o.db.prepare('SELECT content_type, body FROM partner_outbox WHERE key = ?').get(key) as { content_type: string; body: string } | undefined;
    return r && { contentType: r.content_type, body: r.body };
  }
}
