// protocols/llrp — Impinj's Custom parameters in TagReportData (peak RSSI in 1/100 dBm, RF phase angle, Doppler):
// frames made by llrpjs (an LLRP library we did not write) with the values of sllurp's own Impinj report test, and
// the same bytes read by Wireshark's LLRP dissector (tshark).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeRoAccessReport } from './report-encode.js';
import { dopplerHz, IMPINJ_VENDOR_ID, ImpinjSubtype, phaseRadians } from './impinj.js';
import { llrpjs } from './llrpjs.test-helper.js';
import { decodeTagReports, type TagReport } from './report.js';

const hex16 = (v: number) => (v & 0xffff).toString(16).padStart(4, '0');
const custom = (sub: number, v: number) => ({ VendorIdentifier: IMPINJ_VENDOR_ID, ParameterSubtype: sub, Data: hex16(v) });

/** sllurp's test_impinj report: ImpinjPeakRSSI -4712, ImpinjRFPhaseAngle 2048, ImpinjRFDopplerFrequency 160; PeakRSSI -50. */
function frame(customs: object[]): Uint8Array {
  const msg = new llrpjs.LLRPMessage({
    id: 7,
    type: 'RO_ACCESS_REPORT',
    data: {
      TagReportData: [{
        EPC_96: { EPC: '111111111111111111111111' },
        AntennaID: { AntennaID: 2 },
        PeakRSSI: { PeakRSSI: -50 },
        TagSeenCount: { TagCount: 3 },
        Custom: customs,
      }],
    },
  });
  return new Uint8Array(msg.encode().getBuffer());
}

const dir = mkdtempSync(join(tmpdir(), 'llrp-impinj-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Impinj Custom parameters in tag reports', () => {
  const withImpinj = frame([custom(ImpinjSubtype.PeakRSSI, -4712), custom(ImpinjSubtype.RFPhaseAngle, 2048), custom(ImpinjSubtype.RFDopplerFrequency, 160), { VendorIdentifier: IMPINJ_VENDOR_ID, ParameterSubtype: 51, Data: '0000' }]);

  it('reads peak RSSI in 1/100 dBm over PeakRSSI, the phase angle and the Doppler shift', () => {
    const out: TagReport[] = [];
    expect(decodeTagReports(withImpinj, out, 'dock-1', 1)).toBeUndefined();
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ epc: '11'.repeat(12), antenna: 2, count: 3, rssi: -47.12, phase: Math.PI, doppler: 10 });
    expect(phaseRadians(4095)).toBeLessThan(2 * Math.PI);
    expect(dopplerHz(-16)).toBe(-1);
  });

  it('a Doppler frequency the encoder sends (the simulator as an Impinj reader) is the one decoded, to 1/16 Hz; the same bytes as the Custom parameter above', () => {
    const out: TagReport[] = [];
    expect(decodeTagReports(encodeRoAccessReport(1, [{ epc: '30'.repeat(12), antenna: 1, rssi: -60, doppler: -7.53 }, { epc: '31'.repeat(12), antenna: 2, rssi: -61 }]), out, 'dock-1', 1)).toBeUndefined();
    expect(out.map((r) => r.doppler)).toEqual([-7.5, NaN]); // round(-7.53 × 16) = -120 sixteenths
    const one = encodeRoAccessReport(1, [{ epc: '11'.repeat(12), doppler: 10 }]);
    const param = Array.from(one.slice(-14), (b) => b.toString(16).padStart(2, '0')).join('');
    expect(param).toBe(`03ff000e${IMPINJ_VENDOR_ID.toString(16).padStart(8, '0')}${ImpinjSubtype.RFDopplerFrequency.toString(16).padStart(8, '0')}00a0`);
  });

  it('leaves them NaN (and PeakRSSI as sent) without them, and skips another vendor\'s subtype 57', () => {
    const out: TagReport[] = [];
    expect(decodeTagReports(frame([{ VendorIdentifier: 161, ParameterSubtype: 57, Data: hex16(-4712) }]), out)).toBeUndefined();
    expect(out[0]).toMatchObject({ rssi: -50, phase: NaN, doppler: NaN });
  });

  it("are the values Wireshark's LLRP dissector reads from the same bytes", () => {
    const dump = Array.from(withImpinj, (b) => b.toString(16).padStart(2, '0')).join(' ');
    writeFileSync(join(dir, 'f.txt'), `0000 ${dump}\n`);
    execFileSync('text2pcap', ['-q', '-T', '40000,5084', join(dir, 'f.txt'), join(dir, 'f.pcap')], { stdio: 'ignore' });
    const fields = execFileSync('tshark', ['-r', join(dir, 'f.pcap'), '-d', 'tcp.port==5084,llrp', '-T', 'fields', '-E', 'separator=;',
      '-e', 'llrp.param.impinj_param_type', '-e', 'llrp.param.rssi', '-e', 'llrp.param.phase_angle'], { encoding: 'utf8' }).trim();
    const [types, rssi, phase] = fields.split(';');
    expect(types!.split(',').map(Number)).toEqual([57, 56, 68, 51]);
    expect(Number(rssi)).toBe(-4712);
    expect(Number(phase)).toBe(2048);
  });
});
