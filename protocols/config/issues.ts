// protocols/config — what a bad config looks like to an operator: issues naming the file (or environment variable),
// the key path and the problem, one per line: `gateway.yaml: readers[1].host: required`.
/** sysexits.h: configuration error. systemd units and operators key on it; the daemons exit with it. */
export const EX_CONFIG = 78;

export interface ConfigIssue {
  /** The file the value came from, or the environment variable that set it. */
  source: string;
  /** Key path in the config, `readers[1].antennas[0].door`; '' for the whole document (or a whole variable). */
  path: string;
  /** The problem, in words: `required`, `must be one of door, zone, got "gate"`. */
  message: string;
}

export function formatIssue(issue: ConfigIssue): string {
  return issue.path ? `${issue.source}: ${issue.path}: ${issue.message}` : `${issue.source}: ${issue.message}`;
}

/** A config that cannot be used. The daemons exit with `exitCode` (78, EX_CONFIG) after logging `message`. */
export class ConfigError extends Error {
  readonly exitCode = EX_CONFIG;

  constructor(readonly issues: readonly ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
    if (issues.length === 0) throw new Error('ConfigError needs at least one issue');
  }
}

/** Append a key or an index to a key path: `readers` + 1 → `readers[1]`, `readers[1]` + `host` → `readers[1].host`. */
export function joinPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  const plain = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key);
  if (!plain) return `${path}[${JSON.stringify(key)}]`;
  return path ? `${path}.${key}` : key;
}

/** The issue for a config file that could not be read (the loaders do the reading; this words the failure). */
export function unreadableFile(source: string, err: unknown): ConfigIssue {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
  return { source, path: '', message: `cannot read: ${why}` };
}
