// gateway/config — tests: the example loads and covers every key; broken configs give their exact errors.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { ConfigError, schemaKeyPaths, valueKeyPaths } from '../../protocols/config/index.js';
import { parseYamlText } from '../../protocols/config/yaml.js';
import { resolvePortalConfig } from '../portal/config.js';
import { loadGatewayConfig, parseGatewayConfig } from './load.js';
import { portalConfigOf } from './portal.js';
import { GatewayConfigSchema } from './schema.js';

const EXAMPLE = new URL('../../config/gateway.example.yaml', import.meta.url).pathname;

const MINIMAL = `
site: acme
gateway: gw-1
readers:
  - id: r1
    host: 10.0.0.1
    antennas:
      - { id: 1, door: d1, side: outside }
      - { id: 2, door: d1, side: inside }
  - id: r2
    host: 10.0.0.2
    antennas:
      - { id: 1, door: z1 }
portal:
  doors:
    - { id: d1 }
    - { id: z1, kind: zone }
mqtt:
  url: mqtt://hub:1883
`;

/** The error message of parsing `text` (fails the test if it parses). */
function errorOf(text: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    parseGatewayConfig(text, { env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(78);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('config/gateway.example.yaml', () => {
  it('loads, and the result satisfies the schema', () => {
    const c = loadGatewayConfig(EXAMPLE, {});
    expect(Value.Check(GatewayConfigSchema, c)).toBe(true);
    expect(c.site).toBe('acme-dc1');
    expect(c.readers[0]!.antennas).toHaveLength(3);
    expect(c.scanners.map((s) => s.type)).toEqual(['serial', 'serial', 'hid']);
    expect(c.scanners[2]).toMatchObject({ vendorId: 0x0c2e, productId: 0x0200, mode: 'keyboard', layout: 'de' });
    expect(c.mqtt.tls).toEqual({ caFile: '/etc/dockgate/ca.pem', certFile: '/etc/dockgate/gw.pem', keyFile: '/etc/dockgate/gw.key', rejectUnauthorized: true });
  });

  it('sets every key of the schema, each explained by a comment', () => {
    const text = readFileSync(EXAMPLE, 'utf8');
    const parsed = parseYamlText(text, 'example');
    if (!parsed.ok) throw new Error('example does not parse');
    const used = valueKeyPaths(parsed.value);
    // A door's overrides are the keys of portal.defaults, explained there once.
    const missing = [...schemaKeyPaths(GatewayConfigSchema)].filter((p) => !used.has(p) && !used.has(p.replace('portal.doors[].', 'portal.defaults.')));
    expect(missing).toEqual([]);
    const lines = text.split('\n');
    const keys = new Set([...used].map((p) => p.split('.').pop()!.replace('[]', '')));
    const uncommented = [...keys].filter((k) => {
      const i = lines.findIndex((l) => new RegExp(`^\\s*(- )?${k}:`).test(l) || new RegExp(`[{,] ${k}:`).test(l));
      return i < 0 || !(lines[i]!.includes('#') || lines[i - 1]!.trim().startsWith('#'));
    });
    expect(uncommented).toEqual([]);
  });

  it('gives the portal engine a config it accepts', () => {
    const portal = resolvePortalConfig(portalConfigOf(loadGatewayConfig(EXAMPLE, {})));
    const door = portal.doors.find((d) => d.id === 'door-1')!;
    expect(door).toMatchObject({ kind: 'door', minReads: 3, absence: 4000, window: 2000, margin: 6 });
    expect(door.antennas).toEqual([
      { reader: 'portal-1', antenna: 1, side: 'outside' },
      { reader: 'portal-1', antenna: 2, side: 'inside' },
    ]);
    expect(door.sensors).toEqual({
      door: { reader: 'portal-1', port: 1, openState: true },
      beamOutside: { reader: 'portal-1', port: 2, brokenState: false },
      beamInside: { reader: 'portal-1', port: 3, brokenState: false },
    });
    expect(portal.doors.find((d) => d.id === 'staging-a')).toMatchObject({ kind: 'zone', antennas: [{ reader: 'portal-1', antenna: 3 }] });
  });
});

describe('defaults and environment', () => {
  it('fills in every default of a minimal config', () => {
    const c = parseGatewayConfig(MINIMAL);
    expect(c.logLevel).toBe('info');
    expect(c.readers[0]).toMatchObject({ port: 5084, gpi: [], gpo: [], keepaliveMs: 5000, missedKeepalives: 3, trigger: 'continuous', reconnect: { initialMs: 1000, maxMs: 30_000 } });
    expect(c.scanners).toEqual([]);
    expect(c.portal.defaults).toMatchObject({ minReads: 2, windowMs: 2000, minRssi: -80, earlyArrive: false });
    expect(c.portal.doors[0]).toEqual({ id: 'd1', kind: 'door' });
    expect(c.mqtt).toMatchObject({ clientId: 'dockgate-gw-1', username: 'gw-1', keepaliveS: 30, batch: { maxEvents: 500, lingerMs: 50 }, drainRatePerSecond: 20_000, confirm: 'hub', confirmTimeoutMs: 30_000 });
    expect(c.mqtt.password).toBeUndefined();
    expect(c.outbox).toEqual({ path: '/var/lib/dockgate/outbox.db', maxRows: 1_000_000, maxBytes: 512 * 1024 * 1024 });
    expect(c.metrics).toBeUndefined();
    expect(c.clock).toEqual({ offsetWarnMs: 2000, keepReaderTimeMs: 500 });
    expect(Value.Check(GatewayConfigSchema, c)).toBe(true);
  });

  it('takes the MQTT password from DOCKGATE_MQTT_PASSWORD over the file', () => {
    expect(parseGatewayConfig(MINIMAL, { env: { DOCKGATE_MQTT_PASSWORD: 's3cret:x' } }).mqtt.password).toBe('s3cret:x');
    expect(parseGatewayConfig(`${MINIMAL}  password: from-file\n`, { env: { DOCKGATE_MQTT_PASSWORD: 'from-env' } }).mqtt.password).toBe('from-env');
  });

  it('names the variable when the override cannot apply', () => {
    expect(errorOf(MINIMAL.replace('mqtt:\n  url: mqtt://hub:1883', 'mqtt: [1]'), { DOCKGATE_MQTT_PASSWORD: 'x' })).toBe(
      'DOCKGATE_MQTT_PASSWORD: cannot apply: mqtt in the file is not a mapping\ngateway.yaml: mqtt: expected a mapping (key: value), got a list',
    );
  });

  it('reads the file, resolving relative paths from its directory, and names the file in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dockgate-gwcfg-'));
    const file = join(dir, 'gateway.yaml');
    writeFileSync(file, `${MINIMAL}outbox:\n  path: state/outbox.db\n`);
    expect(loadGatewayConfig(file, {}).outbox.path).toBe(join(dir, 'state/outbox.db'));
    writeFileSync(file, MINIMAL.replace('    host: 10.0.0.2\n', ''));
    expect(() => loadGatewayConfig(file, {})).toThrow(`${file}: readers[1].host: required`);
    expect(() => loadGatewayConfig(join(dir, 'absent.yaml'), {})).toThrow(`${join(dir, 'absent.yaml')}: cannot read: no such file`);
    expect(() => loadGatewayConfig(dir, {})).toThrow(`${dir}: cannot read: is a directory`);
  });
});

describe('broken configs name file, key path and problem', () => {
  const cases: [string, string, string][] = [
    ['a reader without host', MINIMAL.replace('    host: 10.0.0.2\n', ''), 'gateway.yaml: readers[1].host: required'],
    ['a misspelt key', MINIMAL.replace('    host: 10.0.0.2', '    hots: 10.0.0.2'), 'gateway.yaml: readers[1].host: required\ngateway.yaml: readers[1].hots: unknown key (did you mean host?)'],
    ['an unknown top-level key', `${MINIMAL}colour: red\n`, 'gateway.yaml: colour: unknown key (known: site, gateway, logLevel, readers, scanners, portal, mqtt, outbox, metrics, clock)'],
    ['a gateway id with spaces', MINIMAL.replace('gateway: gw-1', 'gateway: Dock East'), 'gateway.yaml: gateway: must be an id of a-z, 0-9 and - (like dock-1), got "Dock East"'],
    ['a side that is neither', MINIMAL.replace('side: outside', 'side: left'), 'gateway.yaml: readers[0].antennas[0].side: must be one of outside, inside, got "left"'],
    ['a port out of range', MINIMAL.replace('    host: 10.0.0.1', '    host: 10.0.0.1\n    port: 70000'), 'gateway.yaml: readers[0].port: must be at most 65535, got 70000'],
    ['a port as text', MINIMAL.replace('    host: 10.0.0.1', '    host: 10.0.0.1\n    port: llrp'), 'gateway.yaml: readers[0].port: expected an integer, got "llrp"'],
    ['a fractional antenna id', MINIMAL.replace('{ id: 1, door: d1, side: outside }', '{ id: 1.5, door: d1, side: outside }'), 'gateway.yaml: readers[0].antennas[0].id: expected an integer, got 1.5'],
    ['a reader without antennas', MINIMAL.replace('      - { id: 1, door: z1 }', '      []').replace('    antennas:\n      []', '    antennas: []'), 'gateway.yaml: readers[1].antennas: must list at least one item'],
    ['readers not a list', MINIMAL.replace(/readers:[\s\S]*?portal:/, 'readers: portal-1\nportal:'), 'gateway.yaml: readers: expected a list, got "portal-1"'],
    ['no mqtt section', MINIMAL.replace('mqtt:\n  url: mqtt://hub:1883\n', ''), 'gateway.yaml: mqtt: required'],
    ['an http broker url', MINIMAL.replace('mqtt://hub:1883', 'http://hub'), 'gateway.yaml: mqtt.url: must be a broker URL like mqtt://hub:1883 or mqtts://hub:8883, got "http://hub"'],
    ['a numeric password', `${MINIMAL}  password: 1234\n`, 'gateway.yaml: mqtt.password: expected a string, got 1234 (quote it)'],
    ['a batch too large', `${MINIMAL}  batch: { maxEvents: 6000 }\n`, 'gateway.yaml: mqtt.batch.maxEvents: must be at most 5000, got 6000'],
    ['a log level that is not one', `${MINIMAL}logLevel: loud\n`, 'gateway.yaml: logLevel: must be one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
    ['a scanner type that is not one', `${MINIMAL}scanners:\n  - { id: s1, type: bluetooth }\n`, 'gateway.yaml: scanners[0].type: must be one of serial, hid, got "bluetooth"'],
    ['a scanner without type', `${MINIMAL}scanners:\n  - { id: s1, path: /dev/ttyACM0 }\n`, 'gateway.yaml: scanners[0].type: required (one of serial, hid)'],
    ['a hid scanner without ids', `${MINIMAL}scanners:\n  - { id: s1, type: hid, mode: pos }\n`, 'gateway.yaml: scanners[0].vendorId: required\ngateway.yaml: scanners[0].productId: required'],
    ['a hid key on a serial scanner', `${MINIMAL}scanners:\n  - { id: s1, type: serial, path: /dev/ttyACM0, layout: de }\n`, 'gateway.yaml: scanners[0].layout: unknown key (known: type, id, door, station, context, contextTtlMs, gs1Requisites, path, usb, baud, framing)'],
    ['a serial scanner with neither path nor usb', `${MINIMAL}scanners:\n  - { id: s1, type: serial }\n`, 'gateway.yaml: scanners[0]: give either path or usb (vendorId, productId) to find the serial port'],
    ['a scanner with door and station', `${MINIMAL}scanners:\n  - { id: s1, type: serial, path: /dev/ttyACM0, door: d1, station: st-1 }\n`, 'gateway.yaml: scanners[0].station: give door or station, not both'],
    ['a context pattern that is not a regex', `${MINIMAL}scanners:\n  - id: s1\n    type: serial\n    path: /dev/ttyACM0\n    context: [{ type: po, pattern: "^PO(" }]\n`, 'gateway.yaml: scanners[0].context[0].pattern: invalid regular expression: Invalid regular expression: /^PO(/u: Unterminated group'],
    ['an antenna at an unknown door', MINIMAL.replace('{ id: 1, door: z1 }', '{ id: 1, door: z9 }'), 'gateway.yaml: readers[1].antennas[0].door: door z9 is not listed in portal.doors'],
    ['a door antenna without side', MINIMAL.replace('{ id: 2, door: d1, side: inside }', '{ id: 2, door: d1 }'), 'gateway.yaml: readers[0].antennas[1].side: required: door d1 has a direction, so say outside or inside\ngateway.yaml: portal.doors[0]: door d1 needs outside and inside antennas for a direction (or kind: zone)'],
    ['two readers with one id', MINIMAL.replace('id: r2', 'id: r1'), 'gateway.yaml: readers[1].id: reader id r1 is already used by readers[0]'],
    ['an antenna listed twice', MINIMAL.replace('{ id: 2, door: d1, side: inside }', '{ id: 1, door: d1, side: inside }'), 'gateway.yaml: readers[0].antennas[1].id: antenna 1 is already used by readers[0].antennas[0]'],
    ['gpi trigger without gpi ports', MINIMAL.replace('    host: 10.0.0.1', '    host: 10.0.0.1\n    trigger: gpi'), 'gateway.yaml: readers[0].trigger: gpi: the reader has no gpi ports to trigger on'],
    ['a beam at a zone', MINIMAL.replace('      - { id: 1, door: z1 }', '      - { id: 1, door: z1 }\n    gpi:\n      - { port: 1, door: z1, role: beam-inside }'), 'gateway.yaml: readers[1].gpi[0].role: beam-inside: zone z1 has no direction, photo-eyes belong to doors'],
    ['a confirm mode that is not one', `${MINIMAL}  confirm: puback\n`, 'gateway.yaml: mqtt.confirm: must be one of hub, broker, got "puback"'],
    ['a confirm timeout too short', `${MINIMAL}  confirmTimeoutMs: 10\n`, 'gateway.yaml: mqtt.confirmTimeoutMs: must be at least 100, got 10'],
    ['a back-off that shrinks', `${MINIMAL}  reconnect: { initialMs: 5000, maxMs: 1000 }\n`, 'gateway.yaml: mqtt.reconnect.maxMs: must be at least initialMs (5000)'],
    ['no portal doors', MINIMAL.replace(/portal:[\s\S]*?mqtt:/, 'portal:\n  doors: []\nmqtt:'), 'gateway.yaml: portal.doors: must list at least one item'],
    ['a YAML syntax error', MINIMAL.replace('    host: 10.0.0.2', '   host: 10.0.0.2'), 'gateway.yaml: line 11, column 1: YAML syntax: Sequence item without - indicator'],
    ['an unclosed flow mapping', MINIMAL.replace('{ id: 1, door: z1 }', '{ id: 1, door: z1'), 'gateway.yaml: line 14, column 1: YAML syntax: Flow map in block collection must be sufficiently indented and end with a }'],
    ['a duplicate key', MINIMAL.replace('gateway: gw-1', 'gateway: gw-1\ngateway: gw-2'), 'gateway.yaml: line 4, column 1: YAML syntax: Map keys must be unique'],
    ['an empty file', '# nothing here\n', 'gateway.yaml: the file is empty: expected a mapping of settings'],
    ['a list at the top', '- site: acme\n', 'gateway.yaml: expected a mapping (key: value), got a list'],
  ];
  it.each(cases)('%s', (_name, text, message) => {
    expect(errorOf(text)).toBe(message);
  });

  it('lists every problem at once, in document order', () => {
    const text = MINIMAL.replace('site: acme', 'site: ACME').replace('    host: 10.0.0.2\n', '').replace('mqtt://hub:1883', 'hub');
    const err = (() => {
      try {
        parseGatewayConfig(text);
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('parsed');
    })();
    expect(err.issues.map((i) => i.path)).toEqual(['site', 'readers[1].host', 'mqtt.url']);
  });
});
