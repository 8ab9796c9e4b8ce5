// protocols/config — the pipeline both daemons' configs go through, pure (the loaders do the reading):
// YAML text → environment overrides → schema check with defaults → cross-field rules → derived values.
// Any issue at any step ends in one ConfigError listing every problem found up to that step.
import type { Static, TSchema } from '@sinclair/typebox';
import { checkConfigValue, type PathIssue } from './check.js';
import { ConfigError, type ConfigIssue } from './issues.js';
import { parseYamlText } from './yaml.js';

export interface ConfigSpec<S extends TSchema, T = Static<S>> {
  schema: S;
  /** Overrides from the environment (secrets), applied to the raw document before it is checked. Issues name the variable. */
  applyEnv?: (raw: Record<string, unknown>, env: NodeJS.ProcessEnv) => ConfigIssue[];
  /** Rules across keys (references, uniqueness), once the schema holds. */
  crossCheck?: (value: Static<S>) => PathIssue[];
  /** Values derived from others (client ids from ids, relative paths made absolute). */
  finish?: (value: Static<S>, context: ResolveContext) => T;
}

export interface ResolveContext {
  /** Named in every issue: the file path as the operator gave it. */
  source: string;
  env: NodeJS.ProcessEnv;
  /** Relative file paths in the config are taken relative to this directory (the config file's). */
  baseDir: string;
}

/** Resolve a config document; throws ConfigError naming source, key path and problem for everything wrong. */
export function resolveConfigText<S extends TSchema, T = Static<S>>(spec: ConfigSpec<S, T>, text: string, context: ResolveContext): T {
  const parsed = parseYamlText(text, context.source);
  if (!parsed.ok) throw new ConfigError(parsed.issues);
  return resolveConfigValue(spec, parsed.value, context);
}

/** As resolveConfigText, for data already parsed (tests, JSON). */
export function resolveConfigValue<S extends TSchema, T = Static<S>>(spec: ConfigSpec<S, T>, raw: unknown, context: ResolveContext): T {
  const { source } = context;
  if (raw === null || raw === undefined) throw new ConfigError([{ source, path: '', message: 'the file is empty: expected a mapping of settings' }]);
  const issues: ConfigIssue[] = [];
  const doc = structuredClone(raw);
  if (spec.applyEnv && typeof doc === 'object' && !Array.isArray(doc)) issues.push(...spec.applyEnv(doc as Record<string, unknown>, context.env));
  const checked = checkConfigValue(spec.schema, doc);
  issues.push(...checked.issues.map((i) => ({ source, ...i })));
  if (issues.length > 0) throw new ConfigError(issues);
  const value = checked.value as Static<S>;
  const cross = spec.crossCheck?.(value) ?? [];
  if (cross.length > 0) throw new ConfigError(cross.map((i) => ({ source, ...i })));
  return spec.finish ? spec.finish(value, context) : (value as unknown as T);
}
