// hub/config — read hub.yaml and resolve it; a ConfigError names the file, key path and problem, and the daemon
// exits 78 (EX_CONFIG) on it.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, resolveConfigText, unreadableFile } from '../../protocols/config/index.js';
import { hubConfigSpec, hubOfflineConfigSpec, type HubConfig, type HubOfflineConfig } from './schema.js';

/** Resolve hub.yaml text (pure but for hashing plain secrets from the environment). */
export function parseHubConfig(text: string, opts: { source?: string; env?: NodeJS.ProcessEnv; baseDir?: string } = {}): HubConfig {
  return resolveConfigText(hubConfigSpec, text, { source: opts.source ?? 'hub.yaml', env: opts.env ?? {}, baseDir: opts.baseDir ?? process.cwd() });
}

function readConfigFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([unreadableFile(path, err)]);
  }
}

/** Read and resolve the file at `path`; relative paths inside it are taken from its directory. */
export function loadHubConfig(path: string, env: NodeJS.ProcessEnv = process.env): HubConfig {
  return parseHubConfig(readConfigFile(path), { source: path, env, baseDir: dirname(resolve(path)) });
}

/** What `check` and `backup` need of the file (database, log level): no secrets, no environment. */
export function loadHubOfflineConfig(path: string): HubOfflineConfig {
  return resolveConfigText(hubOfflineConfigSpec, readConfigFile(path), { source: path, env: {}, baseDir: dirname(resolve(path)) });
}
