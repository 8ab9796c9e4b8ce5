// protocols/config — check plain data (from YAML) against a TypeBox schema, fill in the schema's defaults, and name
// every problem by key path in an operator's words. The TypeBox schema stays the one source of types and rules;
// this walker only words its errors and applies `default` (a property with a default is not required in the file).
//
// Supported schema kinds: Object, Array, Record, String, Number, Integer, Boolean, Literal, Union (of literals =
// an enum; of objects with a common literal key = tagged variants; else first variant that fits), Unknown, Any.
// An unsupported kind is a programming error and throws.
import { Kind, OptionalKind, type TSchema } from '@sinclair/typebox';
import { joinPath } from './issues.js';

export interface PathIssue {
  path: string;
  message: string;
}

/** Extra schema keyword: how to word a failed `pattern` ("must be <hint>"). */
export interface PatternHint {
  patternHint?: string;
}

export function checkConfigValue(schema: TSchema, input: unknown): { value: unknown; issues: PathIssue[] } {
  const issues: PathIssue[] = [];
  const value = walk(schema, input, '', issues);
  return { value, issues };
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** How a value looks in a message: strings quoted, lists and mappings named. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  return String(v);
}

function kindOf(schema: TSchema): string {
  return (schema as { [Kind]: string })[Kind];
}

function isOptional(schema: TSchema): boolean {
  return (schema as { [OptionalKind]?: string })[OptionalKind] === 'Optional';
}

function literalValues(schema: TSchema): unknown[] | undefined {
  if (kindOf(schema) === 'Literal') return [schema.const];
  if (kindOf(schema) !== 'Union') return undefined;
  const out: unknown[] = [];
  for (const s of schema.anyOf as TSchema[]) {
    if (kindOf(s) !== 'Literal') return undefined;
    out.push(s.const);
  }
  return out;
}

/** The key all object variants of a union share as a literal (`type: serial | hid`), if any. */
function tagKey(variants: TSchema[]): string | undefined {
  if (!variants.every((v) => kindOf(v) === 'Object')) return undefined;
  const first = variants[0]!.properties as Record<string, TSchema>;
  return Object.keys(first).find((k) => variants.every((v) => kindOf((v.properties as Record<string, TSchema>)[k] ?? ({} as TSchema)) === 'Literal'));
}

function suggestion(key: string, known: string[]): string {
  const limit = key.length <= 2 ? 0 : key.length <= 5 ? 1 : 2;
  const close = known.filter((k) => distance(k.toLowerCase(), key.toLowerCase()) <= limit);
  if (close.length > 0) return `unknown key (did you mean ${close.join(' or ')}?)`;
  return `unknown key (known: ${known.join(', ')})`;
}

/** Edit distance counting a swap of two neighbours as one edit (optimal string alignment). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

function walkObject(schema: TSchema, input: unknown, path: string, issues: PathIssue[]): unknown {
  if (!isMapping(input)) {
    issues.push({ path, message: `expected a mapping (key: value), got ${describeValue(input)}` });
    return input;
  }
  const props = schema.properties as Record<string, TSchema>;
  const out: Record<string, unknown> = {};
  for (const [key, propSchema] of Object.entries(props)) {
    const here = joinPath(path, key);
    const raw = input[key];
    if (raw === undefined || raw === null) {
      // An empty YAML value (`key:`) means "not given".
      if (propSchema.default !== undefined) out[key] = walk(propSchema, structuredClone(propSchema.default), here, issues);
      else if (!isOptional(propSchema)) issues.push({ path: here, message: 'required' });
      continue;
    }
    out[key] = walk(propSchema, raw, here, issues);
  }
  if (schema.additionalProperties === false) {
    const known = Object.keys(props);
    for (const key of Object.keys(input)) if (!Object.hasOwn(props, key)) issues.push({ path: joinPath(path, key), message: suggestion(key, known) });
  }
  return out;
}

function walkUnion(schema: TSchema, input: unknown, path: string, issues: PathIssue[]): unknown {
  const variants = schema.anyOf as TSchema[];
  const literals = literalValues(schema);
  if (literals) {
    if (literals.includes(input)) return input;
    issues.push({ path, message: `must be one of ${literals.map(String).join(', ')}, got ${describeValue(input)}` });
    return input;
  }
  const tag = tagKey(variants);
  if (tag !== undefined) {
    const tags = variants.map((v) => (v.properties as Record<string, TSchema>)[tag]!.const as unknown);
    if (!isMapping(input)) {
      issues.push({ path, message: `expected a mapping with ${tag}: ${tags.join(' | ')}, got ${describeValue(input)}` });
      return input;
    }
    // A variant whose tag has a default is the one meant when the tag is left out (`broker:` without `type`).
    const given = input[tag] ?? variants.find((v) => (v.properties as Record<string, TSchema>)[tag]!.default !== undefined)?.properties[tag].default;
    const i = tags.indexOf(given);
    if (i < 0) {
      const message = input[tag] === undefined || input[tag] === null ? `required (one of ${tags.join(', ')})` : `must be one of ${tags.join(', ')}, got ${describeValue(input[tag])}`;
      issues.push({ path: joinPath(path, tag), message });
      return input;
    }
    return walk(variants[i]!, input, path, issues);
  }
  let best: { value: unknown; issues: PathIssue[] } | undefined;
  for (const v of variants) {
    const attempt: PathIssue[] = [];
    const value = walk(v, input, path, attempt);
    if (attempt.length === 0) return value;
    if (!best || attempt.length < best.issues.length) best = { value, issues: attempt };
  }
  const what = schema.description ?? variants.map((v) => v.description ?? kindOf(v).toLowerCase()).join(' or ');
  issues.push({ path, message: `expected ${what}, got ${describeValue(input)}` });
  return best?.value ?? input;
}

function walkNumber(schema: TSchema, input: unknown, path: string, issues: PathIssue[], integer: boolean): unknown {
  if (typeof input !== 'number' || !Number.isFinite(input)) {
    issues.push({ path, message: `expected ${integer ? 'an integer' : 'a number'}, got ${describeValue(input)}` });
    return input;
  }
  if (integer && !Number.isInteger(input)) issues.push({ path, message: `expected an integer, got ${input}` });
  else if (schema.minimum !== undefined && input < schema.minimum) issues.push({ path, message: `must be at least ${schema.minimum}, got ${input}` });
  else if (schema.maximum !== undefined && input > schema.maximum) issues.push({ path, message: `must be at most ${schema.maximum}, got ${input}` });
  else if (schema.exclusiveMinimum !== undefined && input <= schema.exclusiveMinimum) issues.push({ path, message: `must be more than ${schema.exclusiveMinimum}, got ${input}` });
  else if (schema.exclusiveMaximum !== undefined && input >= schema.exclusiveMaximum) issues.push({ path, message: `must be less than ${schema.exclusiveMaximum}, got ${input}` });
  return input;
}

function walkString(schema: TSchema & PatternHint, input: unknown, path: string, issues: PathIssue[]): unknown {
  if (typeof input !== 'string') {
    const hint = typeof input === 'number' || typeof input === 'boolean' ? ' (quote it)' : '';
    issues.push({ path, message: `expected a string, got ${describeValue(input)}${hint}` });
    return input;
  }
  if (schema.minLength !== undefined && input.length < schema.minLength) {
    issues.push({ path, message: schema.minLength === 1 ? 'must not be empty' : `must be at least ${schema.minLength} characters long` });
  } else if (schema.maxLength !== undefined && input.length > schema.maxLength) {
    issues.push({ path, message: `must be at most ${schema.maxLength} characters long, got ${input.length}` });
  } else if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(input)) {
    const want = schema.patternHint ?? `a string matching /${schema.pattern}/`;
    issues.push({ path, message: `must be ${want}, got ${describeValue(input)}` });
  }
  return input;
}

function walk(schema: TSchema, input: unknown, path: string, issues: PathIssue[]): unknown {
  switch (kindOf(schema)) {
    case 'Object':
      return walkObject(schema, input, path, issues);
    case 'Array': {
      if (!Array.isArray(input)) {
        issues.push({ path, message: `expected a list, got ${describeValue(input)}` });
        return input;
      }
      if (schema.minItems !== undefined && input.length < schema.minItems) {
        issues.push({ path, message: schema.minItems === 1 ? 'must list at least one item' : `must list at least ${schema.minItems} items` });
      }
      if (schema.maxItems !== undefined && input.length > schema.maxItems) issues.push({ path, message: `must list at most ${schema.maxItems} items, got ${input.length}` });
      return input.map((item, i) => walk(schema.items as TSchema, item, joinPath(path, i), issues));
    }
    case 'Record': {
      if (!isMapping(input)) {
        issues.push({ path, message: `expected a mapping (key: value), got ${describeValue(input)}` });
        return input;
      }
      const [keyPattern, valueSchema] = Object.entries(schema.patternProperties as Record<string, TSchema>)[0]!;
      const keyRe = new RegExp(keyPattern, 'u');
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(input)) {
        const here = joinPath(path, k);
        if (!keyRe.test(k)) issues.push({ path: here, message: `key must match /${keyPattern}/` });
        out[k] = walk(valueSchema, v, here, issues);
      }
      return out;
    }
    case 'String':
      return walkString(schema, input, path, issues);
    case 'Number':
      return walkNumber(schema, input, path, issues, false);
    case 'Integer':
      return walkNumber(schema, input, path, issues, true);
    case 'Boolean':
      if (typeof input !== 'boolean') issues.push({ path, message: `expected true or false, got ${describeValue(input)}` });
      return input;
    case 'Literal':
      if (input !== schema.const) issues.push({ path, message: `must be ${String(schema.const)}, got ${describeValue(input)}` });
      return input;
    case 'Union':
      return walkUnion(schema, input, path, issues);
    case 'Unknown':
    case 'Any':
      return input;
    default:
      throw new Error(`checkConfigValue: schema kind ${kindOf(schema)} at ${path || '(root)'} is not supported`);
  }
}

/** Issues for items whose key repeats an earlier one: `readers[1].id: reader id r1 is already used by readers[0]`. */
export function duplicateIssues<T>(items: readonly T[], key: (t: T) => string, at: (i: number) => string, what: string): PathIssue[] {
  const out: PathIssue[] = [];
  const first = new Map<string, number>();
  items.forEach((item, i) => {
    const k = key(item);
    const j = first.get(k);
    if (j === undefined) first.set(k, i);
    else out.push({ path: at(i), message: `${what} ${k} is already used by ${at(j).replace(/\.[^.]+$/, '')}` });
  });
  return out;
}
