// hub/broker — a stopping hub detaches its handlers, then still publishes (its offline status) and waits for the
// PUBACK. A gateway message that arrives in between must not be held for a handler that will never come back: mqtt.js
// reads a connection one packet at a time, so a held message would keep the PUBACK unread and the stop would hang
// (seen as the Mosquitto recipe test's afterAll timing out). The message stays unacknowledged and the broker delivers
// it again to the next session. A real aedes broker over TCP.
import mqtt from 'mqtt';
import { afterEach, expect, it } from 'vitest';
import { silentLogger } from '../../protocols/logging/index.js';
import { connectExternalMqtt } from './external-mqtt.js';
import { aedesOverTcp, waitFor } from './test-support.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

it('publishes after a detach while a message for the detached filter arrives, and that message comes again next session', async () => {
  const { url, close } = await aedesOverTcp();
  cleanup.push(close);
  const first = await connectExternalMqtt({ url, clientId: 'hub-detach', reconnectPeriodMs: 50 }, silentLogger());
  await first.subscribe('events/#', (_t, _p, done) => done());
  first.detach('events/#');

  const gateway = await mqtt.connectAsync(url, { clientId: 'gw-detach' });
  cleanup.push(() => gateway.endAsync());
  const arrived = new Promise<void>((resolve) => first.client.once('packetreceive', (p) => p.cmd === 'publish' && resolve()));
  await gateway.publishAsync('events/gw-1', 'pass-1', { qos: 1 });
  await arrived;
  await first.publish('hub/status', 'offline', { qos: 1, retain: true }); // hung before: its PUBACK sat behind the held message
  await first.close();

  const heard: string[] = [];
  const second = await connectExternalMqtt({ url, clientId: 'hub-detach', reconnectPeriodMs: 50 }, silentLogger());
  cleanup.push(() => second.close());
  await second.subscribe('events/#', (topic, payload, done) => {
    heard.push(`${topic} ${payload.toString()}`);
    done();
  });
  await waitFor(() => heard.length > 0, 'the unacknowledged message delivered to the next session');
  expect(heard).toEqual(['events/gw-1 pass-1']);
});
