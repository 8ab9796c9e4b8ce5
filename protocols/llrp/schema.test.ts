// protocols/llrp — every message and parameter in the table survives encode → decode with random field values
// (schema-driven generator, bounded depth), and the table itself is consistent (TV types have known lengths).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, type LlrpObject, type LlrpValue } from './codec.js';
import { TV_LENGTH } from './constants.js';
import { MESSAGE_DEFS, PARAM_BY_NAME, PARAM_DEFS, type ElementDef, type FieldDef } from './schema.js';

function fieldArb(f: FieldDef): fc.Arbitrary<Record<string, LlrpValue>> {
  const one = (a: fc.Arbitrary<LlrpValue>) => a.map((v) => ({ [f.name]: v }));
  switch (f.type) {
    case 'u1': return one(fc.boolean());
    case 'u2': case 'u8': case 'u16': case 'u32': return one(fc.integer({ min: 0, max: 2 ** f.bits - 1 }));
    case 's8': case 's16': case 's32': return one(fc.integer({ min: -(2 ** (f.bits - 1)), max: 2 ** (f.bits - 1) - 1 }));
    case 'u64': // exact over the whole range: a number up to 2^53 - 1, a bigint beyond
      return one(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((v) => (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v)));
    case 'u96': return one(fc.uint8Array({ minLength: 12, maxLength: 12 }).map((b) => Buffer.from(b).toString('hex')));
    case 'u1v':
      return fc.integer({ min: 0, max: 130 }).chain((bits) =>
        fc.uint8Array({ minLength: (bits + 7) >> 3, maxLength: (bits + 7) >> 3 }).map((b) => ({
          [f.name]: Buffer.from(b).toString('hex'),
          [f.name + 'Bits']: bits,
        })),
      );
    case 'u8v': case 'bytesToEnd': return one(fc.uint8Array({ maxLength: 20 }));
    case 'u16v': return one(fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 6 }));
    case 'u32v': return one(fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 6 }));
    case 'utf8v': return one(fc.string({ maxLength: 20 }));
    case 'reserved': return fc.constant({});
  }
}

function elementArb(def: ElementDef, depth: number, choiceName?: string): fc.Arbitrary<LlrpObject> {
  const fields = def.fields.map(fieldArb);
  const slots = def.slots.map((slot) => {
    const item = fc.constantFrom(...slot.params).chain((p) => elementArb(PARAM_BY_NAME.get(p)!, depth + 1, slot.choice ? p : undefined));
    if (depth >= 3) {
      // Deep enough: only what is required, as small as possible.
      if (slot.min === 0) return fc.constant(slot.many ? { [slot.name]: [] } : {});
    }
    if (slot.many) return fc.array(item, { minLength: slot.min, maxLength: depth >= 3 ? 1 : 2 }).map((v) => ({ [slot.name]: v }));
    if (slot.min === 1) return item.map((v) => ({ [slot.name]: v }));
    return fc.option(item, { nil: undefined }).map((v) => (v === undefined ? {} : { [slot.name]: v }));
  });
  return fc.tuple(...fields, ...slots).map((parts) => {
    const o: LlrpObject = Object.assign({}, ...parts);
    if (choiceName) o.param = choiceName;
    return o;
  });
}

describe('LLRP schema', () => {
  it('gives every TV parameter a known length and every TLV a type >= 128', () => {
    for (const d of PARAM_DEFS.values()) {
      if (d.tv) expect(TV_LENGTH[d.type], d.name).toBeGreaterThan(0);
      else expect(d.type, d.name).toBeGreaterThanOrEqual(128);
    }
  });

  for (const def of MESSAGE_DEFS.values()) {
    it(`${def.name} round-trips random values`, () => {
      fc.assert(
        fc.property(elementArb(def, 0), fc.integer({ min: 0, max: 0xffffffff }), (body, id) => {
          let frame: Uint8Array;
          try {
            frame = encodeMessage(def.name, id, body);
          } catch (e) {
            // a random body may exceed a 16-bit TLV length; that must be the encoder's stated reason
            expect((e as Error).message).toMatch(/exceeds 65535/);
            return;
          }
          const m = decodeMessage(frame);
          if (!m.ok) throw m.error;
          expect(m.value).toMatchObject({ name: def.name, id, type: def.type });
          expect(m.value.body).toEqual(body);
        }),
        { numRuns: 40 },
      );
    });
  }
});
