// gateway/publisher — the gateway's MQTT connection settings (from config) turned into mqtt.js client options:
// stable client id, persistent session, TLS files read up front with errors naming the file, and the Last Will.
import { readFileSync } from 'node:fs';
import type { IClientOptions } from 'mqtt';
import { WIRE_VERSION } from '../../protocols/events/index.js';
import { MqttSettingsError, mqttTlsOptions, type MqttTlsSettings } from '../../protocols/mqtt/client-options.js';

export { MqttSettingsError, type MqttTlsSettings };

export interface MqttSettings {
  /** mqtt://host:1883 or mqtts://host:8883 (TLS). */
  url: string;
  /** Stable across restarts: the broker keeps this gateway's session (clean: false) under it. */
  clientId: string;
  username?: string;
  password?: string;
  tls?: MqttTlsSettings;
  /**
   * 4 = MQTT 3.1.1 (default: every broker speaks it; the hub's embedded aedes speaks only 3.1.1), 5 = MQTT 5.
   * Use 5 with an external broker that has ACLs: under 3.1.1 Mosquitto PUBACKs a publish its ACL denies and drops
   * it (3.1.1 has no way to say no), so the outbox would delete rows the hub never got; under 5 the PUBACK carries
   * "not authorized" and the rows stay (tested in publisher.mosquitto.test.ts).
   */
  protocolVersion?: 4 | 5;
  /** Default 30 s. */
  keepaliveS?: number;
  /** Give up a connection attempt after this long. Default 10 s. */
  connectTimeoutMs?: number;
}

/** Build mqtt.js options. Reconnection is ours (reconnectPeriod 0; see publisher.ts), so mqtt.js never retries. */
export function mqttClientOptions(s: MqttSettings, will: { topic: string; gateway: string }): IClientOptions {
  let url: URL;
  try {
    url = new URL(s.url);
  } catch {
    throw new MqttSettingsError(`mqtt.url: ${JSON.stringify(s.url)} is not a URL (expected mqtt://host:port or mqtts://host:port)`);
  }
  if (!['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'tls:', 'ws:', 'wss:'].includes(url.protocol)) {
    throw new MqttSettingsError(`mqtt.url: protocol ${url.protocol} is not supported (use mqtt:, mqtts:, ws: or wss:)`);
  }
  if (!s.clientId || s.clientId.length > 128) throw new MqttSettingsError('mqtt.clientId: required, at most 128 characters, and stable across restarts');
  const opts: IClientOptions = {
    clientId: s.clientId,
    clean: false,
    protocolVersion: s.protocolVersion ?? 4,
    keepalive: s.keepaliveS ?? 30,
    connectTimeout: s.connectTimeoutMs ?? 10_000,
    reconnectPeriod: 0,
    resubscribe: false,
    will: {
      topic: will.topic,
      payload: Buffer.from(JSON.stringify({ v: WIRE_VERSION, gateway: will.gateway, online: false })),
      qos: 1,
      retain: true,
    },
  };
  if (s.protocolVersion === 5) opts.properties = { sessionExpiryInterval: 0xffffffff };
  if (s.username !== undefined) opts.username = s.username;
  if (s.password !== undefined) opts.password = s.password;
  if (s.tls) Object.assign(opts, mqttTlsOptions(s.tls, 'mqtt.tls', (path) => readFileSync(path)));
  return opts;
}

const V3_REFUSALS: Record<number, string> = {
  1: 'unacceptable protocol version',
  2: 'client identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
};

/** A sentence for the log from an mqtt.js error (CONNACK refusals carry a code). */
export function describeMqttError(err: Error & { code?: unknown }, protocolVersion: number): string {
  if (typeof err.code === 'number' && protocolVersion !== 5 && V3_REFUSALS[err.code]) return `broker refused the connection: ${V3_REFUSALS[err.code]} (return code ${err.code})`;
  if (typeof err.code === 'number') return `${err.message} (reason code ${err.code})`;
  if (typeof err.code === 'string') return `${err.message} (${err.code})`;
  return err.message;
}
