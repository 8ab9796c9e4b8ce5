// hub/api — how requests are validated. Bodies strictly: no type coercion ("5" is not 5, true is not 1, null is not 0:
// null only where a schema says nullable), and every JSON body is walked for what no schema should let through: NUL
// characters, strings over 64 KiB, numbers beyond ±2^53 (1e308 is an "integer" to JSON Schema). Querystring, params
// and headers keep coercion: they are text on the wire ("?limit=5"). A body object takes only the fields its schema
// names (a misspelt `gtin` for `gtins` is a 400 naming it, not an item created without GTINs), unless the schema says
// otherwise with its own additionalProperties.
import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance, FastifySchema } from 'fastify';
import { ApiError } from './errors.js';

const BASE: Options = { useDefaults: true, removeAdditional: false, allErrors: false, addUsedSchema: false, strict: false };

/** Longest string a JSON body may carry in any field (CSV bodies are text and not walked). */
export const MAX_BODY_STRING = 64 * 1024;

function makeAjv(coerceTypes: Options['coerceTypes']): Ajv {
  const ajv = new Ajv({ ...BASE, coerceTypes });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ajv;
}

/** The first value in a JSON body that no field may hold, with its path (a.b[2] as a.b.2), or undefined. */
export function unboundedValue(value: unknown, path = ''): { field: string; problem: string } | undefined {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) return { field: path, problem: 'contains a NUL character' };
    if (value.length > MAX_BODY_STRING) return { field: path, problem: `is longer than ${MAX_BODY_STRING} characters` };
    return undefined;
  }
  if (typeof value === 'number') return Number.isFinite(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER ? undefined : { field: path, problem: `${value} is out of range (at most ±${Number.MAX_SAFE_INTEGER})` };
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [k, v] of Object.entries(value)) {
    if (k.includes('\u0000')) return { field: path, problem: 'has a key with a NUL character' };
    const found = unboundedValue(v, path ? `${path}.${k}` : k);
    if (found) return found;
  }
  return undefined;
}

/** A copy of a JSON Schema whose objects with named properties refuse other fields (where it says nothing itself). */
export function closedObjects(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closedObjects);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    out[k] = k === 'properties' || k === 'patternProperties' || k === '$defs' || k === 'definitions'
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([name, sub]) => [name, closedObjects(sub)]))
      : k === 'items' || k === 'anyOf' || k === 'oneOf' ? closedObjects(v) : v; // not allOf: its parts name only some of the fields
  }
  if (out.properties !== undefined && out.additionalProperties === undefined && out.type === 'object') out.additionalProperties = false;
  return out;
}

export function installValidation(app: FastifyInstance): void {
  const strict = makeAjv(false);
  const coercing = makeAjv('array');
  app.setValidatorCompiler(({ schema, httpPart }) =>
    httpPart === 'body' ? strict.compile(closedObjects(schema) as FastifySchema & object) : coercing.compile(schema as FastifySchema & object));
  app.addHook('preValidation', async (req) => {
    if (req.body === undefined || typeof req.body === 'string' || Buffer.isBuffer(req.body)) return;
    const bad = unboundedValue(req.body);
    if (bad) throw new ApiError(400, `body${bad.field ? `.${bad.field}` : ''} ${bad.problem}`, bad.field || undefined);
  });
}
