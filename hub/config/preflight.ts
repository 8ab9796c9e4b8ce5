// hub/config — what the resolved hub.yaml needs of the machine before the hub creates anything on disk: readable TLS
// files, a location for every door's roles, API tokens on a network bind. Each problem is a ConfigIssue naming the
// file, the key path and the problem, so `dockgate-hub` exits 78 with the list before it opens the database.
import { accessSync, constants, existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { ConfigIssue } from '../../protocols/config/index.js';
import { isLoopback } from '../auth/bind.js';
import type { HubConfig } from './schema.js';

type Tls = Partial<Record<'certFile' | 'keyFile' | 'caFile', string>> | undefined;

function fileIssues(source: string, at: string, tls: Tls): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const key of ['certFile', 'keyFile', 'caFile'] as const) {
    const file = tls?.[key];
    if (file === undefined) continue;
    try {
      accessSync(file, constants.R_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      out.push({ source, path: `${at}.${key}`, message: `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message}` });
    }
  }
  return out;
}

/** Location kinds an existing database already holds (locations made through the API count); none for a new one. */
function kindsInDatabase(path: string): Set<string> {
  if (!existsSync(path)) return new Set();
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      return new Set(db.prepare('SELECT DISTINCT kind FROM locations').pluck().all() as string[]);
    } finally {
      db.close();
    }
  } catch {
    return new Set(); // not migrated yet, or not readable: start-up will say so
  }
}

const ROLE_KIND = { receiving: 'receiving', stock: 'stock', returns: 'returns' } as const;

export function hubStartupIssues(config: HubConfig, source: string): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  if (!isLoopback(config.http.host) && config.http.tokens.length === 0) {
    out.push({ source, path: 'http.host', message: `${config.http.host} is not a loopback address and no API tokens are configured: set http.tokens (or DOCKGATE_API_TOKENS=name:role:token), or bind http.host to 127.0.0.1` });
  }
  out.push(...fileIssues(source, 'http.tls', config.http.tls), ...fileIssues(source, 'broker.tls', config.broker.tls));
  const kinds = new Set([...config.locations.map((l) => l.kind as string), ...kindsInDatabase(config.database.path)]);
  config.doors.forEach((d, i) => {
    for (const [role, kind] of Object.entries(ROLE_KIND) as Array<[keyof typeof ROLE_KIND, string]>) {
      if (d.roles[role] === undefined && !kinds.has(kind)) out.push({ source, path: `doors[${i}].roles.${role}`, message: `door ${d.id} needs a ${role} location: set doors[${i}].roles.${role} or list a location of kind ${kind}` });
    }
  });
  return out;
}
