// protocols/gs1 — GS1 Digital Link URIs parse to the same fields as element strings; cross-checked with digital-link.js
// (a Digital Link SDK we did not write).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createRequire } from 'node:module';
import { createScanParser, GS, parseDigitalLink, withCheckDigit } from './index.js';

const require = createRequire(import.meta.url);
const { DigitalLink, Utils } = require('digital-link.js') as {
  DigitalLink(uri: string): { isValid(): boolean; getIdentifier(): Record<string, string>; getKeyQualifiers(): Record<string, string>; getAttributes(): Record<string, string> };
  Utils: { compressWebUri(uri: string): string };
};

const NOW = Date.UTC(2026, 10, 22, 10, 0, 0);
const parse = createScanParser();

describe('GS1 Digital Link', () => {
  const uri = 'https://id.gs1.org/01/09506000134352/10/ABC123/21/S%2FN-1?17=261130&3103=001250&linkType=gs1:pip';
  const fnc = `0109506000134352${GS}17261130${'3103001250'}10ABC123${GS}21S/N-1`;

  it('parses to the same fields as the element string, with ]Q1, ]Q3 or no prefix', () => {
    const asElements = parse(']d2' + fnc, NOW);
    for (const raw of [uri, ']Q1' + uri, ']Q3' + uri]) {
      const r = parse(raw, NOW);
      expect(r.ok, r.reason).toBe(true);
      expect(r).toMatchObject({ codeType: 'gs1', gtin: '09506000134352', digitalLink: { domain: 'https://id.gs1.org', primaryKey: '01', pathPrefix: '' } });
      expect(r.gs1).toMatchObject({ gtin: '09506000134352', batch: 'ABC123', serial: 'S/N-1', expiry: '2026-11-30' });
      expect(r.gs1!.ais).toEqual(asElements.gs1!.ais);
    }
  });

  it('reads a resolver path prefix, GTIN-13 as GTIN-14, an SSCC and a GLN with extension', () => {
    expect(parse('https://example.com/products/a/01/4006141411114/21/X1', NOW)).toMatchObject({
      codeType: 'gs1', gtin: '04006141411114', gs1: { serial: 'X1' }, digitalLink: { pathPrefix: '/products/a', primaryKey: '01' },
    });
    expect(parse('https://s.example/00/106141412345678908', NOW).gs1).toMatchObject({ sscc: '106141412345678908' });
    // values exactly as written: "." is a lot (URL() would drop it as a dot segment), "+" is not a space
    expect(parse('https://s.example/01/09506000134352/10/.', NOW).gs1!.batch).toBe('.');
    expect(parse('https://s.example/01/09506000134352/10/A+B?11=260101', NOW).gs1).toMatchObject({ batch: 'A+B', productionDate: '2026-01-01' });
    expect(parse(`https://s.example/414/${withCheckDigit('406141400001')}/254/DOCK-7`, NOW).gs1!.ais).toEqual({ '414': '4061414000013', '254': 'DOCK-7' });
  });

  const bad: Array<[string, RegExp]> = [
    ['https://id.gs1.org/01/09506000134353', /GS1 Digital Link: AI \(01\) GTIN 09506000134353 has check digit 3, expected 2/],
    ['https://id.gs1.org/01/09506000134352/21/S1/10/ABC', /key qualifiers \/21\/10 are not allowed after \(01\) GTIN \(allowed, in order: \/22\/10\/21 or \/235\)/],
    ['https://id.gs1.org/01/09506000134352?21=S1', /\(21\) SERIAL is not allowed as a data attribute in the query/],
    ['https://id.gs1.org/01/09506000134352?37=4', /AIs \(01\) GTIN and \(37\) COUNT must not appear together/],
    ['https://id.gs1.org/01/09506000134352?17=261131', /AI \(17\) USE BY or EXPIRY: date 261131 has day 31/],
    ['https://id.gs1.org/01/09506000134352/10/A?10=B', /\(10\) BATCH\/LOT appears twice/],
    ['https://id.gs1.org/01/09506000134352/10/A%ZZ', /bad percent-encoding in the value of \(10\)/],
    ['https://id.gs1.org/01/09506000134352?8099=1', /unknown GS1 application identifier \(8099\) in the query/],
    [']Q3https://example.com/about', /no primary key/],
  ];
  for (const [raw, reason] of bad) {
    it(`refuses ${raw} naming what is wrong`, () => {
      const r = parse(raw, NOW);
      expect(r).toMatchObject({ ok: false, codeType: 'invalid', raw });
      expect(r.reason).toMatch(reason);
    });
  }

  it('leaves an ordinary URL in a plain QR code alone', () => {
    expect(parse(']Q1https://example.com/about/us', NOW)).toMatchObject({ ok: true, codeType: 'unknown', symbology: 'qr' });
    expect(createScanParser({ patterns: [{ name: 'portal', pattern: '^https://portal\\.example/' }] })('https://portal.example/x', NOW)).toMatchObject({ codeType: 'portal' });
  });

  it('does not pretend to read a compressed Digital Link (no well-kept library decompresses it)', () => {
    const compressed = Utils.compressWebUri('https://id.gs1.org/01/09506000134352/10/ABC123');
    expect(parse(']Q1' + compressed, NOW)).toMatchObject({ codeType: 'unknown' });
    expect(parse(']Q3' + compressed, NOW)).toMatchObject({ codeType: 'invalid', reason: expect.stringMatching(/no primary key/) });
  });
});

// ---- cross-check with digital-link.js on random valid URIs ----
const digits = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n });
const xchars = (max: number) => fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._'), minLength: 1, maxLength: max });
const date = fc.tuple(fc.integer({ min: 20, max: 40 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 })).map((p) => p.map((n) => String(n).padStart(2, '0')).join(''));
const link = fc.record({
  gtin: digits(13).map(withCheckDigit),
  cpv: fc.option(xchars(20), { nil: undefined }),
  lot: fc.option(xchars(20), { nil: undefined }),
  serial: fc.option(xchars(20), { nil: undefined }),
  expiry: fc.option(date, { nil: undefined }),
  weight: fc.option(digits(6), { nil: undefined }),
});

describe('cross-check against digital-link.js', () => {
  it('both read the same key, qualifiers and attributes, and both call them valid', () => {
    fc.assert(
      fc.property(link, (l) => {
        const path = [['01', l.gtin], ['22', l.cpv], ['10', l.lot], ['21', l.serial]].filter(([, v]) => v !== undefined).map(([ai, v]) => `/${ai}/${v}`).join('');
        const query = [['17', l.expiry], ['3103', l.weight]].filter(([, v]) => v !== undefined).map(([ai, v]) => `${ai}=${v}`).join('&');
        const uri = `https://id.example.org${path}${query ? `?${query}` : ''}`;
        const ours = parseDigitalLink(uri, NOW, { requisites: 'ignore' });
        expect(ours.ok, ours.ok ? '' : ours.reason).toBe(true);
        const theirs = DigitalLink(uri);
        expect(theirs.isValid()).toBe(true);
        const all = { ...theirs.getIdentifier(), ...theirs.getKeyQualifiers(), ...theirs.getAttributes() };
        if (ours.ok) expect(Object.fromEntries(ours.link.pairs)).toEqual(all);
      }),
      { numRuns: 300 },
    );
  });
});
