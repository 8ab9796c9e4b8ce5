// protocols/config — tests of the schema walker: wording, defaults, and agreement with TypeBox's own Value.Check.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { checkConfigValue } from './check.js';
import { parseSecretList, parseJsonObject } from './env.js';
import { ConfigError, formatIssue, joinPath } from './issues.js';

const Toy = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 8 }),
    count: Type.Integer({ minimum: 0, maximum: 10, default: 1 }),
    ratio: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    on: Type.Boolean({ default: false }),
    mode: Type.Union([Type.Literal('a'), Type.Literal('b')], { default: 'a' }),
    tags: Type.Array(Type.String({ pattern: '^[a-z]+$' }), { default: [], maxItems: 3 }),
    map: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z]+$' }), Type.Integer())),
    thing: Type.Optional(
      Type.Union([
        Type.Object({ type: Type.Literal('x'), x: Type.Integer() }, { additionalProperties: false }),
        Type.Object({ type: Type.Literal('y'), y: Type.String() }, { additionalProperties: false }),
      ]),
    ),
    nested: Type.Object({ deep: Type.Integer({ default: 7 }) }, { additionalProperties: false, default: {} }),
  },
  { additionalProperties: false },
);

describe('checkConfigValue', () => {
  it('fills defaults, also inside defaulted sections', () => {
    const r = checkConfigValue(Toy, { name: 'n' });
    expect(r.issues).toEqual([]);
    expect(r.value).toEqual({ name: 'n', count: 1, on: false, mode: 'a', tags: [], nested: { deep: 7 } });
  });

  it('treats an empty YAML value (null) as not given', () => {
    expect(checkConfigValue(Toy, { name: 'n', count: null, nested: null }).value).toMatchObject({ count: 1, nested: { deep: 7 } });
    expect(checkConfigValue(Toy, { name: null }).issues).toEqual([{ path: 'name', message: 'required' }]);
  });

  it('words each kind of problem by key path', () => {
    const r = checkConfigValue(Toy, {
      name: '',
      count: 11,
      ratio: 'half',
      on: 'yes',
      mode: 'c',
      tags: ['ok', 'Bad', 'x', 'y'],
      map: { ok: 1, 'Not Ok': 2.5 },
      thing: { type: 'x', x: 1, y: 'no' },
      nested: { deep: 1, deeper: 2 },
      nmae: 'typo',
    });
    expect(r.issues).toEqual([
      { path: 'name', message: 'must not be empty' },
      { path: 'count', message: 'must be at most 10, got 11' },
      { path: 'ratio', message: 'expected a number, got "half"' },
      { path: 'on', message: 'expected true or false, got "yes"' },
      { path: 'mode', message: 'must be one of a, b, got "c"' },
      { path: 'tags', message: 'must list at most 3 items, got 4' },
      { path: 'tags[1]', message: 'must be a string matching /^[a-z]+$/, got "Bad"' },
      { path: 'map["Not Ok"]', message: 'key must match /^[a-z]+$/' },
      { path: 'map["Not Ok"]', message: 'expected an integer, got 2.5' },
      { path: 'thing.y', message: 'unknown key (known: type, x)' },
      { path: 'nested.deeper', message: 'unknown key (did you mean deep?)' },
      { path: 'nmae', message: 'unknown key (did you mean name?)' },
    ]);
  });

  it('picks a tagged variant by its tag and names a wrong tag', () => {
    expect(checkConfigValue(Toy, { name: 'n', thing: { type: 'y', y: 's' } }).issues).toEqual([]);
    expect(checkConfigValue(Toy, { name: 'n', thing: { type: 'z' } }).issues).toEqual([{ path: 'thing.type', message: 'must be one of x, y, got "z"' }]);
    expect(checkConfigValue(Toy, { name: 'n', thing: 3 }).issues).toEqual([{ path: 'thing', message: 'expected a mapping with type: x | y, got 3' }]);
  });

  it('agrees with TypeBox: what it accepts (with defaults) satisfies Value.Check, and it rejects what Value.Check rejects', () => {
    const input = fc.record(
      {
        name: fc.oneof(fc.string({ maxLength: 10 }), fc.integer()),
        count: fc.oneof(fc.integer({ min: -2, max: 12 }), fc.double(), fc.constant(null)),
        ratio: fc.oneof(fc.double({ min: -1, max: 2, noNaN: true }), fc.string()),
        on: fc.oneof(fc.boolean(), fc.constant('true')),
        mode: fc.constantFrom('a', 'b', 'c'),
        tags: fc.array(fc.stringMatching(/^[a-zA-Z]{0,3}$/), { maxLength: 4 }),
        map: fc.dictionary(fc.stringMatching(/^[a-z ]{1,3}$/), fc.oneof(fc.integer(), fc.double())),
        thing: fc.oneof(fc.record({ type: fc.constant('x'), x: fc.integer() }), fc.record({ type: fc.constantFrom('y', 'z'), y: fc.string() }), fc.jsonValue({ maxDepth: 1 })),
        nested: fc.oneof(fc.record({ deep: fc.integer() }), fc.constant({})),
        extra: fc.string(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(input, (raw) => {
        const r = checkConfigValue(Toy, raw);
        if (r.issues.length === 0) expect(Value.Check(Toy, r.value)).toBe(true);
        // Value.Default fills the same defaults; where TypeBox then refuses, the walker must too.
        // The walker reads an empty YAML value (null) as "not given" (tested above); TypeBox reads it as a value.
        const given = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== null));
        const defaulted = Value.Default(Toy, structuredClone(given)) as unknown;
        if (!Value.Check(Toy, defaulted)) expect(r.issues.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });
});

describe('issues and paths', () => {
  it('joins key paths the way an operator reads them', () => {
    expect(joinPath(joinPath(joinPath('', 'readers'), 1), 'host')).toBe('readers[1].host');
    expect(joinPath('skus', 'ACME-1001')).toBe('skus.ACME-1001');
    expect(joinPath('skus', 'a b')).toBe('skus["a b"]');
  });

  it('formats one line per issue and carries exit code 78', () => {
    const e = new ConfigError([
      { source: 'gateway.yaml', path: 'readers[1].host', message: 'required' },
      { source: 'gateway.yaml', path: '', message: 'the file is empty: expected a mapping of settings' },
    ]);
    expect(e.message).toBe('gateway.yaml: readers[1].host: required\ngateway.yaml: the file is empty: expected a mapping of settings');
    expect(e.exitCode).toBe(78);
    expect(formatIssue(e.issues[0]!)).toBe('gateway.yaml: readers[1].host: required');
    expect(() => new ConfigError([])).toThrow('ConfigError needs at least one issue');
  });
});

describe('environment formats', () => {
  it('parses name:role:secret lists, secrets may hold colons, blanks are skipped', () => {
    expect(parseSecretList('V', ' a:admin:x:y , ,b:viewer:z', true)).toEqual({
      entries: [
        { name: 'a', role: 'admin', secret: 'x:y' },
        { name: 'b', role: 'viewer', secret: 'z' },
      ],
      issues: [],
    });
    expect(parseSecretList('V', 'gw-1:pw', false).entries).toEqual([{ name: 'gw-1', secret: 'pw' }]);
  });

  it('names the variable and the entry, never the secret', () => {
    const r = parseSecretList('DOCKGATE_API_TOKENS', 'a:admin:s1,:viewer:s2,b:s3', true);
    expect(r.issues.map(formatIssue)).toEqual(['DOCKGATE_API_TOKENS: entry 2: expected name:role:secret', 'DOCKGATE_API_TOKENS: entry 3: expected name:role:secret']);
    expect(JSON.stringify(r.issues)).not.toMatch(/s2|s3/);
  });

  it('parses JSON objects only', () => {
    expect(parseJsonObject('V', '{"a":{"b":1}}').value).toEqual({ a: { b: 1 } });
    for (const bad of ['[1]', '"s"', '{', 'null']) expect(parseJsonObject('V', bad).issues.map(formatIssue)).toEqual(['V: expected a JSON object']);
  });
});
