// protocols/config — schema pieces both configs use: ids, ports, log level, file paths, TLS files.
import { Type } from '@sinclair/typebox';
import { ID_PATTERN } from '../events/schema.js';
import { LOG_LEVELS } from '../logging/index.js';

/** A config id: site, gateway, door, reader, scanner, location (`[a-z0-9-]+`, as in MQTT topics). */
export const ConfigId = Type.String({ pattern: ID_PATTERN, maxLength: 64, patternHint: 'an id of a-z, 0-9 and - (like dock-1)' });

export const Port = Type.Integer({ minimum: 1, maximum: 65535 });

/** Port that may be 0: pick a free one (tests, demo). */
export const ListenPort = Type.Integer({ minimum: 0, maximum: 65535 });

export const LogLevel = Type.Union(LOG_LEVELS.map((l) => Type.Literal(l)), { default: 'info' });

export const FilePath = Type.String({ minLength: 1 });

export const HostName = Type.String({ minLength: 1, maxLength: 255 });

export const MqttUrl = Type.String({ pattern: '^(mqtt|mqtts|ws|wss|tcp|ssl)://[^\\s]+$', patternHint: 'a broker URL like mqtt://hub:1883 or mqtts://hub:8883' });

/** An scrypt hash as written by `scripts/hash-secret.ts`. */
export const SecretHash = Type.String({ pattern: '^scrypt\\$', patternHint: 'an scrypt hash (scrypt$N$r$p$salt$key) from scripts/hash-secret.ts' });

/** Client-side TLS: files of the CA to trust and of our own certificate, when the broker asks for one. */
export const ClientTls = Type.Object(
  {
    caFile: Type.Optional(FilePath),
    certFile: Type.Optional(FilePath),
    keyFile: Type.Optional(FilePath),
    rejectUnauthorized: Type.Boolean({ default: true }),
  },
  { additionalProperties: false },
);

/** Server-side TLS: our certificate and key. */
export const ServerTls = Type.Object({ certFile: FilePath, keyFile: FilePath, caFile: Type.Optional(FilePath) }, { additionalProperties: false });
