// protocols/feed — checking a feed record read off JetStream: JSON, version, envelope, then the kind's data, each
// error naming the field. Never throws.
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import { FEED_KINDS, FEED_VERSION, FeedRecord, type FeedKind, type FeedRecord as Record_ } from './schema.js';

export interface FeedError {
  path: string;
  message: string;
}
export type FeedParse = { ok: true; record: Record_ } | { ok: false; errors: FeedError[] };

const compiled = new Map<TSchema, TypeCheck<TSchema>>();
function checker(schema: TSchema): TypeCheck<TSchema> {
  let c = compiled.get(schema);
  if (!c) compiled.set(schema, (c = TypeCompiler.Compile(schema)));
  return c;
}

function errorsOf(schema: TSchema, value: unknown, prefix: string): FeedError[] {
  const c = checker(schema);
  if (c.Check(value)) return [];
  const out: FeedError[] = [];
  const seen = new Set<string>();
  for (const e of c.Errors(value)) {
    if (seen.has(e.path)) continue;
    seen.add(e.path);
    out.push({ path: prefix + e.path, message: e.message });
    if (out.length >= 10) break;
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parse one feed message (bytes or text). `site`: the site the stream belongs to, checked against the record. */
export function parseFeedRecord(bytes: Uint8Array | string, site?: string): FeedParse {
  let value: unknown;
  try {
    value = JSON.parse(typeof bytes === 'string' ? bytes : utf8.decode(bytes));
  } catch (err) {
    return { ok: false, errors: [{ path: '', message: `feed record is not UTF-8 JSON: ${(err as Error).message}` }] };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, errors: [{ path: '', message: 'a feed record must be a JSON object' }] };
  const v = (value as { v?: unknown }).v;
  if (typeof v === 'number' && v > FEED_VERSION) {
    return { ok: false, errors: [{ path: '/v', message: `unsupported feed version ${v}: this build understands up to ${FEED_VERSION}; upgrade the fleet` }] };
  }
  const envelope = errorsOf(FeedRecord, value, '');
  if (envelope.length) return { ok: false, errors: envelope };
  const r = value as Record_;
  if (site !== undefined && r.site !== site) return { ok: false, errors: [{ path: '/site', message: `record of site ${r.site} on the feed of site ${site}` }] };
  const data = errorsOf(FEED_KINDS[r.kind as FeedKind], r.data, '/data');
  if (data.length) return { ok: false, errors: data };
  return { ok: true, record: r };
}
