// hub/ingest — the hub's front door for gateway messages, the driver around the pure core (core.ts): MQTT messages
// in, validated with the wire contract, each events batch applied by the store (store.ts, SQLite) in one transaction,
// the MQTT acknowledgement (done) only after it committed, the HubAck the core names published after that; dead
// letters for what cannot be taken; logs. The decisions — which messages share a group commit, when a failing message
// is taken event by event, what each gateway is acknowledged, the counters — are the core's.
//
// Group commit: messages that arrive in the same turn of the event loop (several gateways, or several messages in one
// socket read) are applied in ONE transaction (no savepoint per batch: see IngestStore.applyBatch) and acknowledged
// together after its commit: one fsync for all of them. If any of them fails, the group is rolled back and each
// message is taken again on its own, so one bad message never holds back the others. A group holds at most `maxGroupBytes` of payload (at
// least one message): in a catch-up every gateway's window of messages arrives at once, and the rest is taken on the
// next turns, each group acknowledged as soon as it commits (the acknowledgements go out before the next group).
import type { Statement } from 'better-sqlite3';
import { WIRE_VERSION, describeErrors, isoTs, parse, topics, type EventBatch, type HubAck } from '../../protocols/events/index.js';
import { componentLogger, type Logger } from '../../protocols/logging/index.js';
import { systemRuntime, type Runtime } from '../../runtime/runtime.js';
import type { HubMqtt } from '../broker/hub-mqtt.js';
import type { Db } from '../db/database.js';
import type { WriteHealth } from '../status/write-health.js';
import { believableTimes } from './clock.js';
import { IngestCore, decideMessage, type AckCommand, type IngestStats } from './core.js';
import { withBatchReads } from '../db/batch-reads.js';
import { IngestStore, StreamOwnerError, type AppliedRecord, type ApplyFn, type BatchOutcome, type BatchScope, type RefuseFn } from './store.js';
import { Signal } from '../../runtime/signal.js';

export type { GatewayIngestStats, IngestStats } from './core.js';

export interface IngestOptions {
  /** Migrated with ingestMigrations (and whatever apply writes to). */
  db: Db;
  /** An event ts further than this from the hub's receive time is booked at the receive time (default 24 h). */
  clockWindowMs?: number;
  mqtt: HubMqtt;
  site: string;
  apply: ApplyFn;
  /** Time (receive times, acknowledgement ts); default the system's. */
  runtime?: Runtime;
  /** ms since epoch; injectable for tests. Overrides runtime.now. */
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
  /** The apply side's own record of applied events, for the kinds it keeps (no inbox row for those; see AppliedRecord). */
  record?: AppliedRecord;
  /** Told of each commit and each storage failure (disk full, I/O error), for /ready and the status verdict. */
  writes?: WriteHealth;
  /** The most payload bytes one group transaction takes (at least one message); default MAX_GROUP_BYTES. */
  maxGroupBytes?: number;
}

/**
 * 1 MiB: about 3,500 tag.pass events (some 7 messages of 500), some 0.3 s of apply — big enough that the commit's
 * fsync is a small share, small enough that an acknowledgement never waits seconds for a flood's one transaction.
 */
export const MAX_GROUP_BYTES = 1024 * 1024;

/** A message that waited this long for its group means the ingest is behind (steady traffic waits a turn: ~ms). */
export const BEHIND_WAIT_MS = 100;
/** How long the ingest counts as behind after the last sign of it. */
export const BEHIND_HOLD_MS = 2000;
/**
 * Applying for this share of a BUSY_WINDOW_MS window also counts as behind: a catch-up paced by the hub's own
 * acknowledgements (the gateways' drain rate follows them) leaves no message waiting, yet keeps the hub's core busy.
 */
export const BUSY_SHARE = 0.5;
export const BUSY_WINDOW_MS = 1000;

export type ReceiveOutcome =
  | { kind: 'batch'; outcome: BatchOutcome }
  | { kind: 'batch-dead-letter'; id: number; reason: string }
  | { kind: 'status'; result: 'updated' | 'stale' }
  | { kind: 'dead-letter'; id: number; reason: string };

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

/** Run `fn` at the end of this turn of the event loop, after the I/O callbacks already queued (the group's members). */
const endOfTurn = (fn: () => void): void => void setImmediate(fn);

export class Ingest {
  private readonly store: IngestStore;
  private readonly core: IngestCore<Pending>;
  private readonly log: Logger;
  private readonly clock: () => number;
  private readonly filters: string[];
  private readonly groupTx: (items: readonly Pending[]) => Taken[];
  /** Each gateway's last heard online flag; a change to online (or the first online heard) tells onlineSignal. */
  private readonly online = new Map<string, boolean>();
  private readonly onlineSignal = new Signal<[gateway: string]>();
  private started = false;
  /** Until when (clock ms) the ingest counts as behind (see behind()). */
  private behindUntil = -Infinity;
  /** The window (from `since`, clock ms) in which applying took `ms`: BUSY_SHARE of BUSY_WINDOW_MS counts as behind. */
  private busy = { since: -Infinity, ms: 0 };
  private readonly recordClock: Statement;

  constructor(private readonly opts: IngestOptions) {
    this.store = new IngestStore(opts.db, opts.site, opts.apply, opts.batchScope, opts.refuse, opts.record);
    this.recordClock = opts.db.prepare(
      'INSERT OR IGNORE INTO clock_exceptions (event_id, gateway, stream, seq, gateway_ts, booked_ts, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.log = componentLogger(opts.logger, 'ingest', { site: opts.site });
    const runtime = opts.runtime ?? systemRuntime;
    this.clock = opts.clock ?? (() => runtime.now());
    this.core = new IngestCore(opts.maxApplyAttempts ?? 5, opts.maxGroupBytes ?? MAX_GROUP_BYTES);
    this.filters = [topics.allEvents(opts.site), topics.allStatus(opts.site)];
    // One-row reads of the apply path (version stamps …) once per group, not per message (hub/db/batch-reads.ts).
    this.groupTx = opts.db.transaction((items: readonly Pending[]) =>
      withBatchReads(opts.db, () => items.map((it) => this.take(it.topic, it.payload, it.receivedAt))),
    );
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

  /**
   * Whether the ingest is behind the messages that arrive — a catch-up: within the last BEHIND_HOLD_MS a group left
   * messages for later turns, a message waited BEHIND_WAIT_MS or more before its group, or applying took BUSY_SHARE of
   * a BUSY_WINDOW_MS window. Work that can wait (the ledger self-check) stands aside meanwhile.
   */
  behind(): boolean {
    return this.clock() < this.behindUntil;
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
          if (this.core.arrive({ topic, payload, done, receivedAt: this.clock() }, payload.length)) endOfTurn(() => this.flush());
        }),
      ),
    );
    const streams = this.store.streams().map((s) => ({ ...s, through: this.store.appliedThrough(s.stream) }));
    this.publishAcks(this.core.startAcks(streams));
    this.log.info({ filters: this.filters, mode: this.opts.mqtt.mode }, 'ingest started');
  }

  /**
   * Stop taking messages. Only the local handlers go: an external broker keeps the hub's subscriptions in its
   * persistent session and queues what gateways send until the hub is back.
   */
  stop(): Promise<void> {
    if (!this.started) return Promise.resolve();
    this.started = false;
    this.core.stopAcks();
    for (const filter of this.filters) this.opts.mqtt.detach(filter);
    this.log.info('ingest stopped');
    return Promise.resolve();
  }

  /**
   * Apply the next group of what arrived; acknowledge each message only after the commit that holds it. Messages left
   * over (the group was full) are taken on a later turn, after this group's acknowledgements.
   */
  private flush(): void {
    const { messages, group, more } = this.core.endTurn();
    const now = this.clock();
    if (more || (messages.length > 0 && now - messages[0]!.receivedAt >= BEHIND_WAIT_MS)) this.behindUntil = now + BEHIND_HOLD_MS;
    try {
      this.takeGroup(messages, group);
    } finally {
      this.countBusy(now, this.clock());
      if (more) endOfTurn(() => this.flush());
    }
  }

  /** Applying took from `from` to `to` (clock ms); BUSY_SHARE of a BUSY_WINDOW_MS window counts as behind. */
  private countBusy(from: number, to: number): void {
    if (from - this.busy.since >= BUSY_WINDOW_MS) this.busy = { since: from, ms: 0 };
    this.busy.ms += to - from;
    if (this.busy.ms < BUSY_SHARE * BUSY_WINDOW_MS) return;
    this.behindUntil = to + BEHIND_HOLD_MS;
    this.busy = { since: to, ms: 0 };
  }

  private takeGroup(messages: readonly Pending[], group: boolean): void {
    if (group) {
      let taken: Taken[] | undefined;
      try {
        taken = this.groupTx(messages);
      } catch {
        taken = undefined; // someone in the group failed: everyone is taken again on their own below
        this.core.rolledBack(true);
      }
      if (taken) {
        this.committed(messages.length);
        taken.forEach((t) => t.count());
        for (const it of messages) it.done();
        return;
      }
    }
    for (const it of messages) {
      let err: Error | undefined;
      try {
        this.receive(it.topic, it.payload, it.receivedAt);
      } catch (e) {
        err = e instanceof Error ? e : new Error(String(e));
      }
      it.done(err); // after receive() returned: its transaction has committed (or rolled back: err)
    }
  }

  /** The open transaction committed: the acknowledgements it made due go out at the end of the turn. */
  private committed(groupOf?: number): void {
    if (this.core.committed(groupOf)) endOfTurn(() => this.publishAcks(this.core.takeAcks()));
  }

  private publishAcks(acks: readonly AckCommand[]): void {
    if (acks.length === 0) return;
    const ts = isoTs(this.clock());
    for (const { gateway, stream, through } of acks) {
      const ack: HubAck = { v: WIRE_VERSION, stream, through, ts };
      this.opts.mqtt.publish(topics.ack(this.opts.site, gateway), JSON.stringify(ack), { qos: 1, retain: true }).catch((err: unknown) => {
        // The next commit of the stream, or the next start, says it again; the gateway re-publishes meanwhile.
        this.log.warn({ gateway, stream, through, err: (err as Error).message }, 'acknowledgement not published');
      });
    }
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
      this.core.rolledBack();
      this.noteFailure(topic, payload, err as Error);
      throw err;
    }
    this.committed();
    taken.count();
    return taken.outcome;
  }

  /** Apply a validated batch directly (tests, replays). Same transaction and counters as a received message. */
  applyBatch(received: EventBatch, receivedAt: number = this.clock()): BatchOutcome {
    const topic = topics.events(this.opts.site, received.gateway);
    const batch = this.believable(received, receivedAt);
    let outcome: BatchOutcome;
    try {
      outcome = this.store.applyBatch(batch, receivedAt, this.core.isolate(failureKey(topic, batch)));
    } catch (err) {
      this.core.rolledBack();
      this.noteBatchFailure(topic, batch, err as Error);
      throw err;
    }
    this.core.positioned(batch.gateway, batch.stream, outcome.through, outcome.lastSeq);
    this.committed();
    this.countBatch(topic, batch, outcome, batch.events.length, false);
    return outcome;
  }

  /**
   * Do the database work for one message (it commits with the caller's transaction, or its own). Counters and logs
   * wait in `count()` until the commit, so a rolled-back group counts nothing.
   */
  private take(topic: string, payload: Buffer, now: number): Taken {
    const d = decideMessage(this.opts.site, topic, payload);
    if (d.kind === 'dead-letter') {
      const { gateway, reason, errors } = d;
      const id = this.store.deadLetter(topic, gateway, reason, errors, payload, now);
      return {
        outcome: { kind: 'dead-letter', id, reason },
        count: () => {
          this.core.countDeadLetter(gateway ?? UNKNOWN_GATEWAY, d.onEventsTopic);
          if (d.cause === 'topic') this.log.warn({ topic, deadLetter: id }, 'message on a topic the ingest does not take: dead-lettered');
          else this.log.warn({ topic, gateway, reason, errors: describeErrors(errors), deadLetter: id, bytes: payload.length }, 'message dead-lettered');
        },
      };
    }
    if (d.kind === 'status') {
      const { status } = d;
      const result = this.store.recordStatus(status, now);
      return {
        outcome: { kind: 'status', result },
        count: () => {
          this.core.countStatus(status.gateway);
          if (result === 'updated') this.heardOnline(status.gateway, status.online);
          this.log.debug({ gateway: status.gateway, online: status.online, result }, 'gateway status');
        },
      };
    }
    const { rejected } = d;
    const batch = this.believable(d.batch, now);
    let outcome: BatchOutcome;
    try {
      outcome = this.store.applyBatch(batch, now, this.core.isolate(failureKey(topic, batch)), rejected);
    } catch (err) {
      if (!(err instanceof StreamOwnerError)) throw err;
      // Not transient: retrying cannot help, so it is kept as a dead letter and acknowledged.
      const id = this.store.deadLetter(topic, batch.gateway, 'schema', [{ path: '/stream', message: err.message }], payload, now);
      return {
        outcome: { kind: 'batch-dead-letter', id, reason: 'schema' },
        count: () => {
          this.core.countDeadLetter(batch.gateway, true, batch.events.length);
          this.log.error({ topic, stream: err.stream, owner: err.owner, deadLetter: id }, 'batch on a stream of another gateway: dead-lettered');
        },
      };
    }
    this.core.positioned(batch.gateway, batch.stream, outcome.through, outcome.lastSeq);
    return { outcome: { kind: 'batch', outcome }, count: () => this.countBatch(topic, batch, outcome, outcome.events, true) };
  }

  /** Replace implausible event times by the receive time, keeping the gateway's as evidence (same transaction as
   * the apply when called inside it; a redelivery records nothing new). */
  private believable(batch: EventBatch, receivedAt: number): EventBatch {
    const r = believableTimes(batch, receivedAt, this.opts.clockWindowMs ?? 24 * 3600_000);
    for (const c of r.corrected) this.recordClock.run(c.eventId, batch.gateway, c.stream, c.seq, c.gatewayTs, c.bookedTs, receivedAt);
    if (r.corrected.length > 0) {
      const { gatewayTs, bookedTs } = r.corrected[0]!;
      this.log.warn(
        { gateway: batch.gateway, events: r.corrected.length, gatewayTs, bookedTs },
        'event times implausible against the hub clock: booked at the receive time',
      );
    }
    return r.batch;
  }

  private noteFailure(topic: string, payload: Buffer, err: Error): void {
    const r = parse(topic, payload);
    if (r.ok && r.kind === 'events') return this.noteBatchFailure(topic, r.value, err);
    this.opts.writes?.failed('ingest', err, this.clock());
    this.log.error({ topic, err: err.message }, 'message could not be stored: not acknowledged, it will be delivered again');
  }

  private noteBatchFailure(topic: string, batch: EventBatch, err: Error): void {
    this.opts.writes?.failed('ingest', err, this.clock());
    const attempt = this.core.failed(failureKey(topic, batch), batch.gateway);
    this.log.error(
      { gateway: batch.gateway, stream: batch.stream, firstSeq: batch.events[0]!.seq, events: batch.events.length, attempt, err: err.message },
      'batch rolled back: not acknowledged, it will be delivered again',
    );
  }

  /** After the commit that holds the batch. */
  private countBatch(topic: string, batch: EventBatch, outcome: BatchOutcome, received: number, message: boolean): void {
    // A batch of events committed (new rows, not a status row updated in place): the database writes again.
    this.opts.writes?.succeeded('ingest');
    this.core.countBatch(batch.gateway, failureKey(topic, batch), outcome, received, message);
    const { gateway, stream } = batch;
    if (outcome.gapsOpened.length > 0) this.log.warn({ gateway, stream, gaps: outcome.gapsOpened }, 'stream gap: seqs missing');
    if (outcome.gapsReported.length > 0) this.log.warn({ gateway, stream, gaps: outcome.gapsReported }, 'gateway reported dropped events');
    if (outcome.seqConflicts > 0)
      this.log.error({ gateway, stream, conflicts: outcome.seqConflicts }, 'new event ids at seqs already seen: gateway stream defect');
    if (outcome.refused > 0) this.log.error({ gateway, stream, refused: outcome.refused }, 'events refused (a door of another gateway) were dead-lettered');
    if (outcome.deadLettered > outcome.refused) {
      const deadLettered = outcome.deadLettered - outcome.refused;
      this.log.error(
        { gateway, stream, deadLettered },
        'events of the batch were dead-lettered (broke the contract, or apply refused them repeatedly); the rest applied',
      );
    }
    this.log.debug({ gateway, applied: outcome.applied, duplicates: outcome.duplicates }, 'batch applied');
  }

  stats(): IngestStats {
    return this.core.stats();
  }

  /** The store, for read-side helpers (dead letters listing). */
  get tables(): IngestStore {
    return this.store;
  }
}

/** A message as the failure memory knows it (the same batch redelivered has the same key). */
function failureKey(topic: string, batch: EventBatch): string {
  return `${topic} ${batch.stream} ${batch.events[0]?.id ?? '-'} ${batch.events.length}`;
}
