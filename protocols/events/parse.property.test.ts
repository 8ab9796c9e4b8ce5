// protocols/events — property tests of parse(): arbitrary bytes and JSON never crash it, nothing invalid parses as
// valid (cross-checked with TypeBox's own Value.Check of the schemas), and every valid generated message parses.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import { Command, EventBatch, GatewayStatus, HubStatus, type Event } from './schema.js';
import { parse, type ParseResult } from './parse.js';
import { topics } from './topics.js';
import { isoTs } from './time.js';

const SITE = 'site-1';
const GW = 'gw-1';
const T = { events: topics.events(SITE, GW), status: topics.status(SITE, GW), cmd: topics.cmd(SITE, GW), hub: topics.hubStatus(SITE) };
const SCHEMA_OF: Record<string, TSchema> = { [T.events]: EventBatch, [T.status]: GatewayStatus, [T.cmd]: Command, [T.hub]: HubStatus };

/** The invariant of every run: no internal defect, and ok implies the schema agrees. */
function checkResult(topic: string, r: ParseResult, value?: unknown): void {
  if (r.ok) {
    expect(Value.Check(SCHEMA_OF[topic]!, r.value)).toBe(true);
    if (value !== undefined) expect(r.value).toEqual(value);
  } else {
    expect(r.errors.length).toBeGreaterThan(0);
    for (const e of r.errors) {
      expect(e.message).not.toMatch(/validator failed/);
      expect(e.path === '' || e.path.startsWith('/')).toBe(true);
    }
  }
}

// ---- arbitraries of valid messages ----
const id = fc.stringMatching(/^[a-z0-9-]{1,24}$/);
const hex = fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b).toString('hex'));
const ms = fc.integer({ min: 0, max: Date.UTC(2099, 11, 31) });
const ts = ms.map(isoTs);
// `+ 0` turns -0 into 0: JSON has no negative zero.
const rssi = fc.double({ min: -150, max: 50, noNaN: true }).map((x) => x + 0);
const confidence = fc.double({ min: 0, max: 1, noNaN: true }).map((x) => x + 0);
const reads = fc.integer({ min: 1, max: 1_000_000 });
const seen = fc.tuple(ms, ms).map(([a, b]) => ({ firstSeen: isoTs(Math.min(a, b)), lastSeen: isoTs(Math.max(a, b)) }));
const antennas = fc.array(fc.record({ reader: id, antenna: fc.integer({ min: 1, max: 65535 }), reads: fc.nat(), peakRssi: rssi }), { maxLength: 4 });
const text = (max: number) => fc.string({ maxLength: max });

const body: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record(
    { kind: fc.constant('tag.pass'), door: id, direction: fc.constantFrom('in', 'out', 'unknown'), epc: hex, tid: hex, seen, reads, peakRssi: rssi, antennas, confidence, candidates: fc.array(id, { maxLength: 3 }), readerFirstSeen: ts },
    { requiredKeys: ['kind', 'door', 'direction', 'epc', 'seen', 'reads', 'peakRssi', 'antennas', 'confidence'] },
  ),
  fc.record(
    { kind: fc.constantFrom('tag.arrive', 'tag.depart'), zone: id, epc: hex, tid: hex, seen, reads, peakRssi: rssi, antennas, confidence },
    { requiredKeys: ['kind', 'zone', 'epc', 'seen', 'reads', 'peakRssi', 'antennas', 'confidence'] },
  ),
  fc.record(
    {
      kind: fc.constant('scan'),
      scanner: id,
      door: id,
      raw: text(60),
      symbology: text(32),
      codeType: fc.string({ minLength: 1, maxLength: 64 }),
      gtin: fc.stringMatching(/^\d{14}$/),
      sscc: fc.stringMatching(/^\d{18}$/),
      batch: text(20),
      expiry: fc.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      serial: text(20),
      count: fc.nat(),
      ais: fc.dictionary(fc.stringMatching(/^\d{2,4}$/), text(90), { maxKeys: 4 }),
      qty: fc.integer({ min: 1, max: 10_000 }),
      context: fc.array(fc.record({ type: fc.string({ minLength: 1, maxLength: 64 }), value: text(256), scannedAt: ts }), { maxLength: 3 }),
    },
    { requiredKeys: ['kind', 'scanner', 'raw', 'codeType', 'qty'] },
  ),
  fc.record({ kind: fc.constant('door'), door: id, state: fc.constantFrom('open', 'closed'), reader: id, gpi: fc.integer({ min: 1, max: 65535 }) }, { requiredKeys: ['kind', 'door', 'state'] }),
  fc.record(
    { kind: fc.constant('reader'), reader: id, state: fc.constantFrom('connecting', 'configuring', 'reading', 'backoff', 'stopped'), reason: text(100), error: text(100) },
    { requiredKeys: ['kind', 'reader', 'state'] },
  ),
  fc.record({ kind: fc.constant('scanner'), scanner: id, state: fc.constantFrom('open', 'closed', 'unavailable'), reason: text(100) }, { requiredKeys: ['kind', 'scanner', 'state'] }),
  fc.record({ kind: fc.constant('gap'), fromSeq: fc.integer({ min: 1, max: 1e9 }), len: fc.integer({ min: 1, max: 1e6 }), reason: text(100) }).map(({ fromSeq, len, ...rest }) => ({
    ...rest,
    fromSeq,
    toSeq: fromSeq + len - 1,
    count: len,
  })),
).map((b) => {
  const { seen: s, ...rest } = b as Record<string, unknown>;
  return { ...rest, ...(s as object) };
});

const streamId = fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/);

const validBatch = fc
  .record({
    stream: streamId,
    bodies: fc.array(fc.record({ body, ts, id: fc.uuid({ version: 7 }), step: fc.integer({ min: 1, max: 1000 }) }), { minLength: 1, maxLength: 12 }),
    firstSeq: fc.integer({ min: 1, max: 1e12 }),
  })
  .map(({ stream, bodies, firstSeq }) => {
    let seq = firstSeq - 1;
    const events = bodies.map(({ body: b, ts: t, id: eid, step }) => {
      seq += step;
      return { id: eid, stream, seq, ts: t, ...b } as unknown as Event;
    });
    return { v: 1 as const, gateway: GW, stream, events };
  });

const validStatus = fc.record(
  {
    v: fc.constant(1),
    gateway: fc.constant(GW),
    online: fc.boolean(),
    ts,
    version: text(64),
    uptimeS: fc.double({ min: 0, max: 1e9, noNaN: true }).map((x) => x + 0),
    readers: fc.array(fc.record({ id, state: fc.constantFrom('connecting', 'reading', 'stopped'), clockOffsetMs: fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => x + 0) }, { requiredKeys: ['id', 'state'] }), { maxLength: 3 }),
    outbox: fc.record({ depth: fc.nat(), bytes: fc.nat(), dropped: fc.nat() }),
  },
  { requiredKeys: ['v', 'gateway', 'online'] },
);

const validCommand = fc.record({ v: fc.constant(1), id: fc.uuid({ version: 7 }), ts }).chain((c) =>
  fc.oneof(
    fc.record({ cmd: fc.constant('light'), door: id, color: fc.constantFrom('green', 'red', 'amber', 'off') }).map((x) => ({ ...c, ...x })),
    fc.record({ cmd: fc.constant('horn'), door: id, durationMs: fc.integer({ min: 1, max: 60_000 }) }).map((x) => ({ ...c, ...x })),
    fc.record({ cmd: fc.constant('gpo.set'), reader: id, port: fc.integer({ min: 1, max: 65535 }), state: fc.boolean() }).map((x) => ({ ...c, ...x })),
    fc.record({ cmd: fc.constant('reader.restart'), reader: id }).map((x) => ({ ...c, ...x })),
    fc.record({ cmd: fc.constant('door.mode'), door: id, mode: fc.constantFrom('receiving', 'shipping', 'returns', 'transfer', 'count', 'off') }).map((x) => ({ ...c, ...x })),
    fc.constant({ ...c, cmd: 'status.report' }),
  ),
);

// ---- mutation of a valid value at a random JSON path ----
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every JSON pointer of the containers and leaves in `v`. */
function pointers(v: Json, at = ''): string[] {
  const out = [at];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...pointers(x, `${at}/${i}`)));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...pointers(x, `${at}/${k}`));
  return out;
}

type Mutation = { op: 'delete' } | { op: 'set'; value: Json } | { op: 'add'; key: string; value: Json };

function mutate(root: Json, pointer: string, m: Mutation): Json {
  const copy = structuredClone(root);
  const parts = pointer.split('/').slice(1);
  if (parts.length === 0) return m.op === 'set' ? m.value : copy;
  let parent: Json = copy;
  for (const p of parts.slice(0, -1)) parent = (parent as Record<string, Json>)[p]!;
  const last = parts[parts.length - 1]!;
  const target = (parent as Record<string, Json>)[last]!;
  if (m.op === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete (parent as Record<string, Json>)[last];
  } else if (m.op === 'set') (parent as Record<string, Json>)[last] = m.value;
  else if (target !== null && typeof target === 'object' && !Array.isArray(target)) target[m.key] = m.value;
  return copy;
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant({ op: 'delete' as const }),
  fc.jsonValue({ maxDepth: 2 }).map((value) => ({ op: 'set' as const, value: value as Json })),
  fc.constantFrom<Json>(-1, 0, 1.5, '', 'x', 'in', 'open', 'tag.pass', 'scan', 'gap', true, null, [], {}, 2 ** 53).map((value) => ({ op: 'set' as const, value })),
  fc.tuple(fc.constantFrom('extra', 'door', 'zone', 'epc', '__proto__', 'constructor'), fc.jsonValue({ maxDepth: 1 })).map(([key, value]) => ({ op: 'add' as const, key, value: value as Json })),
);

const RUNS = { numRuns: 300 };

describe('parse() on arbitrary input', () => {
  it('never fails internally on arbitrary bytes, on any of our topics', () => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.values(T)), fc.uint8Array({ maxLength: 256 }), (topic, b) => {
        checkResult(topic, parse(topic, b));
      }),
      { numRuns: 1000 },
    );
  });

  it('never fails internally on arbitrary JSON, and accepts only what the schema accepts', () => {
    const jsonish = fc.oneof(
      fc.jsonValue(),
      fc.record({ v: fc.oneof(fc.constant(1), fc.jsonValue({ maxDepth: 0 })), gateway: fc.oneof(fc.constant(GW), fc.string()), online: fc.jsonValue({ maxDepth: 0 }), stream: fc.string(), events: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }), cmd: fc.constantFrom('light', 'horn', 'x') }, { requiredKeys: [] }),
    );
    fc.assert(
      fc.property(fc.constantFrom(...Object.values(T)), jsonish, (topic, v) => {
        checkResult(topic, parse(topic, JSON.stringify(v) ?? 'null'));
      }),
      { numRuns: 1000 },
    );
  });

  it('survives truncation of a valid batch at any byte', () => {
    fc.assert(
      fc.property(validBatch, fc.nat(), (b, cut) => {
        const buf = Buffer.from(JSON.stringify(b));
        const r = parse(T.events, buf.subarray(0, cut % buf.length));
        expect(r).toMatchObject({ ok: false });
        checkResult(T.events, r);
      }),
      RUNS,
    );
  });
});

describe('parse() on generated valid messages', () => {
  it('parses every valid batch, unchanged', () => {
    fc.assert(
      fc.property(validBatch, (b) => {
        expect(Value.Check(EventBatch, b)).toBe(true);
        const r = parse(T.events, Buffer.from(JSON.stringify(b)));
        expect(r.ok ? 'ok' : JSON.stringify(r.errors)).toBe('ok');
        checkResult(T.events, r, b);
      }),
      RUNS,
    );
  });

  it('parses every valid status and command, unchanged', () => {
    fc.assert(
      fc.property(validStatus, validCommand, (s, c) => {
        const rs = parse(T.status, JSON.stringify(s));
        const rc = parse(T.cmd, JSON.stringify(c));
        expect(rs.ok ? 'ok' : JSON.stringify(rs.errors)).toBe('ok');
        expect(rc.ok ? 'ok' : JSON.stringify(rc.errors)).toBe('ok');
        checkResult(T.status, rs, s);
        checkResult(T.cmd, rc, c);
      }),
      RUNS,
    );
  });
});

describe('parse() on mutated valid messages', () => {
  const cases: [string, string, fc.Arbitrary<Json>][] = [
    ['batch', T.events, validBatch as fc.Arbitrary<unknown> as fc.Arbitrary<Json>],
    ['status', T.status, validStatus as fc.Arbitrary<unknown> as fc.Arbitrary<Json>],
    ['command', T.cmd, validCommand as fc.Arbitrary<unknown> as fc.Arbitrary<Json>],
  ];
  it.each(cases)('%s: accepts a mutant only if the schema does, and names the mutated path when it refuses one the schema refuses', (_name, topic, arb) => {
    const schema = SCHEMA_OF[topic]!;
    fc.assert(
      fc.property(
        arb.chain((v) => fc.tuple(fc.constant(v), fc.constantFrom(...pointers(v)), mutation)),
        ([v, pointer, m]) => {
          const mutant = mutate(v, pointer, m);
          const r = parse(topic, JSON.stringify(mutant));
          checkResult(topic, r);
          const schemaOk = Value.Check(schema, mutant);
          if (!schemaOk) {
            expect(r.ok).toBe(false);
            if (!r.ok && r.reason === 'schema') {
              // An error sits in the object holding the mutated path (changing `kind` moves the errors to its
              // siblings), on one of its ancestors, or below it.
              const holder = pointer.slice(0, pointer.lastIndexOf('/'));
              const related = r.errors.some((e) => pointer.startsWith(e.path) || e.path.startsWith(holder));
              expect(related, `mutated ${pointer}, errors ${JSON.stringify(r.errors)}`).toBe(true);
            }
          }
        },
      ),
      RUNS,
    );
  });
});
