// gateway/publisher — the MQTT publisher: takes events from the outbox, publishes them in batches at QoS 1, deletes
// outbox rows only when their delivery is confirmed, keeps the retained status and Last Will, reconnects with jittered
// back-off, and hands valid commands from the `cmd` topic to the daemon.
//
// Confirmation (`confirm`):
// - 'hub' (default): a PUBACK only frees the message's slot in the window; its rows stay in the outbox until the hub's
//   end-to-end acknowledgement (HubAck on the retained `ack` topic: every seq <= through is applied) deletes them.
//   A broker's PUBACK is not enough: Mosquitto killed -9 loses what it acknowledged since its last save. Unconfirmed
//   rows are backlog again at every reconnect, and also while connected when the hub has confirmed nothing new for
//   `confirmTimeoutMs` since the oldest of them was published (unconfirmed.ts).
// - 'broker': rows are deleted on the broker's PUBACK of the message that carried them.
//
// Two lanes, so an outage's backlog drains without flooding the hub and without holding up live events:
// - At every (re)connect, everything in the outbox (seq <= outbox.lastSeq() at that moment) is *backlog*. It drains
//   oldest first, in batches, through a token bucket of `drainRatePerSecond` events/s.
// - Everything appended after the connect is *fresh*: it goes out as soon as a batch is full or has lingered
//   `batch.lingerMs`, with no rate limit (the live rate is what the hub must take anyway), and it is served before the
//   backlog whenever a message slot is free.
// Both lanes share a window of `maxInFlight` unacknowledged messages (fresh may not take the last slot while backlog
// waits). Each message holds rows of one lane in outbox order,
// so its events ascend by seq; messages of the two lanes interleave, which the hub tolerates (it dedupes by id and
// tracks gaps by seq per stream, and a batch is internally ordered).
//
// Reconnection is our own (mqtt.js reconnectPeriod: 0): equal-jitter exponential back-off (runtime/backoff.ts). The outbox is
// the only store of record: on every disconnect the in-flight set is forgotten, mqtt.js's in-memory copies are
// discarded, and whatever was not PUBACKed is published again from the outbox after the reconnect (at-least-once;
// the hub's dedupe by event id makes it exactly-once in effect).
import { EventEmitter } from 'node:events';
import mqtt, { type MqttClient } from 'mqtt';
import { describeErrors, isoTs, parse, topics, type Command, type GatewayStatus, type HubAck } from '../../protocols/events/index.js';
import type { Logger } from '../../protocols/logging/index.js';
import { Backoff } from '../../runtime/backoff.js';
import type { Outbox, OutboxRow } from '../outbox/index.js';
import { batchPayload, takeBatch } from './batch.js';
import { Unconfirmed } from './unconfirmed.js';
import { describeMqttError, mqttClientOptions, type MqttSettings } from './mqtt-options.js';
import { TokenBucket } from './token-bucket.js';
import type { ConfirmMode, PublisherTuning } from './core.js';

/** What the publisher needs of the outbox. */
export type PublisherOutbox = Pick<Outbox, 'stream' | 'peekRows' | 'ack' | 'confirmThrough' | 'lastSeq' | 'depth'>;

export type { ConfirmMode } from './core.js';

/** Connection, identity and wiring; the tuning (batch, drain rate, window, confirm, reconnect, poll) is in core.ts. */
export interface PublisherOptions extends PublisherTuning {
  site: string;
  gateway: string;
  mqtt: MqttSettings;
  outbox: PublisherOutbox;
  clock?: { now(): number };
  random?: () => number;
  logger: Logger;
}

export interface PublisherState {
  connected: boolean;
  stopping: boolean;
  lastError?: string;
  /** Failed connection attempts since the last success. */
  attempts: number;
  /** When the next connection attempt is due (ms since epoch), while disconnected. */
  nextAttemptAt?: number;
  connects: number;
  /** Messages and events published and not yet acknowledged. */
  inFlight: number;
  inFlightEvents: number;
  /** Backlog left from the last (re)connect that has not been published yet (an upper bound). */
  backlogSeqsLeft: number;
  publishedMessages: number;
  publishedEvents: number;
  /** Events whose message the broker acknowledged (PUBACK). */
  ackedEvents: number;
  /** 'hub': events PUBACKed on this connection and not yet confirmed by the hub (an estimate; 0 with 'broker'). */
  unconfirmedEvents: number;
  /** 'hub': outbox rows deleted by the hub's acknowledgements since start. */
  confirmedEvents: number;
  /** 'hub': the highest seq of this outbox's stream the hub has confirmed (0: none yet). */
  hubConfirmedSeq: number;
  /** 'hub': times unconfirmed rows were published again after confirmTimeoutMs without progress. */
  confirmTimeouts: number;
}

export type CommandHandler = (cmd: Command) => void | Promise<void>;

interface InFlight {
  seqs: number[];
  lane: 'fresh' | 'backlog';
  generation: number;
  sentAt: number;
}

export interface PublisherEvents {
  connect: [{ sessionPresent: boolean }];
  offline: [{ reason?: string }];
  error: [Error];
}

export class Publisher extends EventEmitter<PublisherEvents> {
  readonly eventsTopic: string;
  readonly statusTopic: string;
  readonly cmdTopic: string;
  readonly ackTopic: string;
  readonly confirm: ConfirmMode;
  private readonly confirmTimeoutMs: number;
  private readonly unconfirmed = new Unconfirmed();
  private hubConfirmedSeq = 0;
  private confirmTimer: NodeJS.Timeout | undefined;
  private readonly opts: PublisherOptions;
  private readonly outbox: PublisherOutbox;
  private readonly log: Logger;
  private readonly clock: { now(): number };
  private readonly limits: { maxEvents: number; maxBytes: number };
  private readonly lingerMs: number;
  private readonly maxInFlight: number;
  private readonly drainRate: number;
  private readonly backoff: Backoff;
  /** Back-off for re-sending messages the broker refused (MQTT 5 PUBACK with an error reason). */
  private readonly refusalBackoff: Backoff;
  private backlogNotBefore = 0;
  private readonly protocolVersion: number;
  private client: MqttClient | undefined;
  private connected = false;
  private started = false;
  private stopping = false;
  private stopped = false;
  private generation = 0;
  private lastError: string | undefined;
  private nextAttemptAt: number | undefined;
  private connects = 0;
  private counters = { publishedMessages: 0, publishedEvents: 0, ackedEvents: 0, confirmedEvents: 0, confirmTimeouts: 0 };

  private readonly inFlight = new Map<number, InFlight>();
  private readonly inFlightSeqs = new Set<number>();
  private nextMessageKey = 1;
  private backlogCursor = 0;
  private backlogEnd = 0;
  private freshCursor = 0;
  private freshDueAt: number | undefined;
  private bucket: TokenBucket;

  private pumpTimer: NodeJS.Timeout | undefined;
  private pumpTimerAt = Infinity;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private pumping = false;
  private waiters: Array<() => void> = [];

  private status: GatewayStatus | undefined;
  private readonly commandHandlers: CommandHandler[] = [];

  constructor(opts: PublisherOptions) {
    super();
    this.opts = opts;
    this.outbox = opts.outbox;
    this.log = opts.logger;
    this.clock = opts.clock ?? { now: () => Date.now() };
    this.eventsTopic = topics.events(opts.site, opts.gateway);
    this.statusTopic = topics.status(opts.site, opts.gateway);
    this.cmdTopic = topics.cmd(opts.site, opts.gateway);
    this.ackTopic = topics.ack(opts.site, opts.gateway);
    this.confirm = opts.confirm ?? 'hub';
    this.confirmTimeoutMs = opts.confirmTimeoutMs ?? 30_000;
    this.limits = { maxEvents: opts.batch?.maxEvents ?? 200, maxBytes: opts.batch?.maxBytes ?? 256 * 1024 };
    this.lingerMs = opts.batch?.lingerMs ?? 5;
    this.maxInFlight = opts.maxInFlight ?? 8;
    this.drainRate = opts.drainRatePerSecond ?? 500;
    this.protocolVersion = opts.mqtt.protocolVersion ?? 4;
    const bad: string[] = [];
    if (!Number.isInteger(this.limits.maxEvents) || this.limits.maxEvents < 1 || this.limits.maxEvents > 5000) bad.push(`batch.maxEvents must be 1..5000, got ${this.limits.maxEvents}`);
    if (!(this.limits.maxBytes >= 1024)) bad.push(`batch.maxBytes must be >= 1024, got ${this.limits.maxBytes}`);
    if (!(this.lingerMs >= 0)) bad.push(`batch.lingerMs must be >= 0, got ${this.lingerMs}`);
    if (!Number.isInteger(this.maxInFlight) || this.maxInFlight < 1) bad.push(`maxInFlight must be an integer >= 1, got ${this.maxInFlight}`);
    if (!(this.drainRate > 0)) bad.push(`drainRatePerSecond must be > 0, got ${this.drainRate}`);
    if (this.confirm !== 'hub' && this.confirm !== 'broker') bad.push(`confirm must be 'hub' or 'broker', got ${JSON.stringify(this.confirm)}`);
    if (!Number.isFinite(this.confirmTimeoutMs) || this.confirmTimeoutMs < 1) bad.push(`confirmTimeoutMs must be >= 1, got ${this.confirmTimeoutMs}`);
    if (bad.length) throw new RangeError(`publisher: ${bad.join('; ')}`);
    this.backoff = new Backoff({ initialMs: opts.reconnect?.initialMs ?? 500, maxMs: opts.reconnect?.maxMs ?? 30_000 }, opts.random);
    this.refusalBackoff = new Backoff({ initialMs: opts.reconnect?.initialMs ?? 500, maxMs: opts.reconnect?.maxMs ?? 30_000 }, opts.random);
    this.bucket = this.newBucket();
    // Validate settings (and read TLS files) now, so a bad config fails at start-up naming the key.
    mqttClientOptions(opts.mqtt, { topic: this.statusTopic, gateway: opts.gateway });
  }

  /** Connect (and keep reconnecting) and start publishing. */
  start(): void {
    if (this.started) throw new Error('publisher already started');
    this.started = true;
    const options = mqttClientOptions(this.opts.mqtt, { topic: this.statusTopic, gateway: this.opts.gateway });
    this.log.info({ url: this.opts.mqtt.url, clientId: options.clientId, events: this.eventsTopic, confirm: this.confirm }, 'mqtt connecting');
    const client = mqtt.connect(this.opts.mqtt.url, options);
    this.client = client;
    client.on('connect', (connack) => {
      // No Nagle: an events message should leave at once, and a PUBACK's wait for the peer's delayed ACK is ~40 ms.
      const socket = client.stream as { setNoDelay?: (on: boolean) => void } | undefined;
      socket?.setNoDelay?.(true);
      this.onConnect(connack.sessionPresent);
    });
    client.on('close', () => this.onClose());
    client.on('error', (err) => this.onError(err));
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    this.pollTimer = setInterval(() => this.kick(), this.opts.pollMs ?? 1000);
    this.pollTimer.unref();
    if (this.confirm === 'hub') {
      this.confirmTimer = setInterval(() => this.checkConfirmTimeout(), Math.max(20, Math.min(1000, Math.floor(this.confirmTimeoutMs / 4))));
      this.confirmTimer.unref();
    }
  }

  /** New events are in the outbox: publish promptly (batched by count and linger). */
  kick(): void {
    if (this.connected && !this.stopped) this.pump();
  }

  /** Replace the retained status; published now if connected, and again on every connect. */
  publishStatus(status: GatewayStatus): Promise<boolean> {
    const checked = parse(this.statusTopic, JSON.stringify(status));
    if (!checked.ok) throw new Error(`publishStatus: invalid gateway status: ${describeErrors(checked.errors)}`);
    this.status = status;
    return this.sendStatus(status);
  }

  /** Receive valid commands from `dockgate/{site}/gw/{gw}/cmd`. Invalid ones are logged and dropped. */
  onCommand(handler: CommandHandler): void {
    this.commandHandlers.push(handler);
  }

  state(): PublisherState {
    let inFlightEvents = 0;
    for (const m of this.inFlight.values()) inFlightEvents += m.seqs.length;
    return {
      connected: this.connected,
      stopping: this.stopping,
      lastError: this.lastError,
      attempts: this.backoff.attempts,
      nextAttemptAt: this.connected ? undefined : this.nextAttemptAt,
      connects: this.connects,
      inFlight: this.inFlight.size,
      inFlightEvents,
      backlogSeqsLeft: Math.max(0, this.backlogEnd - this.backlogCursor),
      ...this.counters,
      unconfirmedEvents: this.unconfirmed.events(this.hubConfirmedSeq),
      hubConfirmedSeq: this.hubConfirmedSeq,
    };
  }

  /**
   * Stop: publish no more backlog, publish the fresh events already in the outbox, wait for in-flight PUBACKs up to
   * `flushMs` (with confirm 'hub' also, within the same `flushMs`, for the hub to confirm what the broker acknowledged
   * on this connection: a running hub takes milliseconds, and the next start need not send it again), publish the
   * retained offline status (a clean disconnect suppresses the Last Will), then disconnect.
   * Rows not acknowledged (or not confirmed) by then stay in the outbox for the next start.
   */
  async stop({ flushMs = 2000 }: { flushMs?: number } = {}): Promise<void> {
    if (!this.started || this.stopped) return;
    this.stopping = true;
    const deadline = this.clock.now() + flushMs;
    const stopSeq = this.outbox.lastSeq();
    this.kick();
    const waiting = () => this.inFlight.size > 0 || this.freshCursor < stopSeq || (this.confirm === 'hub' && this.unconfirmed.events(this.hubConfirmedSeq) > 0);
    while (this.connected && this.clock.now() < deadline && waiting()) {
      await this.waitForProgress(deadline - this.clock.now());
      this.kick();
    }
    const client = this.client!;
    if (this.connected) {
      const offline: GatewayStatus = { ...(this.status ?? { v: 1, gateway: this.opts.gateway }), online: false, ts: isoTs(this.clock.now()) };
      await Promise.race([this.sendStatus(offline), new Promise((r) => setTimeout(r, Math.max(0, deadline - this.clock.now())))]);
    }
    this.stopped = true;
    this.clearTimers();
    const left = this.state();
    // A clean DISCONNECT when nothing is unacknowledged (mqtt.js would otherwise wait for it); else drop the socket.
    const force = !this.connected || this.inFlight.size > 0;
    await Promise.race([new Promise<void>((resolve) => client.end(force, {}, () => resolve())), new Promise((r) => setTimeout(r, 1000).unref())]);
    this.connected = false;
    this.log.info({ unacked: left.inFlightEvents, unconfirmed: left.unconfirmedEvents, outboxDepth: this.outbox.depth(), published: left.publishedEvents, acked: left.ackedEvents, hubConfirmedSeq: left.hubConfirmedSeq }, 'mqtt publisher stopped');
  }

  // --- connection -------------------------------------------------------------------------------------------------

  private onConnect(sessionPresent: boolean): void {
    this.connected = true;
    this.connects++;
    this.backoff.reset();
    this.lastError = undefined;
    this.nextAttemptAt = undefined;
    // Everything stored now is backlog; what is appended from here on is fresh.
    this.backlogCursor = 0;
    this.backlogNotBefore = 0;
    this.backlogEnd = this.outbox.lastSeq();
    this.freshCursor = this.backlogEnd;
    this.freshDueAt = undefined;
    this.bucket = this.newBucket();
    // What was published and not confirmed is in the backlog now, and gets a new publish time when it goes again.
    this.unconfirmed.clear();
    this.log.info({ sessionPresent, backlog: this.outbox.depth(), backlogEndSeq: this.backlogEnd, connects: this.connects }, 'mqtt connected');
    this.client!.subscribe(this.cmdTopic, { qos: 1 }, (err) => {
      if (err && this.connected) this.log.error({ err: err.message, topic: this.cmdTopic }, 'mqtt: cannot subscribe to the command topic');
    });
    if (this.confirm === 'hub') {
      this.client!.subscribe(this.ackTopic, { qos: 1 }, (err, granted) => {
        if (!this.connected) return;
        const refused = err ? err.message : granted?.some((g) => g.qos === 128) ? 'the broker refused the subscription (SUBACK 0x80)' : undefined;
        if (refused) this.log.error({ err: refused, topic: this.ackTopic }, "mqtt: cannot subscribe to the hub's acknowledgements: nothing leaves the outbox until this is fixed (broker ACL?)");
      });
    }
    if (this.status) void this.sendStatus(this.status);
    this.emit('connect', { sessionPresent });
    this.pump();
  }

  private onError(err: Error & { code?: unknown }): void {
    const reason = describeMqttError(err, this.protocolVersion);
    this.lastError = reason;
    const refused = typeof err.code === 'number';
    this.log.error({ err: reason, code: err.code, url: this.opts.mqtt.url, clientId: this.opts.mqtt.clientId }, refused ? `mqtt: ${reason}` : 'mqtt connection error');
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }

  private onClose(): void {
    const wasConnected = this.connected;
    this.connected = false;
    // Forget what was in flight: it was not acknowledged, so it is still in the outbox and goes again after the
    // reconnect. Drop mqtt.js's copies so they are neither resent nor leak message ids (their callbacks are ignored).
    this.generation++;
    this.inFlight.clear();
    this.inFlightSeqs.clear();
    const client = this.client!;
    for (const id of Object.keys(client.outgoing)) client.removeOutgoingMessage(Number(id));
    this.releaseWaiters();
    if (this.pumpTimer) clearTimeout(this.pumpTimer);
    this.pumpTimer = undefined;
    this.pumpTimerAt = Infinity;
    if (this.stopped) return;
    const delay = this.backoff.next();
    this.nextAttemptAt = this.clock.now() + delay;
    if (wasConnected) {
      this.log.warn({ reason: this.lastError, retryInMs: delay, outboxDepth: this.outbox.depth() }, 'mqtt connection lost; reconnecting');
      this.emit('offline', { reason: this.lastError });
    } else {
      this.log.warn({ reason: this.lastError, attempt: this.backoff.attempts, retryInMs: delay }, 'mqtt connection attempt failed; retrying with back-off');
    }
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.stopped) client.reconnect();
    }, delay);
  }

  // --- publishing -------------------------------------------------------------------------------------------------

  /** Fill free message slots: fresh first, then backlog within the drain rate. */
  private pump(): void {
    if (this.pumping || !this.connected || this.stopped) return;
    this.pumping = true;
    try {
      while (this.inFlight.size < this.maxInFlight) {
        // While backlog waits, fresh events leave it one slot, so a busy door cannot starve the drain.
        const backlogWaiting = !this.stopping && this.backlogCursor < this.backlogEnd && this.maxInFlight > 1;
        if (this.inFlight.size < this.maxInFlight - (backlogWaiting ? 1 : 0) && this.pumpFresh()) continue;
        if (!this.stopping && this.pumpBacklog()) continue;
        break;
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Publish one fresh batch if one is due. */
  private pumpFresh(): boolean {
    const rows = this.outbox.peekRows(this.limits.maxEvents, this.freshCursor);
    if (rows.length === 0) {
      // Nothing stored after the cursor: every seq up to lastSeq is sent, acked or dropped.
      this.freshCursor = Math.max(this.freshCursor, this.outbox.lastSeq());
      this.freshDueAt = undefined;
      return false;
    }
    const now = this.clock.now();
    this.freshDueAt ??= now + this.lingerMs;
    if (rows.length < this.limits.maxEvents && now < this.freshDueAt && !this.stopping) {
      this.schedulePump(this.freshDueAt);
      return false;
    }
    const batch = takeBatch(rows, this.limits);
    this.freshCursor = batch.at(-1)!.seq;
    this.freshDueAt = undefined;
    this.send(batch, 'fresh');
    return true;
  }

  /** Publish one backlog batch if the drain rate allows (whole batches, so a slow rate does not mean tiny messages). */
  private pumpBacklog(): boolean {
    if (this.backlogCursor >= this.backlogEnd) return false;
    const now = this.clock.now();
    if (now < this.backlogNotBefore) {
      this.schedulePump(this.backlogNotBefore);
      return false;
    }
    const need = Math.min(this.bucket.burst, this.backlogEnd - this.backlogCursor);
    const tokens = this.bucket.available(now);
    if (tokens < need) {
      this.schedulePump(now + Math.max(1, this.bucket.msUntil(need, now)));
      return false;
    }
    const peeked = this.outbox.peekRows(Math.min(tokens, this.limits.maxEvents), this.backlogCursor).filter((r) => r.seq <= this.backlogEnd);
    if (peeked.length === 0) {
      this.backlogCursor = this.backlogEnd;
      return true;
    }
    // Rows still in flight (after a refused message made us go over the backlog again) are skipped, not sent twice.
    const rows = this.inFlightSeqs.size === 0 ? peeked : peeked.filter((r) => !this.inFlightSeqs.has(r.seq));
    if (rows.length === 0) {
      this.backlogCursor = peeked.at(-1)!.seq;
      return true;
    }
    const batch = takeBatch(rows, this.limits);
    this.backlogCursor = batch.at(-1)!.seq;
    this.bucket.take(batch.length, now);
    this.send(batch, 'backlog');
    return true;
  }

  private send(rows: OutboxRow[], lane: 'fresh' | 'backlog'): void {
    const client = this.client!;
    const payload = batchPayload(this.opts.gateway, this.outbox.stream, rows);
    const key = this.nextMessageKey++;
    const msg: InFlight = { seqs: rows.map((r) => r.seq), lane, generation: this.generation, sentAt: this.clock.now() };
    this.inFlight.set(key, msg);
    for (const s of msg.seqs) this.inFlightSeqs.add(s);
    this.counters.publishedMessages++;
    this.counters.publishedEvents += rows.length;
    client.publish(this.eventsTopic, payload, { qos: 1 }, (err) => this.onPuback(key, msg, err));
  }

  private onPuback(key: number, msg: InFlight, err: Error | undefined): void {
    if (msg.generation !== this.generation) return; // the connection it went out on is gone; it will go again
    this.inFlight.delete(key);
    for (const s of msg.seqs) this.inFlightSeqs.delete(s);
    if (err) {
      // Refused by the broker (e.g. MQTT 5 "not authorized" on the topic): the rows stay; go over them again later.
      this.lastError = describeMqttError(err as Error & { code?: unknown }, this.protocolVersion);
      const retryInMs = this.refusalBackoff.next();
      this.log.error({ err: this.lastError, firstSeq: msg.seqs[0], lastSeq: msg.seqs.at(-1), retryInMs }, 'mqtt: events message refused by the broker; it stays in the outbox and is retried with back-off');
      // Go over the backlog again from the refused rows on (as backlog, at the drain rate, after the back-off).
      this.backlogEnd = Math.max(this.backlogEnd, msg.seqs.at(-1)!);
      this.backlogCursor = Math.min(this.backlogCursor, msg.seqs[0]! - 1);
      this.backlogNotBefore = this.clock.now() + retryInMs;
    } else if (this.confirm === 'broker') {
      // Guarantee 2: a row is deleted only now, after the PUBACK of the message that carried it.
      this.outbox.ack(msg.seqs);
      this.counters.ackedEvents += msg.seqs.length;
      this.refusalBackoff.reset();
    } else {
      // 'hub': the slot is free, the rows stay until the hub confirms them (onHubAck).
      this.unconfirmed.add(msg.seqs[0]!, msg.seqs.at(-1)!, msg.seqs.length, msg.sentAt);
      this.counters.ackedEvents += msg.seqs.length;
      this.refusalBackoff.reset();
    }
    this.releaseWaiters();
    this.pump();
  }

  /** Backlog bucket: bursts of at most a fifth of a second's drain (and at most one full batch). */
  private newBucket(): TokenBucket {
    return new TokenBucket(this.drainRate, Math.max(1, Math.min(this.limits.maxEvents, Math.floor(this.drainRate / 5))), this.clock.now());
  }

  private schedulePump(at: number): void {
    if (this.pumpTimer && this.pumpTimerAt <= at) return;
    if (this.pumpTimer) clearTimeout(this.pumpTimer);
    this.pumpTimerAt = at;
    this.pumpTimer = setTimeout(
      () => {
        this.pumpTimer = undefined;
        this.pumpTimerAt = Infinity;
        this.pump();
      },
      Math.max(0, at - this.clock.now()),
    );
  }

  private sendStatus(status: GatewayStatus): Promise<boolean> {
    const client = this.client;
    if (!client || !this.connected) return Promise.resolve(false);
    return new Promise((resolve) => {
      client.publish(this.statusTopic, JSON.stringify(status), { qos: 1, retain: true }, (err) => {
        if (err) this.log.warn({ err: err.message }, 'mqtt: status not acknowledged');
        resolve(!err);
      });
    });
  }

  // --- the hub's acknowledgements ---------------------------------------------------------------------------------

  private onAckMessage(payload: Buffer): void {
    if (this.confirm !== 'hub') return;
    const r = parse(this.ackTopic, payload);
    if (!r.ok || r.kind !== 'ack') {
      this.log.warn({ topic: this.ackTopic, reason: r.ok ? `not an acknowledgement (${r.kind})` : r.reason, errors: r.ok ? undefined : describeErrors(r.errors), bytes: payload.length }, 'mqtt: invalid hub acknowledgement ignored');
      return;
    }
    this.onHubAck(r.value);
  }

  private onHubAck(ack: HubAck): void {
    if (ack.stream !== this.outbox.stream) {
      // An old stream's retained ack (the outbox was recreated since): nothing of ours.
      this.log.info({ ackStream: ack.stream, stream: this.outbox.stream, through: ack.through }, 'hub acknowledgement for another stream ignored');
      return;
    }
    if (ack.through <= this.hubConfirmedSeq) return;
    if (ack.through > this.outbox.lastSeq()) {
      this.log.error({ through: ack.through, lastSeq: this.outbox.lastSeq(), stream: ack.stream }, 'hub acknowledges seqs this outbox never handed out: ignored, nothing deleted');
      return;
    }
    const deleted = this.outbox.confirmThrough(ack.through);
    this.hubConfirmedSeq = ack.through;
    this.unconfirmed.confirm(ack.through, this.clock.now());
    this.counters.confirmedEvents += deleted;
    this.log.debug({ through: ack.through, deleted, outboxDepth: this.outbox.depth() }, 'hub confirmed events');
    this.releaseWaiters();
  }

  /** While connected: the hub has confirmed nothing new for confirmTimeoutMs since the oldest unconfirmed publish. */
  private checkConfirmTimeout(): void {
    if (!this.connected || this.stopping || this.stopped) return;
    const now = this.clock.now();
    const stalled = this.unconfirmed.stalled(now, this.confirmTimeoutMs);
    if (!stalled) return;
    const from = Math.max(this.hubConfirmedSeq + 1, stalled.firstSeq);
    this.counters.confirmTimeouts++;
    this.log.warn(
      { fromSeq: from, toSeq: stalled.lastSeq, waitedMs: stalled.waitedMs, hubConfirmedSeq: this.hubConfirmedSeq },
      `hub has not confirmed seq ${from}..${stalled.lastSeq} for ${(stalled.waitedMs / 1000).toFixed(1)} s: publishing again`,
    );
    // The same path as a reconnect: the unconfirmed rows are backlog again, drained at the drain rate.
    this.unconfirmed.clear();
    this.backlogEnd = Math.max(this.backlogEnd, stalled.lastSeq);
    this.backlogCursor = Math.min(this.backlogCursor, from - 1);
    this.pump();
  }

  // --- commands ---------------------------------------------------------------------------------------------------

  private onMessage(topic: string, payload: Buffer): void {
    if (topic === this.ackTopic) return this.onAckMessage(payload);
    if (topic !== this.cmdTopic) return;
    const r = parse(topic, payload);
    if (!r.ok || r.kind !== 'cmd') {
      this.log.warn({ topic, reason: r.ok ? `not a command (${r.kind})` : r.reason, errors: r.ok ? undefined : describeErrors(r.errors), bytes: payload.length }, 'mqtt: invalid command rejected');
      return;
    }
    const cmd = r.value;
    this.log.info({ cmd: cmd.cmd, id: cmd.id }, 'command received');
    for (const handler of this.commandHandlers) {
      try {
        const p = handler(cmd);
        if (p && typeof p.then === 'function') p.then(undefined, (err: unknown) => this.log.error({ err, cmd: cmd.cmd, id: cmd.id }, 'command handler failed'));
      } catch (err) {
        this.log.error({ err, cmd: cmd.cmd, id: cmd.id }, 'command handler failed');
      }
    }
  }

  // --- helpers ----------------------------------------------------------------------------------------------------

  private waitForProgress(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, Math.max(1, Math.min(ms, 50)));
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.waiters.push(done);
    });
  }

  private releaseWaiters(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private clearTimers(): void {
    for (const t of [this.pumpTimer, this.reconnectTimer]) if (t) clearTimeout(t);
    for (const t of [this.pollTimer, this.confirmTimer]) if (t) clearInterval(t);
    this.pumpTimer = this.reconnectTimer = this.pollTimer = this.confirmTimer = undefined;
  }
}
