// protocols/llrp — Zebra's MotoTagPhase in TagReportData (vendor 161, subtype 709). Frames are made by llrpjs (an LLRP
// library we did not write), with phase words taken from other implementations: 0x4000, which a Zebra-capable sllurp
// fork's test decodes to 90°; 0xa0d4 (−24364), a word an FX9600 sent in a capture recorded by the LlrpNet project;
// 0x8000, −π in Zebra's Interface Control Guide. Wireshark's LLRP dissector does not know vendor 161: it checks the
// framing only (vendor, length, and the subtype + value bytes we read the phase from).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { llrpjs } from './llrpjs.test-helper.js';
import { decodeTagReports, type TagReport } from './report.js';
import { ZEBRA_VENDOR_ID, ZebraSubtype, zebraPhaseRadians, zebraReportSelectorData } from './zebra.js';

const moto = (sub: number, data: string) => ({ VendorIdentifier: ZEBRA_VENDOR_ID, ParameterSubtype: sub, Data: data });

function frame(tags: { epc: string; customs: object[] }[]): Uint8Array {
  const msg = new llrpjs.LLRPMessage({
    id: 9,
    type: 'RO_ACCESS_REPORT',
    data: {
      TagReportData: tags.map((t, i) => ({
        EPC_96: { EPC: t.epc },
        AntennaID: { AntennaID: i + 1 },
        PeakRSSI: { PeakRSSI: -55 },
        ...(t.customs.length ? { Custom: t.customs } : {}),
      })),
    },
  });
  return new Uint8Array(msg.encode().getBuffer());
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const deg = (rad: number) => (rad * 180) / Math.PI;

const dir = mkdtempSync(join(tmpdir(), 'llrp-zebra-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tshark(bytes: Uint8Array, fields: string[]): string[] {
  writeFileSync(join(dir, 'f.txt'), `0000 ${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ')}\n`);
  execFileSync('text2pcap', ['-q', '-T', '40000,5084', join(dir, 'f.txt'), join(dir, 'f.pcap')], { stdio: 'ignore' });
  const out = execFileSync('tshark', ['-r', join(dir, 'f.pcap'), '-d', 'tcp.port==5084,llrp', '-T', 'fields', '-E', 'separator=;', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8' });
  return out.trim().split(';');
}

describe("Zebra's MotoTagPhase in tag reports", () => {
  const words = ['4000', 'a0d4', '8000', '0000'];
  const reports = frame(words.map((w, i) => ({ epc: `${i}`.repeat(24), customs: [moto(ZebraSubtype.TagPhase, w)] })));

  it('reads the phase word of each tag as radians over one turn: 0x4000 is 90°, 0xa0d4 −133.83° (226.17°), 0x8000 ±π', () => {
    const out: TagReport[] = [];
    expect(decodeTagReports(reports, out, 'dock-2', 5)).toBeUndefined();
    expect(out.map((r) => r.epc)).toEqual(words.map((_, i) => `${i}`.repeat(24)));
    expect(deg(out[0]!.phase)).toBeCloseTo(90, 10);
    expect(deg(out[1]!.phase)).toBeCloseTo(360 + (-24364 * 180) / 32768, 10);
    expect(out[2]!.phase).toBeCloseTo(Math.PI, 12);
    expect(out[3]!.phase).toBe(0);
    expect(out.map((r) => [r.antenna, r.rssi, r.doppler])).toEqual(words.map((_, i) => [i + 1, -55, NaN]));
    for (const r of out) expect(r.phase).toBeGreaterThanOrEqual(0);
    for (const r of out) expect(r.phase).toBeLessThan(2 * Math.PI);
    expect(deg(zebraPhaseRadians(0x7fff))).toBeCloseTo(180 - 180 / 32768, 10);
  });

  it("Wireshark's LLRP dissector frames the same bytes as vendor 161 Custom parameters of 14 bytes holding subtype 709 and the word", () => {
    const [vendors, data, lengths] = tshark(reports, ['llrp.param.vendor_id', 'llrp.param.vendor_unknown', 'llrp.tlv_len']);
    expect(vendors!.split(',').map(Number)).toEqual(words.map(() => 161));
    expect(data!.split(',')).toEqual(words.map((w) => `${ZebraSubtype.TagPhase.toString(16).padStart(8, '0')}${w}`));
    // each TagReportData (EPC-96 13, AntennaID 3, PeakRSSI 2, header 4) + its 14-byte Custom
    expect(lengths!.split(',').map(Number)).toEqual(words.flatMap(() => [36, 14]));
  });

  it("skips Zebra's other subtypes (tag event list, extended PC, a subtype it does not know) and leaves the phase NaN", () => {
    const out: TagReport[] = [];
    const f = frame([{ epc: 'ab'.repeat(12), customs: [moto(123, '0000'), moto(450, 'e2010001'), moto(57, 'ee98')] }]);
    expect(decodeTagReports(f, out)).toBeUndefined();
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ epc: 'ab'.repeat(12), rssi: -55, phase: NaN });
  });

  it('refuses a MotoTagPhase of the wrong length, naming it, and keeps the tags before it', () => {
    for (const data of ['a0', 'a0d4ff']) {
      const out: TagReport[] = [];
      const f = frame([{ epc: 'cd'.repeat(12), customs: [moto(ZebraSubtype.TagPhase, '4000')] }, { epc: 'ef'.repeat(12), customs: [moto(ZebraSubtype.TagPhase, data)] }]);
      const err = decodeTagReports(f, out);
      expect(err?.code).toBe('bad-length');
      expect(err?.message).toContain(`Zebra MotoTagPhase (Custom 161/709) has length ${12 + data.length / 2}, not 14`);
      expect(out.map((r) => [r.epc, deg(r.phase)])).toEqual([['cd'.repeat(12), 90]]);
    }
  });

  it('asks for the phase with EnablePhase, the fourth flag of the selector word (zone id, zone name, physical port, phase, …)', () => {
    expect(hex(zebraReportSelectorData())).toBe('10000000');
  });
});
