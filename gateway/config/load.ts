// gateway/config — read gateway.yaml and resolve it; a ConfigError names the file, key path and problem, and the
// daemon exits 78 (EX_CONFIG) on it.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, resolveConfigText, unreadableFile } from '../../protocols/config/index.js';
import { gatewayConfigSpec, type GatewayConfig } from './schema.js';

/** Resolve gateway.yaml text (pure: tests call this with `source` 'gateway.yaml'). */
export function parseGatewayConfig(text: string, opts: { source?: string; env?: NodeJS.ProcessEnv; baseDir?: string } = {}): GatewayConfig {
  return resolveConfigText(gatewayConfigSpec, text, { source: opts.source ?? 'gateway.yaml', env: opts.env ?? {}, baseDir: opts.baseDir ?? process.cwd() });
}

/** Read and resolve the file at `path`; relative paths inside it are taken from its directory. */
export function loadGatewayConfig(path: string, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return parseGatewayConfig(readConfigFile(path), { source: path, env, baseDir: dirname(resolve(path)) });
}

export function readConfigFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([unreadableFile(path, err)]);
  }
}
