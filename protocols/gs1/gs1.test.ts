// protocols/gs1 — element strings, check digits, dates, scan classification; cross-checked with gs1-barcode-parser-mod.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createRequire } from 'node:module';
import { AIS, createScanParser, fullYear, gs1CheckDigit, gs1Date, parseElementString, withCheckDigit, GS } from './index.js';

const require = createRequire(import.meta.url);
const { parseBarcode } = require('gs1-barcode-parser-mod') as {
  parseBarcode(s: string): { codeName: string; parsedCodeItems: Array<{ ai: string; raw: string; isoDate: string }> };
};

const NOW = Date.UTC(2026, 10, 22, 10, 0, 0); // 2026-11-22
const parse = createScanParser({
  patterns: [
    { name: 'purchase_order', pattern: '^PO-(\\d+)$' },
    { name: 'mode', pattern: /^MODE:(COUNT|RECEIVE|SHIP)$/ },
    { name: 'door', pattern: '^DOOR-([a-z0-9-]+)$' },
  ],
});

describe('check digits', () => {
  it('computes GS1 mod-10 for GTIN, SSCC and GLN (GS1 GenSpecs examples)', () => {
    expect(gs1CheckDigit('400614141111')).toBe(4);
    expect(withCheckDigit('629104150021')).toBe('6291041500213');
    expect(withCheckDigit('10614141234567890')).toBe('106141412345678908');
    expect(withCheckDigit('061414112345')).toBe('0614141123452');
    expect(() => gs1CheckDigit('12a')).toThrow(/non-digit "a"/);
  });
});

describe('dates', () => {
  it('applies the GS1 century rule relative to the current year', () => {
    expect(fullYear(26, NOW)).toBe(2026);
    expect(fullYear(76, NOW)).toBe(2076); // diff 50: this century
    expect(fullYear(77, NOW)).toBe(1977); // diff 51: previous century
    expect(fullYear(99, Date.UTC(2001, 0, 1))).toBe(1999);
    expect(fullYear(50, Date.UTC(2099, 0, 1))).toBe(2050); // diff -49: this century
    expect(fullYear(49, Date.UTC(2099, 0, 1))).toBe(2149); // diff -50: next century
  });
  it('turns DD=00 into the last day of the month, leap years included', () => {
    expect(gs1Date('280200', NOW)).toEqual({ iso: '2028-02-29' });
    expect(gs1Date('270200', NOW)).toEqual({ iso: '2027-02-28' });
    expect(gs1Date('261100', NOW)).toEqual({ iso: '2026-11-30' });
    expect(gs1Date('261231', NOW)).toEqual({ iso: '2026-12-31' });
  });
  it('rejects impossible dates with a reason', () => {
    expect(gs1Date('261301', NOW)).toEqual({ reason: 'date 261301 has month 13' });
    expect(gs1Date('270229', NOW)).toEqual({ reason: 'date 270229 has day 29, 2027-02 has 28' });
  });
});

describe('element strings', () => {
  it('parses a GS1-128 logistics label with FNC1 separators', () => {
    const r = parse(`]C100106141412345678908${GS}02106141410000023726${GS}10LOT-42${GS}15270300`, NOW);
    expect(r).toMatchObject({ ok: true, codeType: 'gs1', aim: ']C1', symbology: 'gs1-128' });
    expect(r.gs1).toMatchObject({ sscc: '106141412345678908', contentGtin: '10614141000002', count: 26, batch: 'LOT-42', bestBefore: '2027-03-31' });
    expect(r.gs1!.ais).toEqual({ '00': '106141412345678908', '02': '10614141000002', '37': '26', '10': 'LOT-42', '15': '270300' });
  });

  it('parses GS1 DataMatrix and QR (]d2, ]Q3) and the human-readable form to the same elements', () => {
    const fnc = `0109506000134352${GS}17261130${GS}10ABC123${GS}21S/N-1`;
    const a = parse(']d2' + fnc, NOW);
    const b = parse(']Q3' + fnc, NOW);
    const c = parse('(01)09506000134352(17)261130(10)ABC123(21)S/N-1', NOW);
    const d = parse('(01) 09506000134352 (17) 261130 (10) ABC123 (21) S/N-1', NOW);
    for (const r of [a, b, c, d]) {
      expect(r.ok).toBe(true);
      expect(r.gs1).toMatchObject({ gtin: '09506000134352', expiry: '2026-11-30', batch: 'ABC123', serial: 'S/N-1' });
      expect(r.gtin).toBe('09506000134352');
    }
    expect(a.symbology).toBe('gs1-datamatrix');
    expect(b.symbology).toBe('gs1-qr');
  });

  it('reads weights with their decimals, POs, consignment, shipment and GLNs', () => {
    const r = parseElementString(`0109506000134352${'3103'}001250${'3302'}012345400PO-4711${GS}401CONS-1${GS}40212345678901234560410${withCheckDigit('406141400001')}414${withCheckDigit('061414112345')}`, NOW);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const byAi = Object.fromEntries(r.data.elements.map((e) => [e.ai, e]));
    expect(byAi['3103']).toMatchObject({ number: 1.25, unit: 'KGM' });
    expect(byAi['3302']).toMatchObject({ number: 123.45, unit: 'KGM' });
    expect(r.data.purchaseOrder).toBe('PO-4711');
    expect(byAi['401']!.value).toBe('CONS-1');
    expect(byAi['402']!.value).toBe('12345678901234560');
    expect(byAi['414']!.value).toBe('0614141123452');
  });

  it('reads an element string with an AI the old hand list lacked exactly, never as part of the previous value', () => {
    // (8030) DIGSIG was unknown before and swallowed into (8003): one 8003 value "0123…(8030)ABC".
    const r = parse('(8003)01234567890128SER-1(8030)ABC_-z', NOW);
    expect(r.ok, r.reason).toBe(true);
    expect(r.gs1!.ais).toEqual({ '8003': '01234567890128SER-1', '8030': 'ABC_-z' });
    // a "(" inside a value is written "\(" (GS1 Syntax Engine bracketed syntax)
    expect(parse('(01)09506000134352(10)A\\(B', NOW).gs1!.batch).toBe('A(B');
  });

  it('recognises a bare 18-digit SSCC and accepts 13 digits under ]E0', () => {
    expect(parse('106141412345678908', NOW)).toMatchObject({ ok: true, codeType: 'gs1', gs1: { sscc: '106141412345678908', ais: { '00': '106141412345678908' } } });
    expect(parse(']C0106141412345678908', NOW)).toMatchObject({ codeType: 'gs1', gs1: { sscc: '106141412345678908' } });
    expect(parse(']E00036000291452', NOW)).toMatchObject({ codeType: 'gtin', gtin: '00036000291452' }); // UPC-A as ]E0 sends it
  });

  it('lets a site accept labels whose AIs are split over barcodes (mandatory associations ignored, invalid pairs still refused)', () => {
    const lenient = createScanParser({ gs1Requisites: 'ignore' });
    expect(lenient(`]C10210614141000002${'37'}26${GS}10LOT-1`, NOW)).toMatchObject({ ok: true, gs1: { contentGtin: '10614141000002', count: 26 } });
    expect(parse(`]C10210614141000002${'37'}26${GS}10LOT-1`, NOW)).toMatchObject({ ok: false, reason: expect.stringMatching(/\(37\) COUNT needs \(00\)/) });
    expect(lenient(`]C10109506000134352${'37'}26`, NOW)).toMatchObject({ ok: false, reason: expect.stringMatching(/\(01\) GTIN and \(37\) COUNT must not appear together/) });
  });

  it('takes qty-bearing AI 30 when there is no 37', () => {
    const r = parse(`]C10109506000134352${'30'}12`, NOW);
    expect(r.gs1!.count).toBe(12);
  });

  const bad: Array<[string, RegExp]> = [
    [']C10109506000134353', /AI \(01\) GTIN 09506000134353 has check digit 3, expected 2/],
    [']C100106141412345678907', /AI \(00\) SSCC 106141412345678907 has check digit 7, expected 8/],
    [`]C1414${'0614141123453'}`, /AI \(414\) LOC No. 0614141123453 has check digit 3, expected 2/],
    [']C101095060001343', /AI \(01\) GTIN needs 14 characters, the code ends after 12/],
    [']C117261301', /AI \(17\) USE BY or EXPIRY: date 261301 has month 13/],
    [']C110', /AI \(10\) BATCH\/LOT is empty/],
    [']C1', /empty code/],
    [']C1AB12', /unknown GS1 application identifier at position 1: "AB12"/],
    [`]C110${'X'.repeat(21)}`, /AI \(10\) BATCH\/LOT is 21 characters long, at most 20 allowed/],
    [']C110AB C', /AI \(10\) BATCH\/LOT has " ", outside the GS1 character set/],
    [']C137ABC', /AI \(37\) COUNT must be digits/],
    [`]C10109506000134352${GS}0109506000134369`, /AI \(01\) appears twice with different values/],
    [`]C1010950600013${GS}4352`, /AI \(01\) GTIN needs 14 characters, FNC1 after 10/],
    ['(01)09506000134353', /check digit 3, expected 2/],
    ['(23)ABC', /unknown GS1 application identifier \(23\)/],
    [']E04006141411119', /EAN-13 4006141411119 has check digit 9, expected 4/],
    [']E4ABCDEFGH', /ean-8 data must be 8 digits/],
    [']E0036000291452', /ean-13 data must be 13 digits, got "036000291452"/],
    [']E096385074', /ean-13 data must be 13 digits/],
    ['106141412345678907', /18-digit code looks like an SSCC, but SSCC 106141412345678907 has check digit 7, expected 8/],
    ['(8003)01234567890128SER(8099)ABC', /unknown GS1 application identifier \(8099\)/],
    ['(01)09506000134352(10)A(B', /"\(" at position 24 does not start an AI/],
    [']C10109506000134352\x1d0210614141000002', /AIs \(02\) CONTENT and \(01\) GTIN must not appear together/],
    [']C110ABC', /AI \(10\) BATCH\/LOT needs \(01\), \(02\), \(03\), \(8006\) or \(8026\) in the same code/],
    [']C1370012', /AI \(37\) COUNT needs \(00\) in the same code/],
    [']C1011095060001343', /AI \(01\) GTIN needs 14 characters/],
    ['(01)09506000134352(17)261131', /AI \(17\) USE BY or EXPIRY: date 261131 has day 31, 2026-11 has 30/],
    ['(8003)11234567890128', /AI \(8003\) GRAI part 1: must be 0, got 1/],
    ['4006141411119', /13-digit code looks like a GTIN, but EAN-13 4006141411119 has check digit 9, expected 4/],
    ['', /empty code/],
  ];
  for (const [raw, reason] of bad) {
    it(`rejects ${JSON.stringify(raw)} with a reason`, () => {
      const r = parse(raw, NOW);
      expect(r.ok).toBe(false);
      expect(r.codeType).toBe('invalid');
      expect(r.raw).toBe(raw);
      expect(r.reason).toMatch(reason);
    });
  }
});

describe('plain EAN/UPC and non-GS1 codes', () => {
  it('turns EAN-13, UPC-A, EAN-8 and ITF-14 into GTIN-14', () => {
    expect(parse(']E04006141411114', NOW)).toMatchObject({ codeType: 'gtin', gtin: '04006141411114', symbology: 'ean-13' });
    expect(parse('4006141411114', NOW)).toMatchObject({ codeType: 'gtin', gtin: '04006141411114' });
    expect(parse('036000291452', NOW)).toMatchObject({ codeType: 'gtin', gtin: '00036000291452' }); // UPC-A
    expect(parse(']E496385074', NOW)).toMatchObject({ codeType: 'gtin', gtin: '00000096385074', symbology: 'ean-8' });
    expect(parse(']I110614141000002', NOW)).toMatchObject({ codeType: 'gtin', gtin: '10614141000002' });
    expect(parse(']E340061414111145', NOW)).toMatchObject({ codeType: 'gtin', gtin: '04006141411114' }); // with 2-digit add-on
  });

  it('classifies configured patterns and keeps the raw code', () => {
    expect(parse('PO-4711', NOW)).toMatchObject({ ok: true, codeType: 'purchase_order', raw: 'PO-4711', match: ['PO-4711', '4711'] });
    expect(parse(']C0MODE:COUNT', NOW)).toMatchObject({ codeType: 'mode', data: 'MODE:COUNT', match: ['MODE:COUNT', 'COUNT'], symbology: 'code128' });
    expect(parse('DOOR-d7', NOW)).toMatchObject({ codeType: 'door', match: ['DOOR-d7', 'd7'] });
    expect(parse('hello world', NOW)).toEqual({ ok: true, codeType: 'unknown', raw: 'hello world', data: 'hello world' });
    expect(parse(']C0123456', NOW)).toMatchObject({ ok: true, codeType: 'unknown', symbology: 'code128' });
  });

  it('reads GS1 without a symbology identifier when FNC1 or a leading key AI says so', () => {
    expect(parse(`0109506000134352${GS}10ABC`, NOW)).toMatchObject({ codeType: 'gs1', gtin: '09506000134352' });
    expect(parse('00106141412345678908', NOW)).toMatchObject({ codeType: 'gs1', gs1: { sscc: '106141412345678908' } });
  });

  it('uses a symbology passed apart from the data (HID POS)', () => {
    expect(parse('0109506000134352', NOW, ']C1')).toMatchObject({ codeType: 'gs1', aim: ']C1', data: '0109506000134352' });
  });

  it('refuses bad pattern config with a message naming the pattern', () => {
    expect(() => createScanParser({ patterns: [{ name: 'po', pattern: '([' }] })).toThrow(/scan pattern po: Invalid regular expression/);
    expect(() => createScanParser({ patterns: [{ name: 'gs1', pattern: 'x' }] })).toThrow(/reserved/);
    expect(() => createScanParser({ patterns: [{ name: '', pattern: 'x' }] })).toThrow(/scan pattern 0: name ""/);
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(new RegExp(`^(\\]C1|\\]d2|\\(01\\))?[0-9${GS}()A-Z]{0,60}$`))), (s) => {
        const r = parse(s, NOW);
        expect(r.ok === (r.codeType !== 'invalid')).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});

// ---- cross-check with gs1-barcode-parser-mod (code we did not write) on random valid element strings ----
const digits = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n });
const xchars = (max: number) => fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-./'), minLength: 1, maxLength: max });
const date = fc.tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 })).map(([y, m, d]) =>
  [y, m, d].map((n) => String(n).padStart(2, '0')).join(''),
);
const elementArb: fc.Arbitrary<[string, string]> = fc.oneof(
  digits(17).map((b) => ['00', withCheckDigit(b)] as [string, string]),
  digits(13).map((b) => ['01', withCheckDigit(b)] as [string, string]),
  digits(13).map((b) => ['02', withCheckDigit(b)] as [string, string]),
  xchars(20).map((v) => ['10', v] as [string, string]),
  date.map((v) => ['17', v] as [string, string]),
  date.map((v) => ['11', v] as [string, string]),
  xchars(20).map((v) => ['21', v] as [string, string]),
  fc.integer({ min: 0, max: 99999999 }).map((n) => ['37', String(n)] as [string, string]),
  digits(6).map((v) => ['3103', v] as [string, string]),
  xchars(30).map((v) => ['400', v] as [string, string]),
  digits(12).map((b) => ['410', withCheckDigit(b)] as [string, string]),
);

const lenient = createScanParser({ gs1Requisites: 'ignore' });

describe('cross-check against gs1-barcode-parser-mod', () => {
  it('both parsers read the same AIs and values from random valid GS1-128 codes', () => {
    fc.assert(
      fc.property(fc.uniqueArray(elementArb, { minLength: 1, maxLength: 6, selector: (e) => e[0] }), (els) => {
        const body = els.map(([ai, v]) => ai + v + (AIS.get(ai)!.fixed === undefined ? GS : '')).join('');
        const code = ']C1' + (body.endsWith(GS) ? body.slice(0, -1) : body);
        const ais = new Set(els.map(([ai]) => ai));
        fc.pre(!(ais.has('01') && (ais.has('02') || ais.has('37')))); // GS1 invalid pairs: tested against bwip-js below
        const ours = lenient(code, Date.now());
        expect(ours.ok, ours.reason).toBe(true);
        const theirs = parseBarcode(code);
        expect(theirs.parsedCodeItems.map((i) => [i.ai, i.raw])).toEqual(els);
        expect(ours.gs1!.elements.map((e) => [e.ai, e.value])).toEqual(els);
        for (const item of theirs.parsedCodeItems) {
          if (item.isoDate) expect(ours.gs1!.elements.find((e) => e.ai === item.ai)!.iso).toBe(item.isoDate);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('catches the wrong check digits that gs1-barcode-parser-mod accepts', () => {
    const code = ']C10109506000134353';
    expect(parseBarcode(code).parsedCodeItems[0]!.raw).toBe('09506000134353');
    expect(parse(code, NOW).ok).toBe(false);
  });
});
