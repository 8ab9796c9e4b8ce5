// The put-away screen's scan classifier (hub/dashboard/client/scan.ts): what a keyboard-wedge scan is.
import { describe, expect, it } from 'vitest';
import { withCheckDigit } from '../../protocols/gs1/index.js';
import { classifyScan, scannedGtin } from './client/scan.js';
import { epc, TEST_GTIN } from '../status/test-support.js';

const NOW = Date.UTC(2026, 0, 1);
const LOCATIONS = new Set(['stock', 'A-01-3']);
const classify = (raw: string) => classifyScan(raw, LOCATIONS, NOW);

describe('classifyScan', () => {
  it('tells EPCs (any case), SSCC labels, GTIN + serial labels and location labels apart', () => {
    expect(classify(epc('7').toUpperCase())).toEqual({ kind: 'epc', epc: epc('7'), label: `EPC ${epc('7')}` });
    const sscc = withCheckDigit('00950600013400001');
    expect(classify(`(00)${sscc}`)).toMatchObject({ kind: 'sscc', sscc });
    expect(classify(`00${sscc}`)).toMatchObject({ kind: 'sscc', sscc });
    expect(classify(`(01)${TEST_GTIN}(21)42`)).toMatchObject({ kind: 'gtin-serial', gtin: TEST_GTIN, serial: '42' });
    expect(classify(`]d201${TEST_GTIN}21A42\x1d10LOT`)).toMatchObject({ kind: 'gtin-serial', gtin: TEST_GTIN, serial: 'A42' });
    expect(classify(' A-01-3 ')).toEqual({ kind: 'location', location: 'A-01-3', label: 'A-01-3' });
  });

  it('refuses what names no single unit or place, saying why', () => {
    expect(classify('4006381333931')).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('without a serial') });
    expect(classify(`(01)${TEST_GTIN}`)).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('without a serial') });
    expect(classify('(00)123456789012345678')).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('check digit') });
    expect(classify('B-99')).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('neither a unit') });
    expect(classify('   ')).toMatchObject({ kind: 'invalid', reason: 'empty scan' });
  });

  it('finds the GTIN a code names for the stock search: bare (padded to 14 digits) or on a GS1 label; nothing else', () => {
    expect(scannedGtin(TEST_GTIN, NOW)).toBe(TEST_GTIN);
    expect(scannedGtin('4006381333931', NOW)).toBe('04006381333931');
    expect(scannedGtin(`(01)${TEST_GTIN}(21)42`, NOW)).toBe(TEST_GTIN);
    expect(scannedGtin(`]d201${TEST_GTIN}21A42\x1d10LOT`, NOW)).toBe(TEST_GTIN);
    expect(scannedGtin('4006381333932', NOW)).toBeUndefined(); // wrong check digit
    expect(scannedGtin('PAL-1', NOW)).toBeUndefined();
    expect(scannedGtin(epc('7'), NOW)).toBeUndefined();
  });
});
