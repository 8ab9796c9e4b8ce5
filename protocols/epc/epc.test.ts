// protocols/epc — TDS worked examples, malformed input with reasons, round trips, and a cross-check against epc-tds.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import epcTds from 'epc-tds';
import { decodeEpc, encodeEpc, encodeSgtin, encodeSscc, encodeTagUri, SCHEMES, type EpcFields, type Gs1Epc } from './index.js';

// epc-tds is CommonJS whose module.exports is the TDS object its types call `default`.
const tds = epcTds as unknown as typeof epcTds.default;

/** GS1 EPC TDS 1.9 Appendix E / §14 examples: tag URI, pure identity URI, element string, binary as printed in the TDS. */
const TDS_EXAMPLES = [
  ['urn:epc:tag:sgtin-96:3.0614141.812345.6789', 'urn:epc:id:sgtin:0614141.812345.6789', '(01)80614141123458(21)6789', '3074257BF7194E4000001A85'],
  ['urn:epc:tag:sgtin-198:3.0614141.712345.32a%2Fb', 'urn:epc:id:sgtin:0614141.712345.32a%2Fb', '(01)70614141123451(21)32a/b', '3674257BF6B7A659B2C2BF1000000000000000000000000000'],
  ['urn:epc:tag:sscc-96:3.0614141.1234567890', 'urn:epc:id:sscc:0614141.1234567890', '(00)106141412345678908', '3174257BF4499602D2000000'],
  ['urn:epc:tag:sgln-96:3.0614141.12345.5678', 'urn:epc:id:sgln:0614141.12345.5678', '(414)0614141123452(254)5678', '3274257BF46072000000162E'],
  ['urn:epc:tag:sgln-195:3.0614141.12345.32a%2Fb', 'urn:epc:id:sgln:0614141.12345.32a%2Fb', '(414)0614141123452(254)32a/b', '3974257BF46072CD9615F8800000000000000000000000000'],
  ['urn:epc:tag:grai-96:3.0614141.12345.5678', 'urn:epc:id:grai:0614141.12345.5678', '(8003)006141411234525678', '3374257BF40C0E400000162E'],
  ['urn:epc:tag:grai-170:3.0614141.12345.32a%2Fb', 'urn:epc:id:grai:0614141.12345.32a%2Fb', '(8003)0061414112345232a/b', '3774257BF40C0E59B2C2BF100000000000000000000'],
  ['urn:epc:tag:giai-96:3.0614141.5678', 'urn:epc:id:giai:0614141.5678', '(8004)06141415678', '3474257BF40000000000162E'],
  ['urn:epc:tag:giai-202:3.0614141.32a%2Fb', 'urn:epc:id:giai:0614141.32a%2Fb', '(8004)061414132a/b', '3874257BF59B2C2BF1000000000000000000000000000000000'],
] as const;

/** The TDS prints the exact bits rounded to nibbles; a tag holds whole 16-bit words. */
const toWords = (hex: string) => hex.toLowerCase().padEnd(Math.ceil(hex.length / 4) * 4, '0');

function ok(r: ReturnType<typeof decodeEpc>): Gs1Epc {
  if (!r.ok) throw new Error(r.reason);
  return r;
}

describe('TDS worked examples', () => {
  for (const [tagUri, pureUri, elementString, hex] of TDS_EXAMPLES) {
    it(`decodes and encodes ${tagUri}`, () => {
      for (const form of [hex, hex.toLowerCase(), toWords(hex)]) {
        const d = ok(decodeEpc(form));
        expect(d.tagUri).toBe(tagUri);
        expect(d.pureIdentityUri).toBe(pureUri);
        expect(d.elementString).toBe(elementString);
        expect(d.filter).toBe(3);
        expect(d.companyPrefix).toBe('0614141');
      }
      const e = encodeTagUri(tagUri);
      expect(e.ok && e.hex).toBe(toWords(hex));
    });
  }

  it('gives the GS1 keys with their check digits', () => {
    expect(ok(decodeEpc('3074257BF7194E4000001A85'))).toMatchObject({ gtin: '80614141123458', serial: '6789', scheme: 'sgtin-96', partition: 5 });
    expect(ok(decodeEpc('3174257BF4499602D2000000')).sscc).toBe('106141412345678908');
    expect(ok(decodeEpc('3274257BF46072000000162E'))).toMatchObject({ gln: '0614141123452', extension: '5678' });
    expect(ok(decodeEpc('3374257BF40C0E400000162E')).grai).toBe('006141411234525678');
    expect(ok(decodeEpc('3474257BF40000000000162E')).giai).toBe('06141415678');
  });

  it('encodes from a GTIN or an SSCC', () => {
    const s = encodeSgtin({ gtin: '80614141123458', companyPrefixLength: 7, serial: '6789', filter: 3 });
    expect(s.ok && s.hex).toBe('3074257bf7194e4000001a85');
    const long = encodeSgtin({ gtin: '70614141123451', companyPrefixLength: 7, serial: '32a/b', filter: 3 });
    expect(long.ok && long.hex).toBe(toWords('3674257BF6B7A659B2C2BF1000000000000000000000000000'));
    const sscc = encodeSscc({ sscc: '106141412345678908', companyPrefixLength: 7, filter: 3 });
    expect(sscc.ok && sscc.hex).toBe('3174257bf4499602d2000000');
  });
});

describe('not a GS1 EPC: every malformed kind answered with its reason', () => {
  const cases: Array<[string, string | RegExp]> = [
    ['E2801160600002084D6A6B5C', /header 0xE2 is no EPC scheme; E2… is the chip's factory EPC/],
    ['', /empty EPC/],
    ['3', /truncated/],
    ['3074257BF7194E40', /truncated sgtin-96: 64 bits, needs 96/],
    ['3674257BF6B7A659B2C2BF10', /truncated sgtin-198/],
    ['3074257BF7194E4000001AZZ', /character 23 \("Z"\) is not hex/],
    ['307E257BF7194E4000001A85', /sgtin-96 has partition 7, the TDS defines 0–6/],
    ['3074257BF7194E4000001A851234', /non-zero bits after bit 96/],
    ['3174257BF4499602D2000001', /sscc-96 reserved bits are not zero/],
    ['3B00000000000000000000000', /ADI-var, which this gateway does not decode/],
    ['00000000000000000000000000', /unprogrammed tag/],
    ['F7000000000000000000000000', /TDS 2.0 "\+" scheme/],
    ['AB0000000000000000000000', /header 0xAB is no GS1 EPC scheme/],
    // company prefix field 2^40-1 > 12 digits
    ['3063FFFFFFFFFC0000000001', /company prefix field exceeds 12 digits/],
    // partition 5 (7-digit company), item reference field 2^20-1 = 1048575 > 6 digits
    ['3074257BF7FFFFC000000001', /reference field exceeds 6 digits/],
    // SGTIN-198 serial with character 0x20 (space)
    ['3674257BF7194E50000000000000000000000000000000000000', /character 1 is 0x20, outside the GS1 character set/],
    // SGTIN-198 with an empty serial
    ['3674257BF7194E40000000000000000000000000000000000000', /serial is empty/],
    // SGTIN-198 serial "3" then a zero character then "2": bits after the terminator
    ['3674257BF7194E59806400000000000000000000000000000000', /non-zero bits after its last character/],
  ];
  for (const [hex, reason] of cases) {
    it(`${hex || '(empty)'} → ${reason}`, () => {
      const r = decodeEpc(hex);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.reason).toMatch(/^not a GS1 EPC: /);
        expect(r.reason).toMatch(reason);
      }
    });
  }

  it('never throws on any string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^(3[0-9a-f]|e2)[0-9a-fA-F]{0,60}$/)), (s) => {
        const r = decodeEpc(s);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 3000 },
    );
  });

  it('rejects bad fields on encode with a reason', () => {
    const bad: Array<[EpcFields | string, RegExp]> = [
      [{ scheme: 'sgtin-96', filter: 8, companyPrefix: '0614141', reference: '812345', serial: '1' }, /filter 8 is not 0–7/],
      [{ scheme: 'sgtin-96', filter: 1, companyPrefix: '06141', reference: '812345', serial: '1' }, /company prefix "06141" is not 6–12 digits/],
      [{ scheme: 'sgtin-96', filter: 1, companyPrefix: '0614141', reference: '81234', serial: '1' }, /must be 6 digits/],
      [{ scheme: 'sgtin-96', filter: 1, companyPrefix: '0614141', reference: '812345', serial: '0123' }, /leading zeros.*sgtin-198/],
      [{ scheme: 'sgtin-96', filter: 1, companyPrefix: '0614141', reference: '812345', serial: '274877906944' }, /does not fit 38 bits/],
      [{ scheme: 'sgtin-198', filter: 1, companyPrefix: '0614141', reference: '812345', serial: 'a b' }, /" ", outside the GS1 character set/],
      [{ scheme: 'sgtin-198', filter: 1, companyPrefix: '0614141', reference: '812345', serial: 'x'.repeat(21) }, /longer than 20/],
      [{ scheme: 'sgtin-96', filter: 1, companyPrefix: '0614141', reference: '812345' }, /serial is missing/],
      ['urn:epc:id:sgtin:0614141.812345.6789', /is not an EPC tag URI/],
      ['urn:epc:tag:usdod-96:3.0614141.812345.6789', /scheme usdod-96 is not supported/],
      ['urn:epc:tag:sgtin-198:3.0614141.812345.a%2', /malformed % escape/],
      ['urn:epc:tag:giai-96:3.0614141.5678.1', /asset reference "5678.1" is not a decimal integer/],
      ['urn:epc:tag:sgtin-96:3.0614141.812345', /takes 3 fields/],
    ];
    for (const [input, reason] of bad) {
      const r = typeof input === 'string' ? encodeTagUri(input) : encodeEpc(input);
      expect(r.ok, JSON.stringify(input)).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(reason);
    }
    const g = encodeSgtin({ gtin: '80614141123459', companyPrefixLength: 7, serial: '1' });
    expect(!g.ok && g.reason).toBe('GTIN 80614141123459 has check digit 9, expected 8');
  });
});

// ---- generators of valid identities ----
const CSET82 = '!"%&\'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';
const digits = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n });
const cset = (max: number) => fc.string({ unit: fc.constantFrom(...CSET82), minLength: 1, maxLength: max });
const uint = (bits: number, maxExclusive?: bigint) =>
  fc.bigInt({ min: 0n, max: (maxExclusive !== undefined && maxExclusive < 1n << BigInt(bits) ? maxExclusive : 1n << BigInt(bits)) - 1n }).map(String);

const validFields: fc.Arbitrary<EpcFields> = fc
  .tuple(fc.constantFrom(...SCHEMES), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 7 }))
  .chain(([def, p, filter]) => {
    const gid = def.identity === 'gid';
    const row = def.partitions[gid ? 0 : p]!;
    const reference =
      def.reference === 'padded' ? digits(row.rDigits) : def.reference === 'unpadded' ? uint(row.rBits, 10n ** BigInt(row.rDigits)) : cset(row.rDigits);
    const tail =
      def.tail.kind === 'int' ? uint(def.tail.bits)
      : def.tail.kind === 'string' ? cset(def.tail.maxChars)
      : def.tail.kind === 'digits' ? fc.integer({ min: 0, max: def.tail.maxDigits }).chain(digits)
      : fc.constant(undefined);
    return fc.tuple(gid ? uint(row.cBits) : digits(row.cDigits), reference, tail).map(([companyPrefix, ref, t]): EpcFields => {
      const f: EpcFields = { scheme: def.scheme, filter: gid ? 0 : filter, companyPrefix, reference: ref };
      if (def.identity === 'sgln') f.extension = t;
      else if (t !== undefined) f.serial = t;
      return f;
    });
  });

describe('round trips (fast-check)', () => {
  it('encode → decode gives back the fields, and decode → tag URI → encode gives back the hex', () => {
    fc.assert(
      fc.property(validFields, (f) => {
        const e = encodeEpc(f);
        if (!e.ok) throw new Error(e.reason);
        const d = ok(decodeEpc(e.hex));
        expect(d).toEqual(e.epc);
        expect({ scheme: d.scheme, filter: d.filter, companyPrefix: d.companyPrefix, reference: d.reference }).toEqual({
          scheme: f.scheme,
          filter: f.filter,
          companyPrefix: f.companyPrefix,
          reference: f.reference,
        });
        if (f.serial !== undefined) expect(d.serial).toBe(f.serial);
        if (f.extension !== undefined) expect(d.extension).toBe(f.extension);
        const again = encodeTagUri(d.tagUri);
        expect(again.ok && again.hex).toBe(e.hex);
        expect(e.hex.length % 4).toBe(0);
      }),
      { numRuns: 2000 },
    );
  });
});

/**
 * Tags epc-tds handles correctly. Its known bugs, which ours must not copy: a zero-digit location reference or asset
 * type (SGLN/GRAI partition 0) comes out as "0" instead of empty; fromTagURI splits on '.' and ':' inside serials;
 * a GSRN service reference loses its leading zeros (the TDS pads it to 17 − company digits). It has no GSRNP.
 */
const epcTdsCanRead = (f: EpcFields) =>
  f.scheme !== 'gsrnp-96' && !(/^(sgln|grai|gdti|sgcn)/.test(f.scheme) && f.companyPrefix.length === 12) && !(f.scheme === 'gsrn-96' && f.reference.startsWith('0'));
/** …and its fromTagURI reads an SGCN serial as a number, losing leading zeros ("04711" → "4711"). */
const epcTdsCanParseUri = (f: EpcFields) =>
  epcTdsCanRead(f) && ![f.reference, f.serial ?? '', f.extension ?? ''].some((x) => /[.:]/.test(x)) && !(f.scheme === 'sgcn-96' && /^0|^$/.test(f.serial ?? ''));

const unescape = (s: string) => s.replace(/%([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));

describe('cross-check against epc-tds on random valid tags', () => {
  it('epc-tds decodes our tags to the same identity', () => {
    fc.assert(
      fc.property(validFields.filter(epcTdsCanRead), (f) => {
        const e = encodeEpc(f);
        if (!e.ok) throw new Error(e.reason);
        const theirs = tds.valueOf(e.hex);
        // epc-tds does not %-escape URI components; compare with ours unescaped.
        expect(theirs.toIdURI()).toBe(unescape(e.epc.pureIdentityUri));
        expect(theirs.toTagURI()).toBe(unescape(e.epc.tagUri));
        if (f.scheme === 'gid-96') return; // no filter, partition or GS1 key
        expect(theirs.getFilter()).toBe(f.filter);
        expect((theirs as unknown as { getPartition(): number }).getPartition()).toBe(e.epc.partition);
        const key = e.epc.gtin ?? e.epc.sscc ?? e.epc.gln ?? e.epc.grai ?? e.epc.giai ?? e.epc.gdti ?? e.epc.gsrn ?? e.epc.gcn ?? e.epc.cpid;
        const theirKey = (theirs as unknown as { toBarcode(): string }).toBarcode();
        // epc-tds gives the GLN with its extension appended, and the GRAI without AI 8003's leading zero.
        if (e.epc.identity === 'sgln') expect(theirKey.startsWith(key!)).toBe(true);
        else if (e.epc.identity === 'grai') expect('0' + theirKey).toBe(key);
        else expect(theirKey).toBe(key);
      }),
      { numRuns: 2000 },
    );
  });

  it('we decode epc-tds-encoded tags to the same identity', () => {
    fc.assert(
      fc.property(validFields.filter(epcTdsCanParseUri), (f) => {
        const e = encodeEpc(f);
        if (!e.ok) throw new Error(e.reason);
        const theirs = tds.fromTagURI(unescape(e.epc.tagUri));
        const d = ok(decodeEpc(theirs.toHexString()));
        expect(d.tagUri).toBe(e.epc.tagUri);
      }),
      { numRuns: 1000 },
    );
  });
});
