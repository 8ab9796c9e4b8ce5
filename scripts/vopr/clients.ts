// scripts/vopr — the two kinds of client of the simulated broker: the gateway publisher's MQTT client (the small part
// of mqtt.js's client the publisher drives through its `connect` seam) and the hub's HubMqtt (what the ingest
// subscribes and publishes through, an external broker's persistent session). Both only translate between their
// interface and a broker Connection; `kill()` on the hub's is what a killed hub process leaves: a dead socket.
import { EventEmitter } from 'node:events';
import type { MqttClientLike } from '../../gateway/publisher/index.js';
import type { HubMqtt, MessageHandler, PublishOptions } from '../../hub/broker/hub-mqtt.js';
import type { SimulatedRuntime } from '../../runtime/testing/simulated-runtime.js';
import { topicMatches, type Connection, type SimBroker } from './broker.js';

type Callback = (err?: Error) => void;

/**
 * The gateway's client: connects at once (like mqtt.connect), never reconnects on its own (the publisher does, with
 * reconnect()), acknowledges deliveries after its 'message' listeners ran, and keeps unacknowledged publishes in
 * `outgoing` so the publisher can discard them on a disconnect.
 */
export class SimMqttClient extends EventEmitter implements MqttClientLike {
  readonly outgoing: Record<number, { cb: Callback }> = {};
  connected = false;
  private conn: Connection | undefined;
  private nextMessageId = 1;
  private ended = false;

  constructor(
    private readonly broker: SimBroker,
    private readonly clientId: string,
  ) {
    super();
    this.open();
  }

  publish(topic: string, payload: string, opts: { qos: 1; retain?: boolean }, cb?: Callback): this {
    const conn = this.conn;
    if (!this.connected || !conn) {
      queueMicrotask(() => cb?.(new Error('sim: not connected')));
      return this;
    }
    const id = this.nextMessageId++;
    this.outgoing[id] = { cb: cb ?? (() => {}) };
    conn.publish(topic, Buffer.from(payload), opts.retain ?? false, () => {
      const out = this.outgoing[id];
      if (!out) return; // discarded by removeOutgoingMessage
      delete this.outgoing[id];
      out.cb();
    });
    return this;
  }

  subscribe(topic: string, _opts: { qos: 1 }, cb?: (err: Error | null, granted?: Array<{ qos: number }>) => void): this {
    if (!this.connected || !this.conn) {
      queueMicrotask(() => cb?.(new Error('sim: not connected')));
      return this;
    }
    this.conn.subscribe(topic, () => cb?.(null, [{ qos: 1 }]));
    return this;
  }

  /** As mqtt.js: the message is forgotten and its callback hears 'Message removed'. */
  removeOutgoingMessage(id: number): this {
    const out = this.outgoing[id];
    delete this.outgoing[id];
    if (out) queueMicrotask(() => out.cb(new Error('Message removed')));
    return this;
  }

  reconnect(): this {
    if (!this.ended && !this.conn) this.open();
    return this;
  }

  /** A clean end: what was written goes out first. */
  end(_force: boolean, _opts: object, cb?: () => void): this {
    this.kill(true);
    queueMicrotask(() => cb?.());
    return this;
  }

  /** The gateway process died: the socket goes (`flushSent`: with what it had written, see Connection.break). */
  kill(flushSent: boolean): void {
    this.ended = true;
    this.conn?.break(flushSent);
  }

  private open(): void {
    const conn = this.broker.connect(this.clientId, {
      connected: (sessionPresent) => {
        this.connected = true;
        this.emit('connect', { sessionPresent });
      },
      closed: () => {
        if (this.conn === conn) this.conn = undefined;
        this.connected = false;
        this.emit('close');
      },
      message: (topic, payload, ack) => {
        this.emit('message', topic, payload);
        ack();
      },
    });
    this.conn = conn;
  }
}

/** The hub's MQTT edge as the simulator sees it: crash points (true: the hub dies right there), and each PUBACK. */
export interface HubEdge {
  /** After the commit, before the PUBACK of a message goes out. */
  beforePuback(): boolean;
  /** Before an acknowledgement (or any hub publish) goes out. */
  beforePublish(): boolean;
  /** The live hub hands its client a publish (the simulator checks that a HubAck names only committed seqs). */
  publishing(topic: string, payload: Buffer): void;
  /** A PUBACK goes out for this message (the simulator checks that what it carried has committed). */
  pubacked(topic: string, payload: Buffer): void;
}

/**
 * The hub's MQTT side as the ingest sees it (mode 'external': a persistent session, so what arrives while the hub is
 * down waits at the broker). Reconnects itself after a broken link while alive. A `done(err)` breaks the link so the
 * message comes again, as the real external client does.
 */
export class SimHubMqtt implements HubMqtt {
  readonly mode = 'external' as const;
  private readonly handlers = new Map<string, MessageHandler>();
  private conn: Connection | undefined;
  private connected = false;
  private dead = false;
  private readonly pendingSubscribes = new Set<(err: Error) => void>();

  constructor(
    private readonly rt: SimulatedRuntime,
    private readonly broker: SimBroker,
    private readonly clientId: string,
    private readonly edge: HubEdge,
    private readonly reconnectMs: number,
  ) {
    this.open();
  }

  /**
   * Waits for the connection; a SUBSCRIBE whose link breaks before its SUBACK fails, as mqtt.js fails its in-flight
   * subscribes on a close (so the hub's start fails and the hub is started again).
   */
  subscribe(filter: string, handler: MessageHandler): Promise<void> {
    this.handlers.set(filter, handler);
    return new Promise((resolve, reject) => {
      const attempt = () => {
        if (this.dead) return; // the process is gone: nobody waits any more
        const conn = this.conn;
        if (!this.connected || !conn) return void this.rt.setTimer(this.reconnectMs, attempt);
        this.pendingSubscribes.add(reject);
        conn.subscribe(filter, () => {
          this.pendingSubscribes.delete(reject);
          resolve();
        });
      };
      attempt();
    });
  }

  unsubscribe(filter: string): Promise<void> {
    this.handlers.delete(filter);
    this.broker.unsubscribed(this.clientId, filter);
    return Promise.resolve();
  }

  detach(filter: string): void {
    this.handlers.delete(filter);
  }

  publish(topic: string, payload: string | Buffer, options: PublishOptions): Promise<void> {
    if (this.dead || this.edge.beforePublish()) return Promise.reject(new Error('sim: hub is down'));
    // Checked whether or not the link is up: a hub that names an uncommitted seq is wrong even when the link saves it.
    this.edge.publishing(topic, Buffer.from(payload));
    const conn = this.conn;
    if (!this.connected || !conn) return Promise.reject(new Error('sim: hub not connected'));
    return new Promise((resolve) => conn.publish(topic, Buffer.from(payload), options.retain, resolve));
  }

  close(): Promise<void> {
    this.kill(true);
    return Promise.resolve();
  }

  /** The hub process died: its socket goes (`flushSent`: see Connection.break), nothing more is sent or taken. */
  kill(flushSent: boolean): void {
    this.dead = true;
    this.handlers.clear();
    this.conn?.break(flushSent);
  }

  private open(): void {
    const conn = this.broker.connect(this.clientId, {
      connected: (sessionPresent) => {
        this.connected = true;
        // mqtt.js `resubscribe`, as the real external client has it: a broker that lost the session (a crash before
        // its autosave) gets the subscriptions again.
        if (!sessionPresent) for (const filter of this.handlers.keys()) conn.subscribe(filter, () => {});
      },
      closed: () => {
        this.connected = false;
        if (this.conn === conn) this.conn = undefined;
        for (const reject of this.pendingSubscribes) reject(new Error('sim: connection closed before the SUBACK'));
        this.pendingSubscribes.clear();
        if (!this.dead) this.rt.setTimer(this.reconnectMs, () => !this.dead && !this.conn && this.open());
      },
      message: (topic, payload, ack) => this.onMessage(conn, topic, payload, ack),
    });
    this.conn = conn;
  }

  private onMessage(conn: Connection, topic: string, payload: Buffer, ack: () => void): void {
    const handler = [...this.handlers].find(([filter]) => topicMatches(filter, topic))?.[1];
    if (this.dead || !handler) return; // not taken (detached): it stays queued at the broker
    let called = false;
    handler(topic, payload, (err) => {
      if (called) throw new Error(`sim: done() called twice for a message on ${topic}`);
      called = true;
      if (this.dead || !conn.alive) return;
      if (err) return conn.break(); // not taken: the broker delivers it again on the next connection
      if (this.edge.beforePuback()) return;
      this.edge.pubacked(topic, payload);
      ack();
    });
  }
}
