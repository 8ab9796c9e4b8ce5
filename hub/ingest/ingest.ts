// hub/ingest — the hub's front door for gateway messages: validate with the wire contract, apply each events batch in
// one SQLite transaction, acknowledge only after it committed; dead-letter what cannot be taken; keep counters.
import { describeErrors, parse, topics, type EventBatch } from '../../protocols/events/index.js';
import { componentLogger, type Logger } from '../../protocols/logging/index.js';
import type { HubMqtt } from '../broker/hub-mqtt.js';
import type { Db } from '../db/database.js';
import { IngestStore, StreamOwnerError, type ApplyFn, type BatchOutcome } from './store.js';

export interface IngestOptions {
  /** Migrated with ingestMigrations (and whatever apply writes to). */
  db: Db;
  mqtt: HubMqtt;
  site: string;
  apply: ApplyFn;
  /** ms since epoch; injectable for tests. */
  clock?: () => number;
  logger: Logger;
  /**
   * A message whose apply failed this many times in a row (counted in memory) is applied event by event, each in
   * its own savepoint; the events apply still refuses go to dead_letters (as a one-event batch that can be
   * replayed), the rest apply, and the message is acknowledged. Before that, a failure rolls the batch back and
   * the message is not acknowledged, so it comes again. Default 5.
   */
  maxApplyAttempts?: number;
}

export interface GatewayIngestStats {
  /** Messages received on the events topic (valid or not). */
  messages: number;
  /** Events in valid batches. */
  received: number;
  applied: number;
  duplicates: number;
  late: number;
  seqConflicts: number;
  /** Seqs found missing (sum of the lengths of gaps opened). */
  missingSeqs: number;
  /** Seqs the gateway reported dropped (gap events). */
  reportedSeqs: number;
  /** Messages (or, after isolation, single events) put into dead_letters. */
  deadLettered: number;
  statusUpdates: number;
  /** Attempts whose transaction rolled back (message not acknowledged). */
  applyFailures: number;
  /** now − event ts of the newest applied batch's oldest event, ms. */
  lastLagMs: number | undefined;
  maxLagMs: number | undefined;
}

export interface IngestStats {
  gateways: Record<string, GatewayIngestStats>;
  totals: Omit<GatewayIngestStats, 'lastLagMs' | 'maxLagMs'>;
}

export type ReceiveOutcome =
  | { kind: 'batch'; outcome: BatchOutcome }
  | { kind: 'batch-dead-letter'; id: number; reason: string }
  | { kind: 'status'; result: 'updated' | 'stale' }
  | { kind: 'dead-letter'; id: number; reason: string };

function emptyStats(): GatewayIngestStats {
  return {
    messages: 0,
    received: 0,
    applied: 0,
    duplicates: 0,
    late: 0,
    seqConflicts: 0,
    missingSeqs: 0,
    reportedSeqs: 0,
    deadLettered: 0,
    statusUpdates: 0,
    applyFailures: 0,
    lastLagMs: undefined,
    maxLagMs: undefined,
  };
}

const UNKNOWN_GATEWAY = '(unknown)';
const MAX_TRACKED_FAILURES = 10_000;

export class Ingest {
  private readonly store: IngestStore;
  private readonly log: Logger;
  private readonly clock: () => number;
  private readonly maxApplyAttempts: number;
  private readonly perGateway = new Map<string, GatewayIngestStats>();
  private readonly failures = new Map<string, number>();
  private readonly filters: string[];
  private started = false;

  constructor(private readonly opts: IngestOptions) {
    this.store = new IngestStore(opts.db, opts.site, opts.apply);
    this.log = componentLogger(opts.logger, 'ingest', { site: opts.site });
    this.clock = opts.clock ?? Date.now;
    this.maxApplyAttempts = opts.maxApplyAttempts ?? 5;
    if (!(Number.isInteger(this.maxApplyAttempts) && this.maxApplyAttempts >= 1)) throw new Error(`maxApplyAttempts must be an integer >= 1, got ${opts.maxApplyAttempts}`);
    this.filters = [topics.allEvents(opts.site), topics.allStatus(opts.site)];
  }

  /** Subscribe to every gateway's events and status of the site. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const filter of this.filters) {
      await this.opts.mqtt.subscribe(filter, (topic, payload, done) => {
        let err: Error | undefined;
        try {
          this.receive(topic, payload);
        } catch (e) {
          err = e instanceof Error ? e : new Error(String(e));
        }
        // Acknowledge only now: receive() returned, so its transaction has committed.
        done(err);
      });
    }
    this.log.info({ filters: this.filters, mode: this.opts.mqtt.mode }, 'ingest started');
  }

  /**
   * Stop taking messages. Only the local handlers go: an external broker keeps the hub's subscriptions in its
   * persistent session and queues what gateways send until the hub is back.
   */
  stop(): Promise<void> {
    if (!this.started) return Promise.resolve();
    this.started = false;
    for (const filter of this.filters) this.opts.mqtt.detach(filter);
    this.log.info('ingest stopped');
    return Promise.resolve();
  }

  private gw(id: string): GatewayIngestStats {
    let s = this.perGateway.get(id);
    if (!s) {
      s = emptyStats();
      this.perGateway.set(id, s);
    }
    return s;
  }

  /**
   * Take one MQTT message. Returns once everything it changed has committed. Throws when the message must NOT be
   * acknowledged (its transaction rolled back); it is then delivered again.
   */
  receive(topic: string, payload: Buffer): ReceiveOutcome {
    const now = this.clock();
    const r = parse(topic, payload);
    if (!r.ok) {
      const gateway = r.topic && r.topic.kind !== 'hub-status' ? r.topic.gateway : undefined;
      const s = this.gw(gateway ?? UNKNOWN_GATEWAY);
      if (r.topic?.kind === 'events') s.messages++;
      const id = this.store.deadLetter(topic, gateway, r.reason, r.errors, payload, now);
      s.deadLettered++;
      this.log.warn({ topic, gateway, reason: r.reason, errors: describeErrors(r.errors), deadLetter: id, bytes: payload.length }, 'message dead-lettered');
      return { kind: 'dead-letter', id, reason: r.reason };
    }
    if (r.topic.site !== this.opts.site || (r.kind !== 'events' && r.kind !== 'status')) {
      const errors = [{ path: '', message: `topic ${topic} is not an ingest topic of site ${this.opts.site}` }];
      const id = this.store.deadLetter(topic, r.kind === 'hub-status' ? undefined : r.topic.gateway, 'topic', errors, payload, now);
      this.gw(r.kind === 'hub-status' ? UNKNOWN_GATEWAY : r.topic.gateway).deadLettered++;
      this.log.warn({ topic, deadLetter: id }, 'message on a topic the ingest does not take: dead-lettered');
      return { kind: 'dead-letter', id, reason: 'topic' };
    }
    if (r.kind === 'status') {
      const result = this.store.recordStatus(r.value, now);
      this.gw(r.value.gateway).statusUpdates++;
      this.log.debug({ gateway: r.value.gateway, online: r.value.online, result }, 'gateway status');
      return { kind: 'status', result };
    }
    this.gw(r.value.gateway).messages++;
    try {
      return { kind: 'batch', outcome: this.applyBatchCounting(topic, r.value, now) };
    } catch (err) {
      if (!(err instanceof StreamOwnerError)) throw err;
      const id = this.store.deadLetter(topic, r.value.gateway, 'schema', [{ path: '/stream', message: err.message }], payload, now);
      this.gw(r.value.gateway).deadLettered++;
      this.log.error({ topic, stream: err.stream, owner: err.owner, deadLetter: id }, 'batch on a stream of another gateway: dead-lettered');
      return { kind: 'batch-dead-letter', id, reason: 'schema' };
    }
  }

  /** Apply a validated batch directly (tests, replays). Same transaction and counters as a received message. */
  applyBatch(batch: EventBatch, receivedAt: number = this.clock()): BatchOutcome {
    return this.applyBatchCounting(topics.events(this.opts.site, batch.gateway), batch, receivedAt);
  }

  private applyBatchCounting(topic: string, batch: EventBatch, now: number): BatchOutcome {
    const s = this.gw(batch.gateway);
    s.received += batch.events.length;
    const key = `${topic} ${batch.stream} ${batch.events[0]!.id} ${batch.events.length}`;
    const attempt = (this.failures.get(key) ?? 0) + 1;
    const isolate = attempt >= this.maxApplyAttempts;
    let outcome: BatchOutcome;
    try {
      outcome = this.store.applyBatch(batch, now, isolate);
    } catch (err) {
      if (err instanceof StreamOwnerError) throw err; // not transient: receive() dead-letters it
      s.applyFailures++;
      if (this.failures.size >= MAX_TRACKED_FAILURES) this.failures.clear();
      this.failures.set(key, attempt);
      this.log.error(
        { gateway: batch.gateway, stream: batch.stream, firstSeq: batch.events[0]!.seq, events: batch.events.length, attempt, err: (err as Error).message },
        'batch rolled back: not acknowledged, it will be delivered again',
      );
      throw err;
    }
    this.failures.delete(key);
    s.applied += outcome.applied;
    s.duplicates += outcome.duplicates;
    s.late += outcome.late;
    s.seqConflicts += outcome.seqConflicts;
    s.deadLettered += outcome.deadLettered;
    for (const g of outcome.gapsOpened) s.missingSeqs += g.to - g.from + 1;
    for (const g of outcome.gapsReported) s.reportedSeqs += g.to - g.from + 1;
    if (outcome.maxLagMs !== undefined) {
      s.lastLagMs = outcome.maxLagMs;
      s.maxLagMs = s.maxLagMs === undefined ? outcome.maxLagMs : Math.max(s.maxLagMs, outcome.maxLagMs);
    }
    if (outcome.gapsOpened.length > 0) this.log.warn({ gateway: batch.gateway, stream: batch.stream, gaps: outcome.gapsOpened }, 'stream gap: seqs missing');
    if (outcome.gapsReported.length > 0) this.log.warn({ gateway: batch.gateway, stream: batch.stream, gaps: outcome.gapsReported }, 'gateway reported dropped events');
    if (outcome.seqConflicts > 0) this.log.error({ gateway: batch.gateway, stream: batch.stream, conflicts: outcome.seqConflicts }, 'new event ids at seqs already seen: gateway stream defect');
    if (outcome.deadLettered > 0) this.log.error({ gateway: batch.gateway, stream: batch.stream, deadLettered: outcome.deadLettered, attempt }, 'events apply refused repeatedly were dead-lettered');
    this.log.debug({ gateway: batch.gateway, applied: outcome.applied, duplicates: outcome.duplicates }, 'batch applied');
    return outcome;
  }

  stats(): IngestStats {
    const gateways: Record<string, GatewayIngestStats> = {};
    const totals = emptyStats();
    for (const [id, s] of this.perGateway) {
      gateways[id] = { ...s };
      for (const k of Object.keys(totals) as Array<keyof GatewayIngestStats>) {
        if (k === 'lastLagMs' || k === 'maxLagMs') continue;
        totals[k] += s[k];
      }
    }
    const { lastLagMs: _l, maxLagMs: _m, ...rest } = totals;
    return { gateways, totals: rest };
  }

  /** The store, for read-side helpers (dead letters listing). */
  get tables(): IngestStore {
    return this.store;
  }
}
