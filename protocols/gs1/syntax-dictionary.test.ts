// protocols/gs1 — the AI table comes from GS1's Barcode Syntax Dictionary; pair rules cross-checked with bwip-js (BWIPP,
// whose author co-wrote the dictionary: code we did not write).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import bwipjs from 'bwip-js';
import { AIS, createScanParser, parseHri, withCheckDigit } from './index.js';
import { LINTERS_APPLIED, LINTERS_NOT_APPLIED } from './linters.js';
import { SYNTAX_DICTIONARY_ENTRIES, SYNTAX_DICTIONARY_RELEASE } from './syntax-dictionary/entries.js';
import { parseEntry } from './syntax-dictionary/parse.js';
import { renderEntriesModule } from './syntax-dictionary/render.js';

const NOW = Date.UTC(2026, 10, 22, 10, 0, 0);
const dir = new URL('./syntax-dictionary/', import.meta.url);

describe('GS1 Barcode Syntax Dictionary', () => {
  it('entries.ts is what the import script makes from the vendored dictionary text', () => {
    const text = readFileSync(new URL('gs1-syntax-dictionary.txt', dir), 'utf8');
    expect(readFileSync(new URL('entries.ts', dir), 'utf8')).toBe(renderEntriesModule(text));
    expect(SYNTAX_DICTIONARY_RELEASE).toBe('2026-01-27');
  });

  it('reads every entry: ranges, flags, components, pair rules, Digital Link keys', () => {
    expect(AIS.size).toBeGreaterThan(500);
    expect(AIS.get('01')).toMatchObject({ fixed: 14, predefinedLength: true, kind: 'key', ex: ['255', '37'], dlPrimaryKey: [['22', '10', '21'], ['235']] });
    expect(AIS.get('8003')!.fixed).toBeUndefined();
    expect(AIS.get('8003')).toMatchObject({ max: 30, components: [{ cset: 'N', min: 1, max: 1, linters: ['zero'] }, { cset: 'N', max: 13, linters: ['csum', 'gcppos1'] }, { cset: 'X', min: 1, max: 16, optional: true }] });
    expect(AIS.get('37')!.req).toEqual([[['00']], [['02'], ['8026']]]);
    expect(AIS.get('3925')).toMatchObject({ title: 'PRICE', dlDataAttribute: true });
    expect(AIS.get('8030')).toMatchObject({ title: 'DIGSIG', components: [{ cset: 'Z', max: 90 }] });
    expect(AIS.get('3103')).toMatchObject({ kind: 'measure', unit: 'KGM', fixed: 6 });
    expect(() => parseEntry('01 *? Q14', 7)).toThrow(/entry 7: no specification/);
    expect(() => parseEntry('01 *? N14 foo=1', 8)).toThrow(/entry 8: unknown attribute "foo=1"/);
  });

  it('applies or deliberately leaves out every linter the dictionary names', () => {
    const named = new Set(SYNTAX_DICTIONARY_ENTRIES.flatMap((l) => parseEntry(l).flatMap((s) => s.components.flatMap((c) => c.linters))));
    for (const l of named) expect(LINTERS_APPLIED.has(l) || LINTERS_NOT_APPLIED.has(l), `linter ${l}`).toBe(true);
  });
});

// ---- pair rules: ours against bwip-js's GS1 linter (lintreqs: mandatory associations too) on random AI sets ----
const gtin = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 13, maxLength: 13 }).map(withCheckDigit);
const POOL: Record<string, fc.Arbitrary<string>> = {
  '00': fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 17, maxLength: 17 }).map(withCheckDigit),
  '01': gtin,
  '02': gtin,
  '10': fc.constantFrom('LOT1', 'A-7'),
  '11': fc.constant('260101'),
  '17': fc.constant('271231'),
  '21': fc.constantFrom('S1', 'X-99'),
  '37': fc.constantFrom('1', '48'),
  '3103': fc.constant('001250'),
  '3302': fc.constant('012345'),
  '400': fc.constant('PO-4711'),
  '410': fc.constant(withCheckDigit('406141400001')),
  '422': fc.constant('276'),
  '8005': fc.constant('000995'),
  '8020': fc.constant('REF1'),
  '415': fc.constant(withCheckDigit('406141400002')),
};
const aiSet = fc.uniqueArray(fc.constantFrom(...Object.keys(POOL)), { minLength: 1, maxLength: 5 }).chain((ais) =>
  fc.tuple(...ais.map((ai) => POOL[ai]!.map((v) => [ai, v] as const))),
);

function bwippAccepts(hri: string): { ok: boolean; message: string } {
  try {
    bwipjs.toSVG({ bcid: 'gs1datamatrix', text: hri, lintreqs: true } as Parameters<typeof bwipjs.toSVG>[0]);
    return { ok: true, message: '' };
  } catch (e) {
    return { ok: false, message: String(e) };
  }
}

describe('AI pair rules', () => {
  it('refuse and accept the same AI combinations as bwip-js', () => {
    let refused = 0;
    fc.assert(
      fc.property(aiSet, (els) => {
        const hri = els.map(([ai, v]) => `(${ai})${v}`).join('');
        const ours = parseHri(hri, NOW);
        const theirs = bwippAccepts(hri);
        if (!ours.ok) refused++;
        expect(ours.ok, `${hri}: ours ${ours.ok ? 'ok' : ours.reason}; bwip-js ${theirs.message || 'ok'}`).toBe(theirs.ok);
      }),
      { numRuns: 300 },
    );
    expect(refused).toBeGreaterThan(50); // the sample really exercises the rules
  });

  it('name both AIs of an invalid pair, and what a lone AI needs', () => {
    const parse = createScanParser();
    expect(parse('(01)09506000134352(37)4', NOW).reason).toBe('AIs (01) GTIN and (37) COUNT must not appear together (GS1 invalid pair)');
    expect(parse('(3103)001250(3102)012500(01)09506000134352', NOW).reason).toBe('AIs (3103) NET WEIGHT (kg) and (3102) NET WEIGHT (kg) must not appear together (GS1 invalid pair)');
    expect(parse('(8020)REF1', NOW).reason).toBe('AI (8020) REF No. needs (415) in the same code (GS1 mandatory association)');
    expect(parse('(00)106141412345678908(02)10614141000002(37)26', NOW)).toMatchObject({ ok: true, gs1: { sscc: '106141412345678908', count: 26 } });
  });
});
