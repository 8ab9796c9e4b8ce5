// hub/broker — the external client subscribes again after every reconnect: a broker that restores a session holding
// only some of the hub's subscriptions (a crash between storing two of them) says "session present", and mqtt.js
// then resubscribes nothing. A real aedes broker over TCP plays that broker: one of the two subscriptions is removed
// from its stored session and the hub's connection is cut; the hub must hear that filter's messages again.
import mqtt from 'mqtt';
import { afterEach, expect, it } from 'vitest';
import { silentLogger } from '../../protocols/logging/index.js';
import { connectExternalMqtt, type ExternalHubMqtt } from './external-mqtt.js';
import { aedesOverTcp, waitFor } from './test-support.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

it('subscribes to every filter again when the broker resumes a session that lost one of them', async () => {
  const { aedes, url, close } = await aedesOverTcp();
  cleanup.push(close);
  const hub: ExternalHubMqtt = await connectExternalMqtt({ url, clientId: 'hub-resub', reconnectPeriodMs: 50 }, silentLogger());
  cleanup.push(() => hub.close());
  const heard: string[] = [];
  const take = (topic: string, _payload: Buffer, done: (err?: Error | null) => void) => {
    heard.push(topic);
    done();
  };
  await hub.subscribe('events/#', take);
  await hub.subscribe('status/#', take);

  // The broker "crashed" between storing the two subscriptions: its session for the hub has only status/#.
  const stored = (aedes as unknown as { persistence: { removeSubscriptions(client: { id: string }, filters: string[]): Promise<unknown> } }).persistence;
  await stored.removeSubscriptions({ id: 'hub-resub' }, ['events/#']);
  let reconnected = false;
  hub.client.once('connect', (connack) => {
    expect(connack.sessionPresent, 'the broker resumes the session').toBe(true);
    reconnected = true;
  });
  hub.client.stream.destroy(); // the link drops; the hub reconnects to the same persistent session
  await waitFor(() => reconnected && hub.client.connected, 'the hub reconnected');

  const gateway = await mqtt.connectAsync(url, { clientId: 'gw-resub' });
  cleanup.push(() => gateway.endAsync());
  // Published until heard: the resubscription's SUBACK races the first publishes.
  await waitFor(
    async () => {
      await gateway.publishAsync('events/gw-1', 'x', { qos: 1 });
      return heard.includes('events/gw-1');
    },
    'the hub hears events/# again after the reconnect',
    5_000,
    50,
  );
  await gateway.publishAsync('status/gw-1', 'online', { qos: 1 });
  await waitFor(() => heard.includes('status/gw-1'), 'the hub still hears status/#');
});
