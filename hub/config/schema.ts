// hub/config — what hub.yaml may say: the TypeBox schema (types, checks and defaults from one source), the secrets
// the environment may set, and the rules across keys. Pure apart from hashing plain secrets from the environment;
// load.ts reads the file.
import { isIP } from 'node:net';
import { Type, type Static } from '@sinclair/typebox';
import {
  ClientTls,
  ConfigId,
  duplicateIssues,
  FilePath,
  ListenPort,
  LogLevel,
  MqttUrl,
  SecretHash,
  ServerTls,
  parseJsonObject,
  parseSecretList,
  resolveFileKeys,
  resolveFrom,
  sectionOf,
  type ConfigIssue,
  type ConfigSpec,
  type PathIssue,
  type ResolveContext,
} from '../../protocols/config/index.js';
import { DoorMode } from '../../protocols/events/index.js';
import { hashSecret, parseSecretHash } from '../../protocols/secrets/secret-hash.js';
import { ChannelConfigSchema, parseChannels } from '../../protocols/channels/config.js';
import { REAL_LOCATION_KINDS } from '../ledger/types.js';
import { PartnersSection } from '../partners/config.js';

const Bind = (host: string) => Type.String({ minLength: 1, default: host });

// ---- broker ----
export const EmbeddedBroker = Type.Object(
  {
    type: Type.Literal('embedded', { default: 'embedded' }),
    /** Plain MQTT listener. */
    tcp: Type.Object({ host: Bind('0.0.0.0'), port: Type.Integer({ minimum: 0, maximum: 65535, default: 1883 }) }, { additionalProperties: false, default: {} }),
    /** MQTT over TLS listener (optional). */
    tls: Type.Optional(Type.Object({ host: Bind('0.0.0.0'), port: Type.Integer({ minimum: 0, maximum: 65535, default: 8883 }), certFile: FilePath, keyFile: FilePath, caFile: Type.Optional(FilePath) }, { additionalProperties: false })),
    /** MQTT over WebSocket listener (optional). */
    websocket: Type.Optional(Type.Object({ host: Bind('0.0.0.0'), port: ListenPort, path: Type.String({ pattern: '^/', default: '/mqtt', patternHint: 'a path starting with /' }) }, { additionalProperties: false })),
    /** Gateways allowed to connect: username = id, password checked against the scrypt hash. */
    gateways: Type.Array(Type.Object({ id: ConfigId, passwordHash: SecretHash }, { additionalProperties: false }), { default: [], maxItems: 1000 }),
    /** Development only: let clients without username in with full rights, on loopback listeners only. */
    allowAnonymous: Type.Boolean({ default: false }),
    /** Largest MQTT packet taken; a longer one closes its connection at its header, before the body is read. */
    maxPacketBytes: Type.Integer({ minimum: 16 * 1024, maximum: 256 * 1024 * 1024, default: 4 * 1024 * 1024 + 64 * 1024 }),
    /** INSECURE: with allowAnonymous, let anonymous clients in on network listeners too (anyone may then read every topic and command every gateway). */
    insecureAllowAnonymousOnNetwork: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);

export const ExternalBroker = Type.Object(
  {
    type: Type.Literal('external'),
    url: MqttUrl,
    /** Stable: it names the persistent session the broker keeps for the hub. Default dockgate-hub-<site>. */
    clientId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    username: Type.Optional(Type.String({ minLength: 1 })),
    /** Prefer DOCKGATE_MQTT_PASSWORD in the environment. */
    password: Type.Optional(Type.String()),
    tls: Type.Optional(ClientTls),
    keepaliveS: Type.Integer({ minimum: 5, maximum: 3600, default: 30 }),
    reconnectPeriodMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 2000 }),
  },
  { additionalProperties: false },
);

export const BrokerSection = Type.Union([EmbeddedBroker, ExternalBroker], { default: { type: 'embedded' } });

// ---- http ----
export const ApiRole = Type.Union([Type.Literal('viewer'), Type.Literal('operator'), Type.Literal('admin')]);
export type ApiRole = Static<typeof ApiRole>;

export const HttpSection = Type.Object(
  {
    host: Bind('127.0.0.1'),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
    tls: Type.Optional(ServerTls),
    /** Bearer tokens of the REST API: what each may do. Prefer DOCKGATE_API_TOKENS for the secrets. */
    tokens: Type.Array(Type.Object({ name: ConfigId, role: ApiRole, tokenHash: SecretHash }, { additionalProperties: false }), { default: [], maxItems: 1000 }),
    /**
     * Reverse proxies (addresses or CIDR ranges) whose X-Forwarded-For the hub believes: the client address (for the
     * lockout after wrong tokens and the logs) is then the one the proxy saw. Default none: the peer address.
     */
    trustedProxies: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { default: [], maxItems: 100 }),
    /** Failed authentications allowed per client address per window, then 429. */
    authFailureRateLimit: Type.Object(
      { max: Type.Integer({ minimum: 1, maximum: 100_000, default: 10 }), windowS: Type.Integer({ minimum: 1, maximum: 86_400, default: 60 }) },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);

// ---- warehouse ----
export const LocationConfig = Type.Object(
  {
    id: ConfigId,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    kind: Type.Union(REAL_LOCATION_KINDS.map((k) => Type.Literal(k))),
    /** The location this one is inside (the tree); absent = top level. */
    parent: Type.Optional(ConfigId),
    /** Whether stock here counts towards available-to-sell. */
    sellable: Type.Boolean({ default: false }),
    allowNegative: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);

const LocationRef = Type.Optional(ConfigId);
export const DoorConfig = Type.Object(
  {
    id: ConfigId,
    mode: DoorMode,
    /** The gateway that watches this door. */
    gateway: ConfigId,
    /** GS1 location of the door, urn:epc:id:sgln:… (optional). */
    sgln: Type.Optional(Type.String({ pattern: '^urn:epc:id:sgln:[0-9]+\\.[0-9]*\\.[^\\s]+$', patternHint: 'an SGLN URI like urn:epc:id:sgln:4012345.00001.0' })),
    /** The door's own location in the ledger (kind door). */
    location: ConfigId,
    /** Where passes at this door move stock to and from, by role (defaults: the site's first location of that kind). */
    roles: Type.Object({ receiving: LocationRef, stock: LocationRef, returns: LocationRef }, { additionalProperties: false, default: {} }),
  },
  { additionalProperties: false },
);

const Pct = Type.Number({ minimum: 0, maximum: 1000, default: 0 });
const Count = Type.Integer({ minimum: 0, default: 0 });
const CountTolerance = (pct: number) =>
  Type.Object({ pct: Type.Number({ minimum: 0, maximum: 1000, default: pct }), abs: Type.Integer({ minimum: 0, default: 0 }) }, { additionalProperties: false, default: {} });

export const HubConfigSchema = Type.Object(
  {
    site: ConfigId,
    /** GS1 location of the site, urn:epc:id:sgln:… (optional): the bizLocation of the EPCIS export. */
    sgln: Type.Optional(Type.String({ pattern: '^urn:epc:id:sgln:[0-9]+\\.[0-9]*\\.[^\\s]+$', patternHint: 'an SGLN URI like urn:epc:id:sgln:4012345.00001.0' })),
    /** ISO 4217 code of the site's money: item costs and inventory values are stored in its minor units (cents). */
    currency: Type.String({ pattern: '^[A-Z]{3}$', patternHint: 'an ISO 4217 code like EUR or USD', default: 'EUR' }),
    logLevel: LogLevel,
    database: Type.Object({ path: Type.String({ minLength: 1, default: '/var/lib/dockgate/hub.db' }) }, { additionalProperties: false, default: {} }),
    broker: BrokerSection,
    http: HttpSection,
    locations: Type.Array(LocationConfig, { default: [], maxItems: 100_000 }),
    doors: Type.Array(DoorConfig, { default: [], maxItems: 1000 }),
    receiving: Type.Object(
      {
        /** What a receipt may differ from its purchase order before it is a variance: percent and units, over and under. */
        tolerances: Type.Object({ overPct: Pct, underPct: Pct, overAbs: Count, underAbs: Count }, { additionalProperties: false, default: {} }),
      },
      { additionalProperties: false, default: {} },
    ),
    returns: Type.Object({ maxWaitHours: Type.Number({ exclusiveMinimum: 0, maximum: 8760, default: 72 }) }, { additionalProperties: false, default: {} }),
    counts: Type.Object(
      {
        /** ABC classes by share of annual consumption value: A up to aShare, B up to aShare + bShare, C the rest. */
        abc: Type.Object({ aShare: Type.Number({ minimum: 0, maximum: 1, default: 0.8 }), bShare: Type.Number({ minimum: 0, maximum: 1, default: 0.15 }) }, { additionalProperties: false, default: {} }),
        /** Days between cycle counts of an item of each class (A weekly, B monthly, C quarterly). */
        everyDays: Type.Object(
          { a: Type.Integer({ minimum: 1, maximum: 3650, default: 7 }), b: Type.Integer({ minimum: 1, maximum: 3650, default: 30 }), c: Type.Integer({ minimum: 1, maximum: 3650, default: 90 }) },
          { additionalProperties: false, default: {} },
        ),
        /** A counted difference within this (the larger of percent of book and units) is posted at close; beyond it, a count_difference variance. Items without a class use c. */
        tolerances: Type.Object(
          { a: CountTolerance(0), b: CountTolerance(2), c: CountTolerance(5) },
          { additionalProperties: false, default: {} },
        ),
        /** A baseline count is refused while the location saw moves within this many minutes (unless forced). */
        baselineQuietMinutes: Type.Integer({ minimum: 0, maximum: 10_080, default: 15 }),
      },
      { additionalProperties: false, default: {} },
    ),
    reports: Type.Object(
      {
        /** The KPI period when a request names none: the last this many days. */
        periodDays: Type.Integer({ minimum: 1, maximum: 3650, default: 30 }),
        /** Dead stock: on hand with no shipment in this many days. */
        deadStockDays: Type.Integer({ minimum: 1, maximum: 3650, default: 90 }),
        /** Reorder suggestions order up to the reorder point plus this many days of the period's average daily sales. */
        reorderCoverDays: Type.Integer({ minimum: 1, maximum: 365, default: 30 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Units held back from every channel (the rule's globalBuffer). */
    channelSync: Type.Object({ globalBuffer: Count }, { additionalProperties: false, default: {} }),
    channels: Type.Array(ChannelConfigSchema, { default: [], maxItems: 100 }),
    /** Trading partners: EDI documents in (ASNs, POs) and out (acknowledgements, receiving advice). */
    partners: PartnersSection,
    /** The change feed to a dockgate fleet over NATS JetStream (docs/fleet.md). Off unless enabled. */
    fleet: Type.Object(
      {
        enabled: Type.Boolean({ default: false }),
        /** NATS servers of the fleet's cluster; the client fails over between them. */
        servers: Type.Array(Type.String({ pattern: '^(nats|tls)://[^\\s]+$', patternHint: 'a URL like nats://10.0.0.5:4222' }), { default: ['nats://127.0.0.1:4222'], minItems: 1, maxItems: 20 }),
        /** Replicas of the site's stream when the hub creates it (3 on a 3-node cluster). */
        replicas: Type.Integer({ minimum: 1, maximum: 5, default: 1 }),
        /** Records in flight to JetStream at once. */
        batch: Type.Integer({ minimum: 1, maximum: 10_000, default: 500 }),
        pollMs: Type.Integer({ minimum: 10, maximum: 60_000, default: 200 }),
        retryMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 2_000 }),
        /** JetStream drops a record whose change id it saw within this window (resends after a crash). */
        duplicateWindowS: Type.Integer({ minimum: 1, maximum: 604_800, default: 86_400 }),
      },
      { additionalProperties: false, default: {} },
    ),
    status: Type.Object(
      {
        gatewaySilentS: Type.Integer({ minimum: 1, maximum: 86_400, default: 120 }),
        /** An event time further than this from the hub's clock is booked at the hub's receive time (a `clock` reason). */
        clockWindowS: Type.Integer({ minimum: 60, maximum: 31_536_000, default: 86_400 }),
        /** Free space of the database's file system below which the verdict is degraded, and below which it is down. */
        diskDegradedBytes: Type.Integer({ minimum: 0, default: 256 * 1024 * 1024 }),
        diskDownBytes: Type.Integer({ minimum: 0, default: 32 * 1024 * 1024 }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, $id: 'dockgate.hub-config' },
);

type Checked = Static<typeof HubConfigSchema>;
export type EmbeddedBrokerConfig = Static<typeof EmbeddedBroker>;
export type ExternalBrokerConfig = Static<typeof ExternalBroker> & { clientId: string };
/** The resolved hub config: defaults applied, secrets from the environment hashed in, paths absolute. */
export type HubConfig = Omit<Checked, 'broker'> & { broker: EmbeddedBrokerConfig | ExternalBrokerConfig };
export type LocationConfig = Static<typeof LocationConfig>;
export type DoorConfig = Static<typeof DoorConfig>;

function isAddressOrRange(value: string): boolean {
  const [ip, prefix, ...rest] = value.split('/');
  const family = isIP(ip ?? '');
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

const asHash = (secret: string) => (secret.startsWith('scrypt$') ? secret : hashSecret(secret));

function listOf(section: Record<string, unknown>, key: string): unknown[] | undefined {
  if (section[key] === undefined || section[key] === null) section[key] = [];
  return Array.isArray(section[key]) ? (section[key] as unknown[]) : undefined;
}

/** Replace the entry whose `key` equals `value`, or append. */
function upsert(list: unknown[], key: string, entry: Record<string, unknown>): void {
  const i = list.findIndex((e) => typeof e === 'object' && e !== null && (e as Record<string, unknown>)[key] === entry[key]);
  if (i >= 0) list[i] = entry;
  else list.push(entry);
}

/**
 * DOCKGATE_MQTT_PASSWORD → broker.password (external broker); DOCKGATE_API_TOKENS (`name:role:token,…`) →
 * http.tokens; DOCKGATE_GATEWAY_PASSWORDS (`gateway:password,…`) → broker.gateways (embedded broker);
 * DOCKGATE_CHANNEL_CREDENTIALS (JSON `{ "<channel id>": { "accessToken": "…" } }`) → merged into each channel's
 * connector settings. Plain secrets are hashed here (scrypt); values starting `scrypt$` are taken as hashes.
 */
function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const cannot = (source: string, message: string) => issues.push({ source, path: '', message: `cannot apply: ${message}` });

  if (env.DOCKGATE_MQTT_PASSWORD !== undefined) {
    const broker = sectionOf(raw, 'broker');
    if (!broker || broker.type !== 'external') cannot('DOCKGATE_MQTT_PASSWORD', 'broker.type is not external (the embedded broker takes DOCKGATE_GATEWAY_PASSWORDS)');
    else broker.password = env.DOCKGATE_MQTT_PASSWORD;
  }
  if (env.DOCKGATE_API_TOKENS !== undefined) {
    const parsed = parseSecretList('DOCKGATE_API_TOKENS', env.DOCKGATE_API_TOKENS, true);
    issues.push(...parsed.issues);
    const http = sectionOf(raw, 'http');
    const tokens = http && listOf(http, 'tokens');
    if (!tokens) cannot('DOCKGATE_API_TOKENS', 'http.tokens in the file is not a list');
    else if (parsed.issues.length === 0) for (const t of parsed.entries) upsert(tokens, 'name', { name: t.name, role: t.role, tokenHash: asHash(t.secret) });
  }
  if (env.DOCKGATE_GATEWAY_PASSWORDS !== undefined) {
    const parsed = parseSecretList('DOCKGATE_GATEWAY_PASSWORDS', env.DOCKGATE_GATEWAY_PASSWORDS, false);
    issues.push(...parsed.issues);
    const broker = sectionOf(raw, 'broker');
    if (broker && broker.type === undefined) broker.type = 'embedded';
    const gateways = broker && broker.type === 'embedded' ? listOf(broker, 'gateways') : undefined;
    if (!gateways) cannot('DOCKGATE_GATEWAY_PASSWORDS', 'broker.type is not embedded');
    else if (parsed.issues.length === 0) for (const g of parsed.entries) upsert(gateways, 'id', { id: g.name, passwordHash: asHash(g.secret) });
  }
  if (env.DOCKGATE_CHANNEL_CREDENTIALS !== undefined) {
    const parsed = parseJsonObject('DOCKGATE_CHANNEL_CREDENTIALS', env.DOCKGATE_CHANNEL_CREDENTIALS);
    issues.push(...parsed.issues);
    const channels = Array.isArray(raw.channels) ? (raw.channels as Record<string, unknown>[]) : [];
    for (const [id, creds] of Object.entries(parsed.value ?? {})) {
      const ch = channels.find((c) => typeof c === 'object' && c !== null && c.id === id);
      const connector = ch?.connector;
      if (!ch || typeof connector !== 'string') cannot('DOCKGATE_CHANNEL_CREDENTIALS', `no channel ${id} with a connector in the file`);
      else if (typeof creds !== 'object' || creds === null || Array.isArray(creds)) cannot('DOCKGATE_CHANNEL_CREDENTIALS', `${id}: expected an object of settings`);
      else {
        const settings = sectionOf(ch, connector);
        if (!settings) cannot('DOCKGATE_CHANNEL_CREDENTIALS', `channel ${id}: ${connector} in the file is not a mapping`);
        else Object.assign(settings, creds);
      }
    }
  }
  return issues;
}

function crossCheck(c: Checked): PathIssue[] {
  const out: PathIssue[] = [];
  const unique = <T>(items: readonly T[], key: (t: T) => string, at: (i: number) => string, what: string) => out.push(...duplicateIssues(items, key, at, what));
  unique(c.locations, (l) => l.id, (i) => `locations[${i}].id`, 'location id');
  unique(c.doors, (d) => d.id, (i) => `doors[${i}].id`, 'door id');
  unique(c.http.tokens, (t) => t.name, (i) => `http.tokens[${i}].name`, 'token name');
  const locations = new Map(c.locations.map((l) => [l.id, l]));
  const locationRef = (id: string | undefined, path: string, kind?: string) => {
    if (id === undefined) return;
    const l = locations.get(id);
    if (!l) out.push({ path, message: `location ${id} is not listed in locations` });
    else if (kind && l.kind !== kind) out.push({ path, message: `location ${id} is a ${l.kind} location, expected ${kind}` });
  };
  c.locations.forEach((l, i) => {
    if (l.parent === undefined) return;
    locationRef(l.parent, `locations[${i}].parent`);
    // Walk up: a parent chain that comes back to this location is a cycle.
    const seen = new Set([l.id]);
    for (let p = locations.get(l.parent); p; p = p.parent === undefined ? undefined : locations.get(p.parent)) {
      if (seen.has(p.id)) {
        out.push({ path: `locations[${i}].parent`, message: `the parent chain of ${l.id} loops back to ${p.id}` });
        break;
      }
      seen.add(p.id);
    }
  });
  c.doors.forEach((d, i) => {
    locationRef(d.location, `doors[${i}].location`, 'door');
    locationRef(d.roles.receiving, `doors[${i}].roles.receiving`, 'receiving');
    locationRef(d.roles.stock, `doors[${i}].roles.stock`, 'stock');
    locationRef(d.roles.returns, `doors[${i}].roles.returns`, 'returns');
  });
  if (c.broker.type === 'embedded') {
    const b = c.broker;
    unique(b.gateways, (g) => g.id, (i) => `broker.gateways[${i}].id`, 'gateway id');
    b.gateways.forEach((g, i) => {
      try {
        parseSecretHash(g.passwordHash);
      } catch (err) {
        out.push({ path: `broker.gateways[${i}].passwordHash`, message: (err as Error).message });
      }
    });
    const known = new Set(b.gateways.map((g) => g.id));
    if (!b.allowAnonymous) {
      c.doors.forEach((d, i) => {
        if (!known.has(d.gateway)) out.push({ path: `doors[${i}].gateway`, message: `gateway ${d.gateway} has no credentials in broker.gateways (or DOCKGATE_GATEWAY_PASSWORDS), so it cannot connect` });
      });
    }
    const ports = [['broker.tcp.port', b.tcp.port], ['broker.tls.port', b.tls?.port], ['broker.websocket.port', b.websocket?.port]] as const;
    const usedPorts = new Map<number, string>();
    for (const [path, port] of ports) {
      if (port === undefined || port === 0) continue;
      const other = usedPorts.get(port);
      if (other) out.push({ path, message: `port ${port} is already used by ${other}` });
      usedPorts.set(port, path);
    }
  }
  c.http.trustedProxies.forEach((p, i) => {
    if (!isAddressOrRange(p)) out.push({ path: `http.trustedProxies[${i}]`, message: `${p} is not an IP address or a CIDR range (like 10.0.0.0/8)` });
  });
  c.http.tokens.forEach((t, i) => {
    try {
      parseSecretHash(t.tokenHash);
    } catch (err) {
      out.push({ path: `http.tokens[${i}].tokenHash`, message: (err as Error).message });
    }
  });
  const erpnext = c.partners.erp?.erpnext;
  if (c.partners.erp && !c.partners.erp.webhook && !erpnext) out.push({ path: 'partners.erp', message: 'say where closed receipts go: webhook, erpnext or both' });
  if (erpnext?.rejectedWarehouse !== undefined && erpnext.rejectedWarehouse === erpnext.warehouse) out.push({ path: 'partners.erp.erpnext.rejectedWarehouse', message: `damaged units must go to another warehouse than the accepted ones (both are "${erpnext.warehouse}")` });
  if (erpnext && /\/api(\/|$)/.test(new URL(erpnext.url).pathname)) out.push({ path: 'partners.erp.erpnext.url', message: `give the site's address without /api (got ${erpnext.url}): dockgate adds /api/resource/…` });
  if (c.counts.abc.aShare + c.counts.abc.bShare > 1) out.push({ path: 'counts.abc.bShare', message: `aShare + bShare must be at most 1, got ${c.counts.abc.aShare + c.counts.abc.bShare}` });
  c.channels.forEach((ch, i) => ch.locations.forEach((l, j) => locationRef(l, `channels[${i}].locations[${j}]`)));
  if (out.length === 0 && c.channels.length > 0) {
    try {
      parseChannels(c.channels, '');
    } catch (err) {
      // parseChannels words its own rules as `<source>: channels[i].key: problem`.
      const m = /^: (channels\[\d+\][^:]*): (.*)$/s.exec((err as Error).message);
      out.push(m ? { path: m[1]!, message: m[2]! } : { path: 'channels', message: (err as Error).message });
    }
  }
  return out;
}

function finish(c: Checked, ctx: ResolveContext): HubConfig {
  const files = <T extends object>(section: T | undefined) => section && resolveFileKeys(section, ctx.baseDir);
  const broker: HubConfig['broker'] =
    c.broker.type === 'embedded'
      ? { ...c.broker, tls: files(c.broker.tls) }
      : { ...c.broker, clientId: c.broker.clientId ?? `dockgate-hub-${c.site}`, tls: files(c.broker.tls) };
  if (broker.tls === undefined) delete broker.tls;
  const http = { ...c.http, tls: files(c.http.tls) };
  if (http.tls === undefined) delete http.tls;
  const partners = {
    ...c.partners,
    inboundFolder: resolveFrom(ctx.baseDir, c.partners.inboundFolder),
    list: c.partners.list.map((p) => (p.deliver && 'folder' in p.deliver ? { ...p, deliver: { folder: resolveFrom(ctx.baseDir, p.deliver.folder) } } : p)),
  };
  if (partners.inboundFolder === undefined) delete partners.inboundFolder;
  return { ...c, database: { path: resolveFrom(ctx.baseDir, c.database.path) }, broker, http, channels: parseChannels(c.channels, ctx.source), partners };
}

/**
 * What the offline commands (`check`, `backup`) read of hub.yaml: the database and the log level. They touch no broker,
 * API or channel, so they need none of the daemon's secrets, and the rest of the file is not judged by them.
 */
const HubOfflineSchema = Type.Object({ logLevel: HubConfigSchema.properties.logLevel, database: HubConfigSchema.properties.database }, { additionalProperties: true });
export type HubOfflineConfig = { logLevel: HubConfig['logLevel']; database: { path: string } };
export const hubOfflineConfigSpec: ConfigSpec<typeof HubOfflineSchema, HubOfflineConfig> = {
  schema: HubOfflineSchema,
  finish: (c, ctx) => ({ logLevel: c.logLevel, database: { path: resolveFrom(ctx.baseDir, c.database.path) } }),
};

export const hubConfigSpec: ConfigSpec<typeof HubConfigSchema, HubConfig> = { schema: HubConfigSchema, applyEnv, crossCheck, finish };
