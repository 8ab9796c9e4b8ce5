// gateway/publisher — test support: a stand-in for the hub over real MQTT. It subscribes to a gateway's events (a
// persistent session when given a client id), "applies" what arrives (optionally refusing some, as if lost), and
// publishes the end-to-end acknowledgement the way the hub does: retained, QoS 1, `through` = the highest seq up to
// which every seq of the stream is applied.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { isoTs, parse, topics, type Event, type HubAck } from '../../../protocols/events/index.js';
import { changed } from './brokers.js';

export interface TestHub {
  client: MqttClient;
  /** Every event received, in arrival order (re-deliveries included). */
  received: Event[];
  /** Seqs applied (per the stream acked). */
  applied: Set<number>;
  /** Every ack published. */
  acks: HubAck[];
  /** Publish an ack now (any payload: tests also send broken ones). */
  publishAck(payload: HubAck | string): Promise<void>;
  close(): Promise<void>;
}

export interface TestHubOptions {
  site: string;
  gateway: string;
  /** Persistent session under this id (clean: false); else a clean throw-away session. */
  clientId?: string;
  /** Return false to drop an event as if lost before it was applied (it is still recorded in `received`). */
  apply?: (e: Event) => boolean;
  /** Publish acks after applying (default true). */
  autoAck?: boolean;
  extra?: IClientOptions;
}

export async function startTestHub(url: string, o: TestHubOptions): Promise<TestHub> {
  const ackTopic = topics.ack(o.site, o.gateway);
  const received: Event[] = [];
  const applied = new Set<number>();
  const acks: HubAck[] = [];
  let through = 0;
  const client = mqtt.connect(url, {
    clientId: o.clientId ?? `test-hub-${Math.random().toString(36).slice(2)}`,
    clean: !o.clientId,
    reconnectPeriod: 50,
    ...o.extra,
  });
  client.on('error', () => undefined);
  const publishAck = async (payload: HubAck | string) => {
    if (typeof payload !== 'string') acks.push(payload);
    await client.publishAsync(ackTopic, typeof payload === 'string' ? payload : JSON.stringify(payload), { qos: 1, retain: true });
  };
  client.on('message', (topic, payload) => {
    const r = parse(topic, payload);
    if (!r.ok || r.kind !== 'events') throw new Error(`test hub: unexpected message on ${topic}: ${JSON.stringify(r)}`);
    let stream = '';
    for (const e of r.value.events) {
      received.push(e);
      stream = e.stream;
      if (!o.apply || o.apply(e)) applied.add(e.seq);
    }
    let next = through;
    while (applied.has(next + 1)) next++;
    if (next > through && o.autoAck !== false) {
      through = next;
      void publishAck({ v: 1, stream, through, ts: isoTs(Date.now()) }).catch(() => undefined);
    }
  });
  client.on('message', changed); // after the handler above: what it recorded is there
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => client.subscribe(topics.events(o.site, o.gateway), { qos: 1 }, (err) => (err ? reject(err) : resolve())));
  });
  return { client, received, applied, acks, publishAck, close: () => client.endAsync(true) };
}
