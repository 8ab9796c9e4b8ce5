// protocols/logging — the one way dockgate makes loggers: pino JSON, a component field, secrets redacted.
import { pino, type Logger, type LoggerOptions, type DestinationStream } from 'pino';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Paths pino censors wherever they appear (one and two levels deep, and in HTTP request headers). */
export const REDACT_PATHS = [
  'password',
  'passphrase',
  'token',
  'tokens',
  'secret',
  'apiKey',
  'accessToken',
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-shopify-access-token"]',
  'headers["x-shopify-access-token"]',
  '*.password',
  '*.passphrase',
  '*.token',
  '*.tokens',
  '*.secret',
  '*.apiKey',
  '*.accessToken',
  '*.authorization',
  '*.*.password',
  '*.*.token',
  '*.*.secret',
];

/** Level from `DOCKGATE_LOG_LEVEL` when set (and valid), else the configured one, else info. */
export function resolveLevel(configured: string | undefined, env: NodeJS.ProcessEnv = process.env): LogLevel {
  const fromEnv = env.DOCKGATE_LOG_LEVEL?.toLowerCase();
  if (fromEnv && (LOG_LEVELS as readonly string[]).includes(fromEnv)) return fromEnv as LogLevel;
  if (configured && (LOG_LEVELS as readonly string[]).includes(configured)) return configured as LogLevel;
  return 'info';
}

export interface LoggerSetup {
  /** The daemon's name: `dockgate-gateway`, `dockgate-hub`. */
  name: string;
  level?: string;
  env?: NodeJS.ProcessEnv;
  /** Where to write; stdout when absent. Tests pass a stream to read the JSON back. */
  destination?: DestinationStream;
}

export function createLogger(setup: LoggerSetup): Logger {
  const options: LoggerOptions = {
    name: setup.name,
    level: resolveLevel(setup.level, setup.env),
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return setup.destination ? pino(options, setup.destination) : pino(options);
}

/** A component's logger: every line carries `component`. */
export function componentLogger(parent: Logger, component: string, bindings: Record<string, unknown> = {}): Logger {
  return parent.child({ component, ...bindings });
}

/** A logger that writes nothing, for tests and benchmarks. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
