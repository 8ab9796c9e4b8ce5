// hub/ingest — the hub's front door for gateway messages: validate with the wire contract, apply each events batch in
// one SQLite transaction, acknowledge only after it committed; dead-letter what cannot be taken; keep counters.
//
// Group commit: messages that arrive in the same turn of the event loop (several gateways, or several messages in one
// socket read) are applied in ONE transaction (each batch in its own savepoint) and acknowledged together after its
// commit: one fsync for all of them. If any of them fails, the group is rolled back and each message is taken again
// on its own, so one bad message never holds back the others.
import type { Statement } from 'better-sqlite3';
import { describeErrors, parse, parseEventBatch, parseTopic, topics, type EventBatch, type ParseResult, type BatchParseResult } from '../../protocols/events/index.js';
import { componentLogger, type Logger } from '../../protocols/logging/index.js';
import type { HubMqtt } from '../broker/hub-mqtt.js';
import type { Db } from '../db/database.js';
import { Acknowledger } from './acks.js';
import { believableTimes } from './clock.js';
import type { WriteHealth } from '../status/write-health.js';
import { IngestStore, StreamOwnerError, type ApplyFn, type BatchOutcome, type BatchScope, type RefuseFn } from './store.js';
import { Signal } from '../../runtime/signal.js';

export interface IngestOptions {
  /** Migrated with ingestMigrations (and whatever apply writes to). */
  db: Db;
  /** An event ts further than this from the hub's receive time is booked at the receive time (default 24 h). */
  clockWindowMs?: number;
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
  /** Wraps each batch's applies inside its transaction (see BatchScope). */
  batchScope?: BatchScope;
  /** Events refused before apply (dead-lettered with the reason, see RefuseFn). */
  refuse?: RefuseFn;
  /** Told of each commit and each storage failure (disk full, I/O error), for /ready and the status verdict. */
  writes?: WriteHealth;
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
  /** Group commits: transactions that held several messages, how many messages they held, groups rolled back. */
  groups: { committed: number; messages: number; rolledBack: number };
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

interface Pending {
  topic: string;
  payload: Buffer;
  done: (err?: Error | null) => void;
  receivedAt: number;
}

/** A message's database work, done; `count` books its counters and logs once the commit holds. */
interface Taken {
  outcome: ReceiveOutcome;
  count(): void;
}
const MAX_TRACKED_FAILURES = 10_000;

export class Ingest {
  private readonly store: IngestStore;
  private readonly acks: Acknowledger;
  private readonly log: Logger;
  private readonly clock: () => number;
  private readonly maxApplyAttempts: number;
  private readonly perGateway = new Map<string, GatewayIngestStats>();
  private readonly failures = new Map<string, number>();
  private readonly filters: string[];
  private readonly groupTx: (items: readonly Pending[]) => Taken[];
  private queue: Pending[] = [];
  private readonly groups = { committed: 0, messages: 0, rolledBack: 0 };
  /** Each gateway's last heard online flag; a change to online (or the first online heard) tells onlineSignal. */
  private readonly online = new Map<string, boolean>();
  private readonly onlineSignal = new Signal<[gateway: string]>();
  private flushScheduled = false;
  private started = false;
  private readonly recordClock: Statement;

  constructor(private readonly opts: IngestOptions) {
    this.store = new IngestStore(opts.db, opts.site, opts.apply, opts.batchScope, opts.refuse);
    this.recordClock = opts.db.prepare('INSERT OR IGNORE INTO clock_exceptions (event_id, gateway, stream, seq, gateway_ts, booked_ts, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.log = componentLogger(opts.logger, 'ingest', { site: opts.site });
    this.clock = opts.clock ?? Date.now;
    this.maxApplyAttempts = opts.maxApplyAttempts ?? 5;
    if (!(Number.isInteger(this.maxApplyAttempts) && this.maxApplyAttempts >= 1)) throw new Error(`maxApplyAttempts must be an integer >= 1, got ${opts.maxApplyAttempts}`);
    this.filters = [topics.allEvents(opts.site), topics.allStatus(opts.site)];
    this.acks = new Acknowledger(opts.site, this.store, opts.mqtt, this.clock, this.log);
    this.groupTx = opts.db.transaction((items: readonly Pending[]) => items.map((it) => this.take(it.topic, it.payload, it.receivedAt)));
  }

  /**
   * Call `fn` when a gateway comes online (its status says online after offline, or the first time since the hub
   * started): it has subscribed to its command topic by then, so state it missed (a light's wanted color) can be sent again.
   */
  onGatewayOnline(fn: (gateway: string) => void): () => void {
    return this.onlineSignal.listen(fn);
  }

  private heardOnline(gateway: string, online: boolean): void {
    const was = this.online.get(gateway);
    this.online.set(gateway, online);
    if (!online || was === true) return;
    this.onlineSignal.emitEach((err) => this.log.error({ err, gateway }, 'a gateway-online listener failed'), gateway);
  }

  /** Subscribe to every gateway's events and status of the site. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    // Every handler is registered before any SUBACK is awaited: an external broker delivers the stored session right
    // after CONNACK, and a message held for a not-yet-registered handler would block the SUBACKs behind it.
    await Promise.all(
      this.filters.map((filter) =>
        this.opts.mqtt.subscribe(filter, (topic, payload, done) => {
          this.queue.push({ topic, payload, done, receivedAt: this.clock() });
          if (!this.flushScheduled) {
            this.flushScheduled = true;
            setImmediate(() => this.flush());
          }
        }),
      ),
    );
    this.acks.start();
    this.log.info({ filters: this.filters, mode: this.opts.mqtt.mode }, 'ingest started');
  }

  /**
   * Stop taking messages. Only the local handlers go: an external broker keeps the hub's subscriptions in its
   * persistent session and queues what gateways send until the hub is back.
   */
  stop(): Promise<void> {
    if (!this.started) return Promise.resolve();
    this.started = false;
    this.acks.stop();
    for (const filter of this.filters) this.opts.mqtt.detach(filter);
    this.log.info('ingest stopped');
    return Promise.resolve();
  }

  /** Apply what arrived since the last flush; acknowledge each message only after the commit that holds it. */
  private flush(): void {
    this.flushScheduled = false;
    const items = this.queue;
    this.queue = [];
    if (items.length > 1) {
      let taken: Taken[] | undefined;
      try {
        taken = this.groupTx(items);
      } catch {
        taken = undefined; // someone in the group failed: everyone is taken again on their own below
        this.groups.rolledBack++;
      }
      if (taken) {
        this.groups.committed++;
        this.groups.messages += items.length;
        taken.forEach((t) => t.count());
        for (const it of items) it.done();
        return;
      }
    }
    for (const it of items) {
      let err: Error | undefined;
      try {
        this.receive(it.topic, it.payload, it.receivedAt);
      } catch (e) {
        err = e instanceof Error ? e : new Error(String(e));
      }
      it.done(err); // after receive() returned: its transaction has committed (or rolled back: err)
    }
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
   * Take one MQTT message on its own. Returns once everything it changed has committed. Throws when the message
   * must NOT be acknowledged (its transaction rolled back); it is then delivered again.
   */
  receive(topic: string, payload: Buffer, receivedAt: number = this.clock()): ReceiveOutcome {
    let taken: Taken;
    try {
      taken = this.take(topic, payload, receivedAt);
    } catch (err) {
      this.noteFailure(topic, payload, err as Error);
      throw err;
    }
    taken.count();
    return taken.outcome;
  }

  /** Apply a validated batch directly (tests, replays). Same transaction and counters as a received message. */
  applyBatch(received: EventBatch, receivedAt: number = this.clock()): BatchOutcome {
    const topic = topics.events(this.opts.site, received.gateway);
    const batch = this.believable(received, receivedAt);
    let outcome: BatchOutcome;
    try {
      outcome = this.store.applyBatch(batch, receivedAt, this.isolate(topic, batch));
    } catch (err) {
      this.noteBatchFailure(topic, batch, err as Error);
      throw err;
    }
    this.gw(batch.gateway).received += batch.events.length;
    this.countBatch(topic, batch, outcome);
    return outcome;
  }

  /**
   * Do the database work for one message (it commits with the caller's transaction, or its own). Counters and logs
   * wait in `count()` until the commit, so a rolled-back group counts nothing.
   */
  private take(topic: string, payload: Buffer, now: number): Taken {
    const r: ParseResult | BatchParseResult = parseTopic(topic)?.kind === 'events' ? parseEventBatch(topic, payload) : parse(topic, payload);
    if (!r.ok) {
      const gateway = r.topic && r.topic.kind !== 'hub-status' ? r.topic.gateway : undefined;
      const id = this.store.deadLetter(topic, gateway, r.reason, r.errors, payload, now);
      return {
        outcome: { kind: 'dead-letter', id, reason: r.reason },
        count: () => {
          const s = this.gw(gateway ?? UNKNOWN_GATEWAY);
          if (r.topic?.kind === 'events') s.messages++;
          s.deadLettered++;
          this.log.warn({ topic, gateway, reason: r.reason, errors: describeErrors(r.errors), deadLetter: id, bytes: payload.length }, 'message dead-lettered');
        },
      };
    }
    if (r.topic.site !== this.opts.site || (r.kind !== 'events' && r.kind !== 'status')) {
      const gateway = r.kind === 'hub-status' ? undefined : r.topic.gateway;
      const errors = [{ path: '', message: `topic ${topic} is not an ingest topic of site ${this.opts.site}` }];
      const id = this.store.deadLetter(topic, gateway, 'topic', errors, payload, now);
      return {
        outcome: { kind: 'dead-letter', id, reason: 'topic' },
        count: () => {
          this.gw(gateway ?? UNKNOWN_GATEWAY).deadLettered++;
          this.log.warn({ topic, deadLetter: id }, 'message on a topic the ingest does not take: dead-lettered');
        },
      };
    }
    if (r.kind === 'status') {
      const result = this.store.recordStatus(r.value, now);
      return {
        outcome: { kind: 'status', result },
        count: () => {
          this.gw(r.value.gateway).statusUpdates++;
          if (result === 'updated') this.heardOnline(r.value.gateway, r.value.online);
          this.log.debug({ gateway: r.value.gateway, online: r.value.online, result }, 'gateway status');
        },
      };
    }
    const batch = this.believable(r.value, now);
    const rejected = 'rejected' in r ? (r as BatchParseResult & { ok: true }).rejected : [];
    let outcome: BatchOutcome;
    try {
      outcome = this.store.applyBatch(batch, now, this.isolate(topic, batch), rejected);
    } catch (err) {
      if (!(err instanceof StreamOwnerError)) throw err;
      // Not transient: retrying cannot help, so it is kept as a dead letter and acknowledged.
      const id = this.store.deadLetter(topic, batch.gateway, 'schema', [{ path: '/stream', message: err.message }], payload, now);
      return {
        outcome: { kind: 'batch-dead-letter', id, reason: 'schema' },
        count: () => {
          const s = this.gw(batch.gateway);
          s.messages++;
          s.received += batch.events.length;
          s.deadLettered++;
          this.log.error({ topic, stream: err.stream, owner: err.owner, deadLetter: id }, 'batch on a stream of another gateway: dead-lettered');
        },
      };
    }
    return {
      outcome: { kind: 'batch', outcome },
      count: () => {
        const s = this.gw(batch.gateway);
        s.messages++;
        s.received += outcome.events;
        this.countBatch(topic, batch, outcome);
      },
    };
  }

  private failureKey(topic: string, batch: EventBatch): string {
    return `${topic} ${batch.stream} ${batch.events[0]?.id ?? '-'} ${batch.events.length}`;
  }

  /** Replace implausible event times by the receive time, keeping the gateway's as evidence (same transaction as
   * the apply when called inside it; a redelivery records nothing new). */
  private believable(batch: EventBatch, receivedAt: number): EventBatch {
    const r = believableTimes(batch, receivedAt, this.opts.clockWindowMs ?? 24 * 3600_000);
    for (const c of r.corrected) this.recordClock.run(c.eventId, batch.gateway, c.stream, c.seq, c.gatewayTs, c.bookedTs, receivedAt);
    if (r.corrected.length > 0) this.log.warn({ gateway: batch.gateway, events: r.corrected.length, gatewayTs: r.corrected[0]!.gatewayTs, bookedTs: r.corrected[0]!.bookedTs }, 'event times implausible against the hub clock: booked at the receive time');
    return r.batch;
  }

  /** After maxApplyAttempts failures of the same message, apply it event by event (see IngestOptions). */
  private isolate(topic: string, batch: EventBatch): boolean {
    return (this.failures.get(this.failureKey(topic, batch)) ?? 0) + 1 >= this.maxApplyAttempts;
  }

  private noteFailure(topic: string, payload: Buffer, err: Error): void {
    const r = parse(topic, payload);
    if (r.ok && r.kind === 'events') return this.noteBatchFailure(topic, r.value, err);
    this.opts.writes?.failed('ingest', err, this.clock());
    this.log.error({ topic, err: err.message }, 'message could not be stored: not acknowledged, it will be delivered again');
  }

  private noteBatchFailure(topic: string, batch: EventBatch, err: Error): void {
    this.opts.writes?.failed('ingest', err, this.clock());
    const key = this.failureKey(topic, batch);
    const attempt = (this.failures.get(key) ?? 0) + 1;
    this.gw(batch.gateway).applyFailures++;
    if (this.failures.size >= MAX_TRACKED_FAILURES) this.failures.clear();
    this.failures.set(key, attempt);
    this.log.error(
      { gateway: batch.gateway, stream: batch.stream, firstSeq: batch.events[0]!.seq, events: batch.events.length, attempt, err: err.message },
      'batch rolled back: not acknowledged, it will be delivered again',
    );
  }

  /** After the commit that holds the batch. */
  private countBatch(topic: string, batch: EventBatch, outcome: BatchOutcome): void {
    // A batch of events committed (new rows, not a status row updated in place): the database writes again.
    this.opts.writes?.succeeded('ingest');
    this.acks.committed(batch.gateway, batch.stream);
    this.failures.delete(this.failureKey(topic, batch));
    const s = this.gw(batch.gateway);
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
    if (outcome.refused > 0) this.log.error({ gateway: batch.gateway, stream: batch.stream, refused: outcome.refused }, 'events refused (a door of another gateway) were dead-lettered');
    if (outcome.deadLettered > outcome.refused) this.log.error({ gateway: batch.gateway, stream: batch.stream, deadLettered: outcome.deadLettered - outcome.refused }, 'events of the batch were dead-lettered (broke the contract, or apply refused them repeatedly); the rest applied');
    this.log.debug({ gateway: batch.gateway, applied: outcome.applied, duplicates: outcome.duplicates }, 'batch applied');
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
    return { gateways, totals: rest, groups: { ...this.groups } };
  }

  /** The store, for read-side helpers (dead letters listing). */
  get tables(): IngestStore {
    return this.store;
  }
}
