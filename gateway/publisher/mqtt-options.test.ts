import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeMqttError, mqttClientOptions, MqttSettingsError } from './mqtt-options.js';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'mqtt-opts-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const will = { topic: 'dockgate/s/gw/g/status', gateway: 'g' };

describe('mqttClientOptions', () => {
  it('makes a persistent session with a stable client id, our own reconnects, and a retained Last Will', () => {
    const o = mqttClientOptions({ url: 'mqtt://broker:1883', clientId: 'gw-dock-3', username: 'gw', password: 'pw' }, will);
    expect(o).toMatchObject({ clientId: 'gw-dock-3', clean: false, reconnectPeriod: 0, protocolVersion: 4, username: 'gw', password: 'pw' });
    expect(o.will).toMatchObject({ topic: will.topic, qos: 1, retain: true });
    expect(JSON.parse(o.will!.payload.toString())).toEqual({ v: 1, gateway: 'g', online: false });
  });

  it('keeps an MQTT 5 session after disconnect (session expiry)', () => {
    const o = mqttClientOptions({ url: 'mqtt://b', clientId: 'x', protocolVersion: 5 }, will);
    expect(o.properties?.sessionExpiryInterval).toBeGreaterThan(0);
  });

  it('reads TLS files up front and verifies the broker by default', () => {
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(dir, f), `-----${f}-----`);
    const o = mqttClientOptions({ url: 'mqtts://b:8883', clientId: 'x', tls: { caFile: join(dir, 'ca.pem'), certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') } }, will);
    expect(o.rejectUnauthorized).toBe(true);
    expect(String(o.ca)).toBe('-----ca.pem-----');
    expect(String(o.key)).toBe('-----key.pem-----');
  });

  it('names the bad setting', () => {
    expect(() => mqttClientOptions({ url: 'not a url', clientId: 'x' }, will)).toThrow(/mqtt.url/);
    expect(() => mqttClientOptions({ url: 'http://b', clientId: 'x' }, will)).toThrow(/protocol http:/);
    expect(() => mqttClientOptions({ url: 'mqtt://b', clientId: '' }, will)).toThrow(/mqtt.clientId/);
    expect(() => mqttClientOptions({ url: 'mqtts://b', clientId: 'x', tls: { caFile: join(dir, 'missing.pem') } }, will)).toThrow(MqttSettingsError);
    expect(() => mqttClientOptions({ url: 'mqtts://b', clientId: 'x', tls: { caFile: join(dir, 'missing.pem') } }, will)).toThrow(/mqtt.tls.caFile: cannot read .*missing.pem/);
    expect(() => mqttClientOptions({ url: 'mqtts://b', clientId: 'x', tls: { certFile: join(dir, 'c.pem') } }, will)).toThrow(/certFile and keyFile go together/);
  });
});

describe('describeMqttError', () => {
  it('turns CONNACK refusals into words', () => {
    expect(describeMqttError(Object.assign(new Error('Connection refused: Not authorized'), { code: 5 }), 4)).toBe('broker refused the connection: not authorized (return code 5)');
    expect(describeMqttError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 4)).toContain('ECONNREFUSED');
  });
});
