// hub/broker — HubMqtt over an external broker (Mosquitto, EMQX, HiveMQ): a persistent session (clean: false,
// stable client id, QoS 1) whose PUBACKs are sent only when the hub's handler says its transaction committed.
import { readFileSync } from 'node:fs';
import { mqttTlsOptions, type MqttTlsSettings } from '../../protocols/mqtt/client-options.js';
import mqtt, { type ISubscriptionMap, type IClientOptions, type MqttClient, type IPublishPacket } from 'mqtt';
import { componentLogger, type Logger } from '../../protocols/logging/index.js';
import { topicMatches } from './acl.js';
import { PreAckRouter } from './pre-ack-router.js';
import type { HubMqtt, PublishOptions } from './hub-mqtt.js';

export interface ExternalBrokerConfig {
  /** mqtt://host:1883, mqtts://host:8883, ws://host/mqtt … */
  url: string;
  /** Stable across restarts: it names the persistent session the broker keeps for the hub. */
  clientId: string;
  username?: string;
  password?: string;
  tls?: MqttTlsSettings;
  /** How long to wait after a lost connection (or a handler that did not take a message) before reconnecting. */
  reconnectPeriodMs?: number;
  /** How long startup waits for the first connection before giving up. Default 30 s. */
  connectTimeoutMs?: number;
  keepaliveS?: number;
  /** Resolve only once connected (default true). false: resolve at once and keep trying (the hub serves REST and
   * status meanwhile); refused credentials are then logged as errors. */
  waitForConnect?: boolean;
}

export interface ExternalHubMqtt extends HubMqtt {
  readonly client: MqttClient;
  /** Times the hub dropped its connection so the broker would deliver a not-taken message again. */
  redeliveriesRequested(): number;
}

/**
 * Connect as a persistent session. mqtt.js (3.1.1) sends the PUBACK for a QoS 1 message only after
 * `handleMessage`'s callback, and hands messages over one at a time: so the callback is the ack. A handler that
 * fails leaves it uncalled and drops the connection; the broker redelivers the message on the resumed session.
 * A message that arrives before a handler for its topic is registered (the broker delivers the stored session
 * right after CONNACK) waits for `subscribe()` instead of being acked unseen.
 */
export async function connectExternalMqtt(config: ExternalBrokerConfig, logger: Logger): Promise<ExternalHubMqtt> {
  const log = componentLogger(logger, 'mqtt-external', { url: config.url, clientId: config.clientId });
  const router = new PreAckRouter();
  let waiting: { packet: IPublishPacket; callback: (err?: Error) => void } | undefined;
  let redeliveries = 0;
  /** Filters the hub stopped handling here (detach) while the broker's session keeps them. */
  const detached = new Set<string>();
  const isDetached = (topic: string): boolean => [...detached].some((f) => topicMatches(f, topic));

  const options: IClientOptions = {
    clientId: config.clientId,
    clean: false,
    protocolVersion: 4,
    reconnectPeriod: config.reconnectPeriodMs ?? 1000,
    keepalive: config.keepaliveS ?? 30,
    connectTimeout: config.connectTimeoutMs ?? 30_000,
    resubscribe: true,
    ...(config.username !== undefined ? { username: config.username } : {}),
    ...(config.password !== undefined ? { password: config.password } : {}),
    ...(config.tls ? mqttTlsOptions(config.tls, 'broker.tls', (path) => readFileSync(path)) : {}),
  };
  const client = mqtt.connect(config.url, options);

  const deliver = (packet: IPublishPacket, callback: (err?: Error) => void): void => {
    const topic = packet.topic;
    const matching = router.match(topic);
    if (matching.length === 0) {
      if (isDetached(topic)) {
        // Not acknowledged and not held: a held message would stop mqtt.js reading the connection, and with it the
        // PUBACKs the stopping hub still waits for (its offline status). The broker delivers it again next session.
        log.debug({ topic }, 'message left unacknowledged: the hub stopped listening to its topic');
        callback(new Error(`not taken: the hub stopped listening to ${topic}`));
        return;
      }
      log.warn({ topic }, 'message waits for a handler to be registered before it is acknowledged');
      waiting = { packet, callback };
      return;
    }
    const stream = client.stream;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    router.dispatch(topic, payload, matching, (err) => {
      if (!err) return callback();
      redeliveries++;
      log.warn({ topic, err: err.message }, 'message not taken: dropping the connection so the broker delivers it again');
      // The callback stays uncalled: no PUBACK. Destroying this connection's stream drops what mqtt.js still
      // queued for it; the broker resends every unacknowledged message on the resumed session.
      if (client.stream === stream) stream.destroy();
    });
  };
  client.handleMessage = (packet, callback) => deliver(packet, callback);
  client.on('close', () => {
    waiting = undefined; // that connection's message will be delivered again
  });
  client.on('error', (err) => log.warn({ err: err.message }, 'mqtt client error'));
  client.on('reconnect', () => log.debug('reconnecting'));

  const connected = new Promise<void>((resolve, reject) => {
    const onConnect = (connack: { sessionPresent: boolean }) => {
      client.off('error', onError);
      log.info({ sessionPresent: connack.sessionPresent }, 'connected to external mqtt broker');
      resolve();
    };
    const onError = (err: Error & { code?: number }) => {
      // Refused credentials do not get better by retrying.
      if (err.code === 4 || err.code === 5) {
        client.off('connect', onConnect);
        client.end(true);
        reject(new Error(`external broker ${config.url} refused the hub: ${err.message}`));
      }
    };
    client.once('connect', onConnect);
    client.on('error', onError);
  });
  if (config.waitForConnect === false) connected.catch((err: Error) => log.error({ err: err.message }, 'external broker refused the hub: not retrying'));
  else await connected;
  client.on('connect', (connack) => {
    log.info({ sessionPresent: connack.sessionPresent }, 'reconnected to external mqtt broker');
    // mqtt.js resubscribes only when the broker says it has no session. A broker that crashed between storing two
    // subscriptions restores a session with some of them and says "session present": the hub would never hear the
    // rest again. Subscribing to a filter the session already holds replaces it and keeps its queued messages, so
    // the hub subscribes to every filter again after each reconnect (found by npm run vopr).
    if (!connack.sessionPresent || client.disconnecting) return; // closing: no SUBSCRIBE for endAsync to wait on
    // (`resubscribe: true`: mqtt.js would otherwise skip filters it believes the session holds.)
    const filters = router.filters();
    if (filters.length === 0) return;
    client.subscribe({ ...Object.fromEntries(filters.map((f) => [f, { qos: 1 as const }])), resubscribe: true } as ISubscriptionMap, (err) => {
      if (err) log.error({ filters, err: err.message }, 'external broker refused the subscriptions again after a reconnect');
    });
  });

  return {
    mode: 'external',
    client,
    redeliveriesRequested: () => redeliveries,
    async subscribe(filter, handler) {
      detached.delete(filter);
      router.add(filter, handler);
      const w = waiting;
      if (w && topicMatches(filter, w.packet.topic)) {
        waiting = undefined;
        deliver(w.packet, w.callback);
      }
      try {
        await client.subscribeAsync(filter, { qos: 1 }); // mqtt.js rejects a SUBACK failure (0x80)
      } catch (err) {
        router.remove(filter);
        throw new Error(`external broker refused the subscription to ${filter}: ${(err as Error).message}`);
      }
    },
    detach(filter) {
      router.remove(filter);
      detached.add(filter);
      const w = waiting;
      if (w && topicMatches(filter, w.packet.topic)) {
        waiting = undefined;
        deliver(w.packet, w.callback); // releases it unacknowledged
      }
    },
    async unsubscribe(filter) {
      router.remove(filter);
      await client.unsubscribeAsync(filter);
    },
    async publish(topic: string, payload: string | Buffer, opts: PublishOptions) {
      await client.publishAsync(topic, payload, { qos: opts.qos, retain: opts.retain });
    },
    async close() {
      // Graceful (DISCONNECT) only when nothing is in flight: mqtt.js would otherwise wait for PUBACKs that a broker
      // gone away never sends, and it does not reconnect once closing, so the stop would hang. What a forced close
      // drops is said again: PUBACKs for not-committed messages (the broker redelivers), retained acks (the next start).
      await client.endAsync(!client.connected || Object.keys(client.outgoing).length > 0);
    },
  };
}
