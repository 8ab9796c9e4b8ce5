// protocols/config — every key path a schema allows and every key path a document uses, in one notation
// (`readers[].antennas[].door`), so tests can prove an example config covers its whole schema.
import { Kind, type TSchema } from '@sinclair/typebox';

/** All key paths of a schema; union variants contribute all their keys, records add `.*`. */
export function schemaKeyPaths(schema: TSchema, at = ''): Set<string> {
  const out = new Set<string>();
  const kind = (schema as { [Kind]: string })[Kind];
  if (kind === 'Object') {
    for (const [k, s] of Object.entries(schema.properties as Record<string, TSchema>)) {
      const here = at ? `${at}.${k}` : k;
      out.add(here);
      for (const p of schemaKeyPaths(s, here)) out.add(p);
    }
  } else if (kind === 'Array') {
    for (const p of schemaKeyPaths(schema.items as TSchema, `${at}[]`)) out.add(p);
  } else if (kind === 'Union') {
    for (const v of schema.anyOf as TSchema[]) for (const p of schemaKeyPaths(v, at)) out.add(p);
  } else if (kind === 'Record') {
    const value = Object.values(schema.patternProperties as Record<string, TSchema>)[0]!;
    out.add(`${at}.*`);
    for (const p of schemaKeyPaths(value, `${at}.*`)) out.add(p);
  }
  return out;
}

/** All key paths a plain document uses; keys under a record are written `*` when `records` lists the record's path. */
export function valueKeyPaths(value: unknown, records: ReadonlySet<string> = new Set(), at = ''): Set<string> {
  const out = new Set<string>();
  if (Array.isArray(value)) {
    for (const item of value) for (const p of valueKeyPaths(item, records, `${at}[]`)) out.add(p);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      const here = records.has(at) ? `${at}.*` : at ? `${at}.${k}` : k;
      out.add(here);
      for (const p of valueKeyPaths(v, records, here)) out.add(p);
    }
  }
  return out;
}
