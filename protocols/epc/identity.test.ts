// protocols/epc — the 96-bit schemes beyond the first five (GDTI, GSRN, SGCN, CPI, GID) with the TDS's worked examples
// (Appendix E, as the EPC Tag Data Translation test suites reproduce them), and pure-identity URIs.
import { describe, expect, it } from 'vitest';
import { parseHri } from '../gs1/index.js';
import { decodeEpc, encodeTagUri, parsePureIdentityUri } from './index.js';

const NOW = Date.UTC(2026, 10, 22);

/** [binary, tag URI, pure-identity URI, element string] */
const TDS_VECTORS = [
  ['2C74257BF460720000000190', 'urn:epc:tag:gdti-96:3.0614141.12345.400', 'urn:epc:id:gdti:0614141.12345.400', '(253)0614141123452400'],
  ['2D74257BF4499602D2000000', 'urn:epc:tag:gsrn-96:3.0614141.1234567890', 'urn:epc:id:gsrn:0614141.1234567890', '(8018)061414112345678902'],
  ['3F74F4E4E612640000019907', 'urn:epc:tag:sgcn-96:3.4012345.67890.04711', 'urn:epc:id:sgcn:4012345.67890.04711', '(255)401234567890104711'],
  ['3C74257BF400C0E680003039', 'urn:epc:tag:cpi-96:3.0614141.98765.12345', 'urn:epc:id:cpi:0614141.98765.12345', '(8010)061414198765(8011)12345'],
  ['350007AB70425D4000000586', 'urn:epc:tag:gid-96:31415.271828.1414', 'urn:epc:id:gid:31415.271828.1414', undefined],
] as const;

describe('GDTI-96, GSRN-96, SGCN-96, CPI-96, GID-96 (TDS worked examples)', () => {
  for (const [hex, tagUri, pureUri, elementString] of TDS_VECTORS) {
    it(`decodes and encodes ${tagUri}`, () => {
      const d = decodeEpc(hex);
      if (!d.ok) throw new Error(d.reason);
      expect(d).toMatchObject({ tagUri, pureIdentityUri: pureUri });
      expect(d.elementString).toBe(elementString);
      const e = encodeTagUri(tagUri);
      expect(e.ok && e.hex).toBe(hex.toLowerCase());
      // the element string is a valid GS1 code to our barcode parser too (check digits, AI pair rules)
      if (elementString) expect(parseHri(elementString, NOW).ok).toBe(true);
    });
  }

  it('names the GS1 key of each', () => {
    expect(decodeEpc('2C74257BF460720000000190')).toMatchObject({ identity: 'gdti', gdti: '0614141123452400', serial: '400' });
    expect(decodeEpc('2D74257BF4499602D2000000')).toMatchObject({ identity: 'gsrn', gsrn: '061414112345678902' });
    expect(decodeEpc('2E74257BF4499602D2000000')).toMatchObject({ identity: 'gsrnp', gsrn: '061414112345678902', elementString: '(8017)061414112345678902' });
    expect(decodeEpc('3F74F4E4E612640000019907')).toMatchObject({ identity: 'sgcn', gcn: '401234567890104711', serial: '04711' });
    expect(decodeEpc('3C74257BF400C0E680003039')).toMatchObject({ identity: 'cpi', cpid: '061414198765', serial: '12345' });
    expect(decodeEpc('350007AB70425D4000000586')).toMatchObject({ identity: 'gid', companyPrefix: '31415', reference: '271828', serial: '1414', filter: 0 });
  });

  it('refuses malformed ones with a reason', () => {
    expect(decodeEpc('3F74F4E4E612640000000000')).toMatchObject({ ok: false, reason: expect.stringMatching(/sgcn-96 serial field 0 is not "1" followed by/) });
    expect(decodeEpc('2D74257BF4499602D2000001')).toMatchObject({ ok: false, reason: expect.stringMatching(/gsrn-96 reserved bits are not zero/) });
    expect(encodeTagUri('urn:epc:tag:cpi-96:3.0614141.123456789.1')).toMatchObject({ ok: false, reason: expect.stringMatching(/part reference 123456789 is longer than 8 digits/) });
    expect(encodeTagUri('urn:epc:tag:sgcn-96:3.4012345.67890.0123456789012')).toMatchObject({ ok: false, reason: expect.stringMatching(/serial "0123456789012" is not at most 12 digits/) });
    expect(encodeTagUri('urn:epc:tag:gid-96:268435456.1.1')).toMatchObject({ ok: false, reason: expect.stringMatching(/general manager number 268435456 does not fit 28 bits/) });
  });
});

describe('pure-identity URIs (urn:epc:id:…)', () => {
  it('reads every identity to its GS1 key and element string, as the tag URI does', () => {
    const sgtin = parsePureIdentityUri('urn:epc:id:sgtin:0614141.812345.6789');
    expect(sgtin).toMatchObject({ ok: true, identity: { identity: 'sgtin', gtin: '80614141123458', serial: '6789' } });
    expect(sgtin.ok && sgtin.identity).not.toHaveProperty('tagUri');
    expect(parsePureIdentityUri('urn:epc:id:sscc:0614141.1234567890')).toMatchObject({ identity: { sscc: '106141412345678908', elementString: '(00)106141412345678908' } });
    expect(parsePureIdentityUri('urn:epc:id:sgln:0614141.12345.5678')).toMatchObject({ identity: { gln: '0614141123452', extension: '5678' } });
    expect(parsePureIdentityUri('urn:epc:id:giai:0614141.32a%2Fb')).toMatchObject({ identity: { giai: '061414132a/b' } });
    for (const [, , pureUri, elementString] of TDS_VECTORS) {
      const r = parsePureIdentityUri(pureUri);
      expect(r.ok && r.identity.pureIdentityUri).toBe(pureUri);
      expect(r.ok && r.identity.elementString).toBe(elementString);
    }
  });

  it('takes the longer scheme when the 96-bit one cannot carry the identity', () => {
    // serial with a leading zero / letters: SGTIN-198 and GRAI-170, not the 96-bit integer serial
    expect(parsePureIdentityUri('urn:epc:id:sgtin:0614141.812345.0123')).toMatchObject({ ok: true, identity: { serial: '0123', elementString: '(01)80614141123458(21)0123' } });
    expect(parsePureIdentityUri('urn:epc:id:grai:0614141.12345.A1')).toMatchObject({ ok: true, identity: { grai: '00614141123452A1' } });
  });

  it('refuses what is not a pure identity, naming the part', () => {
    expect(parsePureIdentityUri('urn:epc:tag:sgtin-96:3.0614141.812345.6789')).toMatchObject({ ok: false, reason: expect.stringMatching(/is not an EPC pure-identity URI/) });
    expect(parsePureIdentityUri('urn:epc:id:usdod:ABC.1')).toMatchObject({ ok: false, reason: 'pure-identity scheme usdod is not supported' });
    expect(parsePureIdentityUri('urn:epc:id:sgtin:0614141.81234.6789')).toMatchObject({ ok: false, reason: expect.stringMatching(/reference "81234" must be 6 digits/) });
    expect(parsePureIdentityUri('urn:epc:id:sgtin:0614141.812345.' + 'x'.repeat(21))).toMatchObject({ ok: false, reason: expect.stringMatching(/sgtin-198: serial .* longer than 20/) });
  });
});
