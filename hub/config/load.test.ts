// hub/config — tests: the example (and its external-broker alternative) loads and covers every key; broken configs
// and bad environment overrides give their exact errors.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { ConfigError, parseYamlText, schemaKeyPaths, valueKeyPaths } from '../../protocols/config/index.js';
import { hashSecret, verifySecret } from '../../protocols/secrets/secret-hash.js';
import { loadHubConfig, parseHubConfig } from './load.js';
import { HubConfigSchema } from './schema.js';
import { HUB_MIGRATIONS, applyLocations } from '../app.js';
import { migrate, openDatabase } from '../db/database.js';
import { listLocations } from '../ledger/index.js';

const EXAMPLE = new URL('../../config/hub.example.yaml', import.meta.url).pathname;
const HASH = hashSecret('gw-secret', { N: 1024 });

const MINIMAL = `
site: acme
broker:
  gateways:
    - { id: gw-1, passwordHash: "${HASH}" }
locations:
  - { id: dock-1, kind: door }
  - { id: stock, kind: stock, sellable: true }
doors:
  - { id: door-1, mode: receiving, gateway: gw-1, location: dock-1 }
`;

function errorOf(text: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    parseHubConfig(text, { env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(78);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

/** The example with its broker section replaced by the `#>` alternative. */
function externalVariant(text: string): string {
  const alt = text
    .split('\n')
    .filter((l) => l.startsWith('#>'))
    .map((l) => l.slice(2))
    .join('\n');
  return text.replace(/^broker:\n(?:(?: {2}.*)?\n)*/m, `${alt}\n`);
}

describe('config/hub.example.yaml', () => {
  const text = readFileSync(EXAMPLE, 'utf8');

  it('loads, and the result satisfies the schema', () => {
    const c = loadHubConfig(EXAMPLE, {});
    expect(Value.Check(HubConfigSchema, c)).toBe(true);
    expect(c.broker).toMatchObject({ type: 'embedded', tcp: { host: '0.0.0.0', port: 1883 }, websocket: { port: 8083, path: '/mqtt' } });
    expect(c.http.tokens.map((t) => t.role)).toEqual(['viewer', 'admin']);
    expect(c.channels.map((ch) => ch.connector)).toEqual(['shopify', 'amazon', 'webhook']);
    expect(c.channels[0]!.shopify).toMatchObject({ apiVersion: '2026-04', batchSize: 50 });
  });

  it('has hashes that verify against the example secrets', async () => {
    const c = loadHubConfig(EXAMPLE, {});
    if (c.broker.type !== 'embedded') throw new Error('embedded expected');
    expect(await verifySecret('dock-east-secret', c.broker.gateways[0]!.passwordHash)).toBe(true);
    expect(await verifySecret('admin-token', c.http.tokens[1]!.tokenHash)).toBe(true);
  });

  it('loads with its external broker alternative', () => {
    const c = parseHubConfig(externalVariant(text), { env: {} });
    expect(c.broker).toEqual({
      type: 'external',
      url: 'mqtts://mqtt.acme.local:8883',
      clientId: 'dockgate-hub-acme-dc1',
      username: 'dockgate-hub',
      password: 'change-me',
      tls: { caFile: '/etc/dockgate/ca.pem', certFile: '/etc/dockgate/hub.pem', keyFile: '/etc/dockgate/hub.key', rejectUnauthorized: true },
      keepaliveS: 30,
      reconnectPeriodMs: 2000,
    });
  });

  it('sets every key of the schema (the broker in one of its two forms), each explained by a comment', () => {
    const used = new Set<string>();
    for (const t of [text, externalVariant(text)]) {
      const parsed = parseYamlText(t, 'example');
      if (!parsed.ok) throw new Error('example does not parse');
      for (const p of valueKeyPaths(parsed.value, new Set(['channels[].skus', 'partners.erp.erpnext.suppliers']))) used.add(p);
    }
    const missing = [...schemaKeyPaths(HubConfigSchema)].filter((p) => !used.has(p));
    expect(missing).toEqual([]);
    const lines = text.split('\n');
    const keys = new Set([...used].filter((p) => !p.includes('*')).map((p) => p.split('.').pop()!.replace('[]', '')));
    const uncommented = [...keys].filter((k) => {
      const i = lines.findIndex((l) => new RegExp(`^(#>)?\\s*(- )?${k}:`).test(l));
      return i < 0 || !(lines[i]!.includes('#', 2) || lines[i - 1]!.trim().startsWith('#'));
    });
    expect(uncommented).toEqual([]);
  });
});

describe('defaults and environment', () => {
  it('fills in every default of a minimal config', () => {
    const c = parseHubConfig(MINIMAL);
    expect(c.logLevel).toBe('info');
    expect(c.database.path).toBe('/var/lib/dockgate/hub.db');
    expect(c.broker).toMatchObject({ type: 'embedded', tcp: { host: '0.0.0.0', port: 1883 }, allowAnonymous: false });
    expect(c.http).toEqual({ host: '127.0.0.1', port: 8080, tokens: [], trustedProxies: [], authFailureRateLimit: { max: 10, windowS: 60 } });
    expect(c.doors[0]!.roles).toEqual({});
    expect(c.locations[0]).toEqual({ id: 'dock-1', kind: 'door', sellable: false, allowNegative: false });
    expect(c.receiving.tolerances).toEqual({ overPct: 0, underPct: 0, overAbs: 0, underAbs: 0 });
    expect(c.returns.maxWaitHours).toBe(72);
    expect(c.counts).toEqual({
      abc: { aShare: 0.8, bShare: 0.15 },
      everyDays: { a: 7, b: 30, c: 90 },
      tolerances: { a: { pct: 0, abs: 0 }, b: { pct: 2, abs: 0 }, c: { pct: 5, abs: 0 } },
      baselineQuietMinutes: 15,
    });
    expect(c.reports).toEqual({ periodDays: 30, deadStockDays: 90, reorderCoverDays: 30 });
    expect(c.currency).toBe('EUR');
    expect(c.channelSync.globalBuffer).toBe(0);
    expect(c.channels).toEqual([]);
    expect(c.status.gatewaySilentS).toBe(120);
    expect(Value.Check(HubConfigSchema, c)).toBe(true);
  });

  it("refuses a currency that is no ISO 4217 code, naming the key", () => {
    expect(() => parseHubConfig('site: acme\ncurrency: euro\n')).toThrow('hub.yaml: currency: must be an ISO 4217 code like EUR or USD, got "euro"');
    expect(parseHubConfig('site: acme\ncurrency: JPY\n').currency).toBe('JPY');
  });

  it('an empty broker section is the embedded broker', () => {
    expect(parseHubConfig('site: acme\nbroker:\n').broker).toEqual({ type: 'embedded', tcp: { host: '0.0.0.0', port: 1883 }, gateways: [], allowAnonymous: false, maxPacketBytes: 4 * 1024 * 1024 + 64 * 1024, insecureAllowAnonymousOnNetwork: false });
  });

  it('hashes API tokens and gateway passwords from the environment, replacing same-named entries', async () => {
    const c = parseHubConfig(MINIMAL, {
      env: { DOCKGATE_API_TOKENS: 'ops:admin:tok:with:colons, wall:viewer:' + HASH, DOCKGATE_GATEWAY_PASSWORDS: 'gw-1:new-secret,gw-2:other' },
    });
    expect(c.http.tokens.map((t) => [t.name, t.role])).toEqual([
      ['ops', 'admin'],
      ['wall', 'viewer'],
    ]);
    expect(await verifySecret('tok:with:colons', c.http.tokens[0]!.tokenHash)).toBe(true);
    expect(c.http.tokens[1]!.tokenHash).toBe(HASH);
    if (c.broker.type !== 'embedded') throw new Error('embedded expected');
    expect(c.broker.gateways.map((g) => g.id)).toEqual(['gw-1', 'gw-2']);
    expect(await verifySecret('new-secret', c.broker.gateways[0]!.passwordHash)).toBe(true);
    expect(await verifySecret('gw-secret', c.broker.gateways[0]!.passwordHash)).toBe(false);
  });

  it('takes the external broker password from DOCKGATE_MQTT_PASSWORD', () => {
    const c = parseHubConfig('site: acme\nbroker: { type: external, url: "mqtt://m:1883", password: file }\n', { env: { DOCKGATE_MQTT_PASSWORD: 'env' } });
    expect(c.broker).toMatchObject({ type: 'external', password: 'env', clientId: 'dockgate-hub-acme' });
  });

  it('merges channel credentials from DOCKGATE_CHANNEL_CREDENTIALS into the connector settings', () => {
    const text = `${MINIMAL}channels:\n  - id: shop\n    connector: webhook\n    locations: [stock]\n    rule: {}\n    skus: {}\n    webhook: { url: "https://erp/x", secret: file }\n`;
    const c = parseHubConfig(text, { env: { DOCKGATE_CHANNEL_CREDENTIALS: '{"shop":{"secret":"from-env"}}' } });
    expect(c.channels[0]!.webhook).toMatchObject({ url: 'https://erp/x', secret: 'from-env', batchSize: 100 });
  });

  it('resolves relative paths from the config file directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dockgate-hubcfg-'));
    const file = join(dir, 'hub.yaml');
    writeFileSync(file, `${MINIMAL}database: { path: var/hub.db }\nhttp:\n  tls: { certFile: tls/api.pem, keyFile: /abs/api.key }\n`);
    const c = loadHubConfig(file, {});
    expect(c.database.path).toBe(join(dir, 'var/hub.db'));
    expect(c.http.tls).toEqual({ certFile: join(dir, 'tls/api.pem'), keyFile: '/abs/api.key' });
    expect(() => loadHubConfig(join(dir, 'nope.yaml'), {})).toThrow(`${join(dir, 'nope.yaml')}: cannot read: no such file`);
  });
});

describe('broken configs name file, key path and problem', () => {
  const cases: [string, string, string][] = [
    ['no site', MINIMAL.replace('site: acme\n', ''), 'hub.yaml: site: required'],
    ['an unknown broker type', MINIMAL.replace('broker:\n', 'broker:\n  type: mosquitto\n'), 'hub.yaml: broker.type: must be one of embedded, external, got "mosquitto"'],
    ['an external broker without url', 'site: acme\nbroker: { type: external }\n', 'hub.yaml: broker.url: required'],
    ['an embedded key on an external broker', 'site: acme\nbroker: { type: external, url: "mqtt://m", gateways: [] }\n', 'hub.yaml: broker.gateways: unknown key (known: type, url, clientId, username, password, tls, keepaliveS, reconnectPeriodMs)'],
    ['a plain password in place of a hash', MINIMAL.replace(`"${HASH}"`, 'hunter2'), 'hub.yaml: broker.gateways[0].passwordHash: must be an scrypt hash (scrypt$N$r$p$salt$key) from scripts/hash-secret.ts, got "hunter2"'],
    ['a damaged hash', MINIMAL.replace(`"${HASH}"`, 'scrypt$1000$8$1$abc$def'), 'hub.yaml: broker.gateways[0].passwordHash: scrypt N 1000 must be a power of two between 2 and 2^20'],
    ['a door whose gateway has no credentials', MINIMAL.replace('gateway: gw-1', 'gateway: gw-9'), 'hub.yaml: doors[0].gateway: gateway gw-9 has no credentials in broker.gateways (or DOCKGATE_GATEWAY_PASSWORDS), so it cannot connect'],
    ['a door mode that is not one', MINIMAL.replace('mode: receiving', 'mode: party'), 'hub.yaml: doors[0].mode: must be one of receiving, shipping, returns, transfer, count, off, got "party"'],
    ['a door at an unknown location', MINIMAL.replace('location: dock-1', 'location: dock-9'), 'hub.yaml: doors[0].location: location dock-9 is not listed in locations'],
    ['a door at a stock location', MINIMAL.replace('location: dock-1', 'location: stock'), 'hub.yaml: doors[0].location: location stock is a stock location, expected door'],
    ['a location kind that is virtual', MINIMAL.replace('kind: stock', 'kind: customer'), 'hub.yaml: locations[1].kind: must be one of door, receiving, stock, zone, returns, quarantine, got "customer"'],
    ['a location tree with a loop', MINIMAL.replace('{ id: dock-1, kind: door }', '{ id: dock-1, kind: door, parent: stock }').replace('sellable: true }', 'sellable: true, parent: dock-1 }'), 'hub.yaml: locations[0].parent: the parent chain of dock-1 loops back to dock-1\nhub.yaml: locations[1].parent: the parent chain of stock loops back to stock'],
    ['two locations with one id', MINIMAL.replace('id: stock', 'id: dock-1'), 'hub.yaml: locations[1].id: location id dock-1 is already used by locations[0]\nhub.yaml: doors[0].location: location dock-1 is a stock location, expected door'],
    ['a token with an unknown role', `${MINIMAL}http:\n  tokens: [{ name: t, role: root, tokenHash: "${HASH}" }]\n`, 'hub.yaml: http.tokens[0].role: must be one of viewer, operator, admin, got "root"'],
    ['two listeners on one port', MINIMAL.replace('broker:\n', 'broker:\n  tcp: { port: 1883 }\n  websocket: { port: 1883 }\n'), 'hub.yaml: broker.websocket.port: port 1883 is already used by broker.tcp.port'],
    ['ABC shares above 1', `${MINIMAL}counts: { abc: { aShare: 0.9, bShare: 0.2 } }\n`, 'hub.yaml: counts.abc.bShare: aShare + bShare must be at most 1, got 1.1'],
    ['returns waiting 0 hours', `${MINIMAL}returns: { maxWaitHours: 0 }\n`, 'hub.yaml: returns.maxWaitHours: must be more than 0, got 0'],
    ['a channel fed by an unknown location', `${MINIMAL}channels:\n  - { id: c, connector: webhook, locations: [nowhere], rule: {}, skus: {}, webhook: { url: "https://x", secret: s } }\n`, 'hub.yaml: channels[0].locations[0]: location nowhere is not listed in locations'],
    ['a channel share above 1', `${MINIMAL}channels:\n  - { id: c, connector: webhook, locations: [stock], rule: { pct: 80 }, skus: {}, webhook: { url: "https://x", secret: s } }\n`, 'hub.yaml: channels[0].rule.pct: must be at most 1, got 80'],
    ['a channel without its connector settings', `${MINIMAL}channels:\n  - { id: c, connector: webhook, locations: [stock], rule: {}, skus: {} }\n`, 'hub.yaml: channels[0].webhook: connector "webhook" needs its "webhook:" settings'],
    ['an sgln that is not one', MINIMAL.replace('location: dock-1 }', 'location: dock-1, sgln: "4012345.00001.1" }'), 'hub.yaml: doors[0].sgln: must be an SGLN URI like urn:epc:id:sgln:4012345.00001.0, got "4012345.00001.1"'],
  ];
  it.each(cases)('%s', (_name, text, message) => {
    expect(errorOf(text)).toBe(message);
  });

  const envCases: [string, string, NodeJS.ProcessEnv, string][] = [
    ['a token entry without role', MINIMAL, { DOCKGATE_API_TOKENS: 'ops:admin:x,wall' }, 'DOCKGATE_API_TOKENS: entry 2: expected name:role:secret'],
    ['a token with an unknown role', MINIMAL, { DOCKGATE_API_TOKENS: 'ops:boss:x' }, 'hub.yaml: http.tokens[0].role: must be one of viewer, operator, admin, got "boss"'],
    ['a token name listed twice', MINIMAL, { DOCKGATE_API_TOKENS: 'ops:admin:x,ops:viewer:y' }, 'DOCKGATE_API_TOKENS: ops is listed twice'],
    ['a gateway password without secret', MINIMAL, { DOCKGATE_GATEWAY_PASSWORDS: 'gw-1:' }, 'DOCKGATE_GATEWAY_PASSWORDS: entry 1: expected name:secret'],
    ['gateway passwords for an external broker', 'site: acme\nbroker: { type: external, url: "mqtt://m" }\n', { DOCKGATE_GATEWAY_PASSWORDS: 'gw-1:x' }, 'DOCKGATE_GATEWAY_PASSWORDS: cannot apply: broker.type is not embedded'],
    ['an MQTT password for the embedded broker', MINIMAL, { DOCKGATE_MQTT_PASSWORD: 'x' }, 'DOCKGATE_MQTT_PASSWORD: cannot apply: broker.type is not external (the embedded broker takes DOCKGATE_GATEWAY_PASSWORDS)'],
    ['channel credentials that are not JSON', MINIMAL, { DOCKGATE_CHANNEL_CREDENTIALS: 'accessToken=x' }, 'DOCKGATE_CHANNEL_CREDENTIALS: expected a JSON object'],
    ['channel credentials for an unknown channel', MINIMAL, { DOCKGATE_CHANNEL_CREDENTIALS: '{"shop":{"accessToken":"x"}}' }, 'DOCKGATE_CHANNEL_CREDENTIALS: cannot apply: no channel shop with a connector in the file'],
    ['a gateway id that is not an id', MINIMAL, { DOCKGATE_GATEWAY_PASSWORDS: 'GW 1:x' }, 'hub.yaml: broker.gateways[1].id: must be an id of a-z, 0-9 and - (like dock-1), got "GW 1"'],
  ];
  it.each(envCases)('%s', (_name, text, env, message) => {
    expect(errorOf(text, env)).toBe(message);
  });

  it('never puts a secret from the environment into an error message', () => {
    const msg = errorOf(MINIMAL, { DOCKGATE_API_TOKENS: 'ops:boss:very-secret-token', DOCKGATE_GATEWAY_PASSWORDS: 'gw-1' });
    expect(msg).not.toContain('very-secret-token');
  });
});

describe('config/hub.example.yaml on a fresh database', () => {
  it('creates its locations although a child is listed before its parent (dock-1 inside dc1)', () => {
    const c = loadHubConfig(EXAMPLE, {});
    const db = openDatabase(':memory:');
    migrate(db, HUB_MIGRATIONS);
    applyLocations(db, c, Date.now());
    expect(listLocations(db, {}).filter((l) => !l.virtual).map((l) => `${l.id}<${l.parent ?? ''}`).sort()).toEqual(
      c.locations.map((l) => `${l.id}<${l.parent ?? ''}`).sort(),
    );
    db.close();
  });
});
