// fleet — what fleet.yaml may say (TypeBox: types, checks and defaults from one source).
import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import {
  ConfigError,
  ConfigId,
  duplicateIssues,
  LogLevel,
  resolveConfigText,
  SecretHash,
  sectionOf,
  unreadableFile,
  type ConfigIssue,
  type ConfigSpec,
  type PathIssue,
} from '../protocols/config/index.js';
import { FleetChannelSchema, fleetChannelIssues } from './channels/config.js';

export const FleetConfigSchema = Type.Object(
  {
    logLevel: LogLevel,
    /** The sites whose feeds this fleet applies (one durable consumer each). */
    sites: Type.Array(
      Type.Object(
        {
          id: ConfigId,
          name: Type.Optional(Type.String({ maxLength: 200 })),
          /** The site's hub REST API, where fleet channels reserve their orders (needed by sites that sell on one). */
          hub: Type.Optional(Type.Object({ url: Type.String({ pattern: '^https?://[^\\s]+$', patternHint: 'a URL like http://10.0.0.5:8080' }), token: Type.Optional(Type.String({ minLength: 1 })) }, { additionalProperties: false })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 10_000 },
    ),
    nats: Type.Object(
      {
        servers: Type.Array(Type.String({ pattern: '^(nats|tls)://[^\\s]+$', patternHint: 'a URL like nats://10.0.0.5:4222' }), { minItems: 1, default: ['nats://127.0.0.1:4222'] }),
        /** Replicas of a site's stream when the fleet creates it before the site's hub does. */
        replicas: Type.Integer({ minimum: 1, maximum: 5, default: 1 }),
        batch: Type.Integer({ minimum: 1, maximum: 10_000, default: 500 }),
        retryMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 2000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    postgres: Type.Object(
      {
        /** postgres://user@host:port/db; prefer DOCKGATE_FLEET_PG_URL in the environment for a password. */
        url: Type.String({ pattern: '^postgres(ql)?://', default: 'postgres://dockgate@127.0.0.1:5432/dockgate' }),
        poolSize: Type.Integer({ minimum: 1, maximum: 200, default: 10 }),
      },
      { additionalProperties: false, default: {} },
    ),
    http: Type.Object(
      {
        host: Type.String({ minLength: 1, default: '127.0.0.1' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8090 }),
        /** Bearer tokens, as the hub's: scrypt hashes, a role each. No tokens: open (bind to loopback only). */
        tokens: Type.Array(Type.Object({ name: ConfigId, role: Type.Union([Type.Literal('viewer'), Type.Literal('operator'), Type.Literal('admin')]), tokenHash: SecretHash }, { additionalProperties: false }), { default: [] }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** A site whose last change is older than this reads as stale in the central view. */
    staleAfterS: Type.Integer({ minimum: 1, maximum: 604_800, default: 300 }),
    transfers: Type.Object(
      { overdueHours: Type.Number({ exclusiveMinimum: 0, maximum: 8760, default: 48 }) },
      { additionalProperties: false, default: {} },
    ),
    /** Sales channels sold from the network's stock (docs/fleet.md, Channels). */
    channels: Type.Array(FleetChannelSchema, { default: [] }),
    /** How often fleet channels recompute every mapped SKU and push what changed. */
    channelSyncMs: Type.Integer({ minimum: 50, maximum: 3_600_000, default: 1000 }),
  },
  { additionalProperties: false, $id: 'dockgate.fleet-config' },
);
export type FleetConfig = Static<typeof FleetConfigSchema>;

/** The environment variable holding a site's hub token: DOCKGATE_FLEET_HUB_TOKEN_SITE_A for site-a. */
const hubTokenVariable = (site: string) => `DOCKGATE_FLEET_HUB_TOKEN_${site.replaceAll('-', '_').toUpperCase()}`;

function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  // A hub token from the environment, for a site whose hub the file names (the token stays out of fleet.yaml).
  if (Array.isArray(raw.sites)) {
    for (const s of raw.sites as unknown[]) {
      const site = s as { id?: unknown; hub?: unknown };
      if (typeof site?.id !== 'string') continue;
      const name = hubTokenVariable(site.id);
      if (env[name] === undefined) continue;
      if (typeof site.hub !== 'object' || site.hub === null || Array.isArray(site.hub)) issues.push({ source: name, path: '', message: `cannot apply: site ${site.id} has no hub: mapping in the file` });
      else (site.hub as Record<string, unknown>).token = env[name];
    }
  }
  if (env.DOCKGATE_FLEET_PG_URL === undefined) return issues;
  const pgSection = sectionOf(raw, 'postgres');
  if (!pgSection) return [...issues, { source: 'DOCKGATE_FLEET_PG_URL', path: '', message: 'cannot apply: postgres in the file is not a mapping' }];
  pgSection.url = env.DOCKGATE_FLEET_PG_URL;
  return issues;
}

function crossCheck(c: FleetConfig): PathIssue[] {
  return [...duplicateIssues(c.sites, (s) => s.id, (i) => `sites[${i}].id`, 'site'), ...fleetChannelIssues(c.channels, c.sites)];
}

export const fleetConfigSpec: ConfigSpec<typeof FleetConfigSchema, FleetConfig> = { schema: FleetConfigSchema, applyEnv, crossCheck };

export function parseFleetConfig(text: string, opts: { source?: string; env?: NodeJS.ProcessEnv } = {}): FleetConfig {
  return resolveConfigText(fleetConfigSpec, text, { source: opts.source ?? 'fleet.yaml', env: opts.env ?? {}, baseDir: process.cwd() });
}

export function loadFleetConfig(path: string, env: NodeJS.ProcessEnv = process.env): FleetConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([unreadableFile(path, err)]);
  }
  return parseFleetConfig(text, { source: path, env });
}
