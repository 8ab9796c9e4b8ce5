// gateway/publisher/testing — an in-memory MqttClientLike the test drives by hand: it records what the publisher
// publishes and subscribes to, and the test decides when the connection comes up or dies, which PUBACKs arrive (and
// with what error), and what arrives on a subscribed topic. No sockets, no timers: with the simulated runtime a
// publisher test runs without a single wall-clock wait.
import { EventEmitter } from 'node:events';
import type { MqttClientLike, MqttClientLikeEvents, PublisherConnect } from '../publisher.js';

export interface FakePublish {
  topic: string;
  payload: string;
  retain: boolean;
  messageId: number;
  /** The broker's PUBACK (with `err`: a refusal). Once only; a no-op after removeOutgoingMessage. */
  ack(err?: Error): void;
}

export class FakeClient implements MqttClientLike {
  readonly outgoing: Record<number, FakePublish> = {};
  /** Every publish, in order (acknowledged or not). */
  readonly published: FakePublish[] = [];
  readonly subscriptions: string[] = [];
  reconnects = 0;
  ended: { force: boolean } | undefined;
  /** SUBACK granted QoS per topic (128: refused); default 1. */
  readonly granted = new Map<string, number>();
  private readonly events = new EventEmitter();
  private nextId = 1;

  constructor(
    readonly url: string,
    readonly options: object,
  ) {}

  on<E extends keyof MqttClientLikeEvents>(event: E, listener: MqttClientLikeEvents[E]): this {
    this.events.on(event, listener);
    return this;
  }

  subscribe(topic: string, _opts: { qos: 1 }, callback: (err: Error | null, granted?: Array<{ qos: number }>) => void): this {
    this.subscriptions.push(topic);
    callback(null, [{ qos: this.granted.get(topic) ?? 1 }]);
    return this;
  }

  publish(topic: string, payload: string, opts: { qos: 1; retain?: boolean }, callback: (err?: Error) => void): this {
    const messageId = this.nextId++;
    const p: FakePublish = {
      topic,
      payload,
      retain: opts.retain ?? false,
      messageId,
      ack: (err) => {
        if (this.outgoing[messageId] !== p) return;
        delete this.outgoing[messageId];
        callback(err);
      },
    };
    this.outgoing[messageId] = p;
    this.published.push(p);
    return this;
  }

  removeOutgoingMessage(messageId: number): this {
    this.outgoing[messageId]?.ack(new Error('Message removed'));
    return this;
  }

  reconnect(): this {
    this.reconnects++;
    return this;
  }

  end(force: boolean, _opts: object, callback: () => void): this {
    this.ended = { force };
    this.events.emit('close');
    callback();
    return this;
  }

  // --- the test's side --------------------------------------------------------------------------------------------

  /** The connection is up (CONNACK). */
  connect(sessionPresent = false): void {
    this.events.emit('connect', { sessionPresent });
  }

  /** The connection (or the attempt) failed: an optional error, then close. */
  drop(err?: Error & { code?: unknown }): void {
    if (err) this.events.emit('error', err);
    this.events.emit('close');
  }

  /** A message arrives on a subscribed topic. */
  deliver(topic: string, payload: string | Buffer): void {
    this.events.emit('message', topic, Buffer.isBuffer(payload) ? payload : Buffer.from(payload));
  }

  /** Publishes on `topic` not yet acknowledged, oldest first. */
  unacked(topic?: string): FakePublish[] {
    return Object.values(this.outgoing).filter((p) => topic === undefined || p.topic === topic);
  }
}

/** A PublisherConnect that hands out FakeClients; `clients` holds each one made. */
export function fakeConnect(): { connect: PublisherConnect; clients: FakeClient[] } {
  const clients: FakeClient[] = [];
  return {
    clients,
    connect: (url, options) => {
      const c = new FakeClient(url, options);
      clients.push(c);
      return c;
    },
  };
}
