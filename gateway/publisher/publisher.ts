// gateway/publisher — the MQTT publisher: takes events from the outbox, publishes them in batches at QoS 1, deletes
// outbox rows only when their delivery is confirmed, keeps the retained status and Last Will, reconnects with jittered
// back-off, and hands valid commands from the `cmd` topic to the daemon. This file is the driver: it translates the
// mqtt.js client's events into inputs of the pure core (core.ts, where the logic below lives) and carries out the
// core's commands (publish, subscribe, delete or confirm outbox rows, timers on the injected Runtime, logs). Its seams,
// for tests and the deterministic simulator: `runtime` (time, timers, randomness), `connect` (returns an
// MqttClientLike: the small part of mqtt.js's client used here) and the `step` event (after every input).
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
//   oldest first, in batches, through a token bucket whose rate adapts to the hub's confirmations (drain-rate.ts):
//   it starts at `drainRatePerSecond`, the ceiling, backs off while the unconfirmed events grow past a second's worth
//   and climbs back while the confirmations keep pace.
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
import mqtt, { type IClientOptions } from 'mqtt';
import { describeErrors, isoTs, parse, topics, type Command, type GatewayStatus } from '../../protocols/events/index.js';
import type { Logger } from '../../protocols/logging/index.js';
import { systemRuntime, type Runtime, type Timer } from '../../runtime/runtime.js';
import type { Outbox } from '../outbox/index.js';
import { batchPayload } from './batch.js';
import { PublisherCore, type ConfirmMode, type CoreCommand, type CoreInput, type CoreState, type PublisherTuning, type TimerName } from './core.js';
import { describeMqttError, mqttClientOptions, type MqttSettings } from './mqtt-options.js';

export type { ConfirmMode } from './core.js';

/** What the publisher needs of the outbox. */
export type PublisherOutbox = Pick<Outbox, 'stream' | 'peekRows' | 'ack' | 'confirmThrough' | 'lastSeq' | 'depth'>;

/** The events of MqttClientLike the publisher listens to. */
export interface MqttClientLikeEvents {
  connect: (connack: { sessionPresent: boolean }) => void;
  close: () => void;
  error: (err: Error & { code?: unknown }) => void;
  message: (topic: string, payload: Buffer) => void;
}

/**
 * The part of mqtt.js's MqttClient the publisher uses (an MqttClient is one). A fake (testing/fake-client.ts) or a
 * simulated broker implements it to drive the publisher without sockets.
 */
export interface MqttClientLike {
  on(event: 'connect', listener: MqttClientLikeEvents['connect']): unknown;
  on(event: 'close', listener: MqttClientLikeEvents['close']): unknown;
  on(event: 'error', listener: MqttClientLikeEvents['error']): unknown;
  on(event: 'message', listener: MqttClientLikeEvents['message']): unknown;
  subscribe(topic: string, opts: { qos: 1 }, callback: (err: Error | null, granted?: Array<{ qos: number }>) => void): unknown;
  /** QoS 1; `callback` on the PUBACK (an error: refused, or dropped by removeOutgoingMessage). */
  publish(topic: string, payload: string, opts: { qos: 1; retain?: boolean }, callback: (err?: Error) => void): unknown;
  /** Messages kept for resending, by message id. */
  readonly outgoing: Record<number, unknown>;
  removeOutgoingMessage(messageId: number): unknown;
  /** Make a connection attempt (reconnection is ours: reconnectPeriod 0). */
  reconnect(): unknown;
  end(force: boolean, opts: object, callback: () => void): unknown;
}

/** Opens the client (not yet connected); default mqtt.connect. */
export type PublisherConnect = (url: string, options: IClientOptions) => MqttClientLike;

/** Connection, identity and wiring; the tuning (batch, drain rate, window, confirm, reconnect, poll) is in core.ts. */
export interface PublisherOptions extends PublisherTuning {
  site: string;
  gateway: string;
  mqtt: MqttSettings;
  outbox: PublisherOutbox;
  /** Time, timers and randomness. Default systemRuntime. */
  runtime?: Runtime;
  /** Default mqtt.connect. */
  connect?: PublisherConnect;
  logger: Logger;
}

/** What the publisher reports (status, metrics): the core's state without its internals, and the rows the hub confirmed. */
export type PublisherState = Omit<CoreState, 'stopped' | 'cursors'> & {
  /** 'hub': outbox rows deleted by the hub's acknowledgements since start. */
  confirmedEvents: number;
};

export type CommandHandler = (cmd: Command) => void | Promise<void>;

export interface PublisherEvents {
  connect: [{ sessionPresent: boolean }];
  offline: [{ reason?: string }];
  error: [Error];
  /** The core took an input (its commands are carried out): tests and simulators await state here, not time. */
  step: [CoreInput['type']];
}

/** A core input without its time (the driver stamps it from the runtime). */
type Input = CoreInput extends infer I ? (I extends CoreInput ? Omit<I, 'now'> : never) : never;

export class Publisher extends EventEmitter<PublisherEvents> {
  readonly eventsTopic: string;
  readonly statusTopic: string;
  readonly cmdTopic: string;
  readonly ackTopic: string;
  readonly confirm: ConfirmMode;
  private readonly opts: PublisherOptions;
  private readonly outbox: PublisherOutbox;
  private readonly log: Logger;
  private readonly runtime: Runtime;
  private readonly core: PublisherCore;
  private readonly protocolVersion: number;
  private readonly timers = new Map<TimerName, Timer>();
  private client: MqttClientLike | undefined;
  private confirmedEvents = 0;
  /** Inputs not yet stepped: a command's callback that fires at once waits until the step's commands are carried out. */
  private readonly queue: Input[] = [];
  private stepping = false;
  private waiters: Array<() => void> = [];
  private status: GatewayStatus | undefined;
  private readonly commandHandlers: CommandHandler[] = [];

  constructor(opts: PublisherOptions) {
    super();
    this.opts = opts;
    this.outbox = opts.outbox;
    this.log = opts.logger;
    this.runtime = opts.runtime ?? systemRuntime;
    this.eventsTopic = topics.events(opts.site, opts.gateway);
    this.statusTopic = topics.status(opts.site, opts.gateway);
    this.cmdTopic = topics.cmd(opts.site, opts.gateway);
    this.ackTopic = topics.ack(opts.site, opts.gateway);
    this.core = new PublisherCore({ ...opts, random: () => this.runtime.random() });
    this.confirm = this.core.confirm;
    this.protocolVersion = opts.mqtt.protocolVersion ?? 4;
    // Validate settings (and read TLS files) now, so a bad config fails at start-up naming the key.
    mqttClientOptions(opts.mqtt, { topic: this.statusTopic, gateway: opts.gateway });
  }

  /** Connect (and keep reconnecting) and start publishing. */
  start(): void {
    if (this.client) throw new Error('publisher already started');
    this.step({ type: 'start' });
    const options = mqttClientOptions(this.opts.mqtt, { topic: this.statusTopic, gateway: this.opts.gateway });
    this.log.info({ url: this.opts.mqtt.url, clientId: options.clientId, events: this.eventsTopic, confirm: this.confirm }, 'mqtt connecting');
    const connect: PublisherConnect = this.opts.connect ?? mqtt.connect;
    const client = connect(this.opts.mqtt.url, options);
    this.client = client;
    client.on('connect', (connack) => {
      // No Nagle: an events message should leave at once, and a PUBACK's wait for the peer's delayed ACK is ~40 ms.
      const socket = (client as { stream?: { setNoDelay?: (on: boolean) => void } }).stream;
      socket?.setNoDelay?.(true);
      this.step({ type: 'connected', sessionPresent: connack.sessionPresent });
    });
    client.on('close', () => this.onClose(client));
    client.on('error', (err) => this.onError(err));
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
  }

  /** New events are in the outbox: publish promptly (batched by count and linger). */
  kick(): void {
    this.step({ type: 'appended' });
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
    const s = this.core.state();
    return {
      connected: s.connected,
      stopping: s.stopping,
      lastError: s.lastError,
      attempts: s.attempts,
      nextAttemptAt: s.nextAttemptAt,
      connects: s.connects,
      inFlight: s.inFlight,
      inFlightEvents: s.inFlightEvents,
      backlogSeqsLeft: s.backlogSeqsLeft,
      publishedMessages: s.publishedMessages,
      publishedEvents: s.publishedEvents,
      ackedEvents: s.ackedEvents,
      unconfirmedEvents: s.unconfirmedEvents,
      confirmedEvents: this.confirmedEvents,
      hubConfirmedSeq: s.hubConfirmedSeq,
      confirmTimeouts: s.confirmTimeouts,
      drainRate: s.drainRate,
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
    const client = this.client;
    if (!client || this.core.state().stopped) return;
    const stopSeq = this.outbox.lastSeq();
    const deadline = this.sleep(flushMs);
    this.step({ type: 'stopping' });
    while (this.core.state().connected && !deadline.over() && this.core.flushPending(stopSeq)) await Promise.race([this.nextStep(), deadline.promise]);
    if (this.core.state().connected) {
      const offline: GatewayStatus = { ...(this.status ?? { v: 1, gateway: this.opts.gateway }), online: false, ts: isoTs(this.runtime.now()) };
      await Promise.race([this.sendStatus(offline), deadline.promise]);
    }
    deadline.cancel();
    this.step({ type: 'stopped' });
    const left = this.state();
    // A clean DISCONNECT when nothing is unacknowledged (mqtt.js would otherwise wait for it); else drop the socket.
    const force = !left.connected || left.inFlight > 0;
    const grace = this.sleep(1000);
    await Promise.race([new Promise<void>((resolve) => client.end(force, {}, () => resolve())), grace.promise]);
    grace.cancel();
    if (this.core.state().connected) this.step({ type: 'closed' });
    this.log.info(
      {
        unacked: left.inFlightEvents,
        unconfirmed: left.unconfirmedEvents,
        outboxDepth: this.outbox.depth(),
        published: left.publishedEvents,
        acked: left.ackedEvents,
        hubConfirmedSeq: left.hubConfirmedSeq,
      },
      'mqtt publisher stopped',
    );
  }

  // --- the core ---------------------------------------------------------------------------------------------------

  /** Give the core an input stamped with the runtime's time, carry out its commands, then tell `step` listeners. */
  private step(input: Input): void {
    this.queue.push(input);
    if (this.stepping) return;
    this.stepping = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) {
        for (const command of this.core.step({ ...next, now: this.runtime.now() } as CoreInput)) this.execute(command);
        this.releaseWaiters();
        this.emit('step', next.type);
      }
    } finally {
      this.stepping = false;
    }
  }

  private execute(c: CoreCommand): void {
    const client = this.client!;
    switch (c.type) {
      case 'publish':
        client.publish(this.eventsTopic, batchPayload(this.opts.gateway, this.outbox.stream, c.rows), { qos: 1 }, (err) =>
          this.step({ type: 'puback', key: c.key, error: err ? describeMqttError(err as Error & { code?: unknown }, this.protocolVersion) : undefined }),
        );
        return;
      case 'subscribe':
        return this.subscribe(client, c.topic);
      case 'online':
        if (this.status) void this.sendStatus(this.status);
        this.emit('connect', { sessionPresent: c.sessionPresent });
        return;
      case 'offline':
        this.emit('offline', { reason: c.reason });
        return;
      case 'reconnect':
        client.reconnect();
        return;
      case 'delete':
        this.outbox.ack(c.seqs);
        return;
      case 'confirm-through': {
        const deleted = this.outbox.confirmThrough(c.through);
        this.confirmedEvents += deleted;
        this.log.debug({ through: c.through, deleted, outboxDepth: this.outbox.depth() }, 'hub confirmed events');
        return;
      }
      case 'schedule':
        return this.schedule(c.timer, c.at);
      case 'cancel':
        this.timers.get(c.timer)?.cancel();
        this.timers.delete(c.timer);
        return;
      case 'log':
        this.log[c.level](c.fields, c.msg);
        return;
    }
  }

  private schedule(timer: TimerName, at: number): void {
    this.timers.get(timer)?.cancel();
    const t = this.runtime.setTimer(at - this.runtime.now(), () => {
      if (this.timers.get(timer) !== t) return;
      this.timers.delete(timer);
      this.step({ type: 'timer', timer });
    });
    this.timers.set(timer, t);
  }

  // --- the mqtt.js client -----------------------------------------------------------------------------------------

  private subscribe(client: MqttClientLike, which: 'cmd' | 'ack'): void {
    const topic = which === 'cmd' ? this.cmdTopic : this.ackTopic;
    client.subscribe(topic, { qos: 1 }, (err, granted) => {
      if (!this.core.state().connected) return;
      const refused = err ? err.message : granted?.some((g) => g.qos === 128) ? 'the broker refused the subscription (SUBACK 0x80)' : undefined;
      if (!refused) return;
      if (which === 'cmd') this.log.error({ err: refused, topic }, 'mqtt: cannot subscribe to the command topic');
      else
        this.log.error(
          { err: refused, topic },
          "mqtt: cannot subscribe to the hub's acknowledgements: nothing leaves the outbox until this is fixed (broker ACL?)",
        );
    });
  }

  private onClose(client: MqttClientLike): void {
    this.step({ type: 'closed' });
    // The core forgot what was in flight (it goes again from the outbox after the reconnect): drop mqtt.js's copies so
    // they are neither resent nor leak message ids (their callbacks carry keys the core no longer knows).
    for (const id of Object.keys(client.outgoing)) client.removeOutgoingMessage(Number(id));
  }

  private onError(err: Error & { code?: unknown }): void {
    const reason = describeMqttError(err, this.protocolVersion);
    const refused = typeof err.code === 'number';
    this.log.error(
      { err: reason, code: err.code, url: this.opts.mqtt.url, clientId: this.opts.mqtt.clientId },
      refused ? `mqtt: ${reason}` : 'mqtt connection error',
    );
    this.step({ type: 'error', reason });
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }

  private sendStatus(status: GatewayStatus): Promise<boolean> {
    const client = this.client;
    if (!client || !this.core.state().connected) return Promise.resolve(false);
    return new Promise((resolve) => {
      client.publish(this.statusTopic, JSON.stringify(status), { qos: 1, retain: true }, (err) => {
        if (err) this.log.warn({ err: err.message }, 'mqtt: status not acknowledged');
        resolve(!err);
      });
    });
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (topic === this.ackTopic) return this.onAckMessage(payload);
    if (topic !== this.cmdTopic) return;
    const r = parse(topic, payload);
    if (!r.ok || r.kind !== 'cmd') {
      this.log.warn(
        { topic, reason: r.ok ? `not a command (${r.kind})` : r.reason, errors: r.ok ? undefined : describeErrors(r.errors), bytes: payload.length },
        'mqtt: invalid command rejected',
      );
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

  private onAckMessage(payload: Buffer): void {
    if (this.confirm !== 'hub') return;
    const r = parse(this.ackTopic, payload);
    if (!r.ok || r.kind !== 'ack') {
      this.log.warn(
        {
          topic: this.ackTopic,
          reason: r.ok ? `not an acknowledgement (${r.kind})` : r.reason,
          errors: r.ok ? undefined : describeErrors(r.errors),
          bytes: payload.length,
        },
        'mqtt: invalid hub acknowledgement ignored',
      );
      return;
    }
    this.step({ type: 'hub-ack', ack: r.value });
  }

  // --- waiting ----------------------------------------------------------------------------------------------------

  /** Resolves after the next step. */
  private nextStep(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private releaseWaiters(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** A runtime timer as a promise that can be cancelled. */
  private sleep(ms: number): { promise: Promise<void>; over(): boolean; cancel(): void } {
    let over = false;
    let timer: Timer | undefined;
    const promise = new Promise<void>((resolve) => {
      timer = this.runtime.setTimer(ms, () => {
        over = true;
        resolve();
      });
    });
    return { promise, over: () => over, cancel: () => timer?.cancel() };
  }
}
