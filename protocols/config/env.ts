// protocols/config — secrets from the environment: the formats of the DOCKGATE_* variables, parsed without I/O.
import type { ConfigIssue } from './issues.js';

export interface NamedSecret {
  /** What the secret belongs to: a token's name, a gateway's id. */
  name: string;
  /** For API tokens: viewer | operator | admin. */
  role?: string;
  /** The plain secret, or an scrypt hash when it starts with `scrypt$`. */
  secret: string;
}

/**
 * Parse `name:secret,name:secret` (withRole false) or `name:role:secret,…` (withRole true). The secret is the
 * rest of the entry after the leading fields, so it may contain `:`, but not `,`. Issues name the variable and
 * the entry by its position (1-based), never the secret.
 */
export function parseSecretList(variable: string, text: string, withRole: boolean): { entries: NamedSecret[]; issues: ConfigIssue[] } {
  const entries: NamedSecret[] = [];
  const issues: ConfigIssue[] = [];
  const shape = withRole ? 'name:role:secret' : 'name:secret';
  text
    .split(',')
    .map((s) => s.trim())
    .forEach((entry, i) => {
      if (entry === '') return;
      const fields = entry.split(':');
      const need = withRole ? 3 : 2;
      if (fields.length < need || fields.slice(0, need).some((f) => f.trim() === '')) {
        issues.push({ source: variable, path: '', message: `entry ${i + 1}: expected ${shape}` });
        return;
      }
      const name = fields[0]!.trim();
      const role = withRole ? fields[1]!.trim() : undefined;
      const secret = fields.slice(need - 1).join(':');
      entries.push(role === undefined ? { name, secret } : { name, role, secret });
    });
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.name)) issues.push({ source: variable, path: '', message: `${e.name} is listed twice` });
    seen.add(e.name);
  }
  return { entries, issues };
}

/** Parse a JSON object variable; an issue names the variable when it is not one. */
export function parseJsonObject(variable: string, text: string): { value?: Record<string, unknown>; issues: ConfigIssue[] } {
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return { value: v as Record<string, unknown>, issues: [] };
  } catch {
    // fall through
  }
  return { issues: [{ source: variable, path: '', message: 'expected a JSON object' }] };
}

/** The mapping at `key` of `doc`, created when absent (an override may be the only value of a section). */
export function sectionOf(doc: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const v = doc[key];
  if (v === undefined || v === null) return (doc[key] = {}) as Record<string, unknown>;
  return typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
