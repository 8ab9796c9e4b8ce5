// protocols/hid — keyboard-wedge (US, DE) and HID POS report decoding with constructed and recorded report bytes.
import { describe, expect, it } from 'vitest';
import { KeyboardDecoder, keyboardReports, PosDecoder, posReports } from './index.js';

const rep = (mods: number, ...keys: number[]) => Uint8Array.from([mods, 0, ...keys, ...new Array(6 - keys.length).fill(0)]);
const UP = rep(0);
function feed(d: KeyboardDecoder, reports: Uint8Array[]) {
  const codes: string[] = [];
  const problems: string[] = [];
  for (const r of reports) {
    const o = d.push(r);
    codes.push(...o.codes);
    problems.push(...o.problems);
  }
  return { codes, problems };
}

describe('boot keyboard reports', () => {
  it('US: usage ids + shift → characters, Enter ends the code', () => {
    // "Ab1!" + Enter as a scanner types it: press/release pairs, shift on the modifier byte
    const reports = [rep(0x02, 0x04), UP, rep(0, 0x05), UP, rep(0, 0x1e), UP, rep(0x20, 0x1e), UP, rep(0, 0x28), UP];
    expect(feed(new KeyboardDecoder({ layout: 'us' }), reports)).toEqual({ codes: ['Ab1!'], problems: [] });
  });

  it('DE: the same usage ids give QWERTZ characters (y/z swapped, shifted digits differ)', () => {
    const reports = [rep(0, 0x1c), UP, rep(0, 0x1d), UP, rep(0x02, 0x1f), UP, rep(0x02, 0x24), UP, rep(0, 0x38), UP, rep(0x40, 0x14), UP, rep(0, 0x28)];
    expect(feed(new KeyboardDecoder({ layout: 'de' }), reports).codes).toEqual(['zy"/-@']);
    expect(feed(new KeyboardDecoder({ layout: 'us' }), reports).codes).toEqual(['yz@&/']);
  });

  it('round-trips GS1 text with FNC1 (Ctrl+]) on both layouts', () => {
    const text = '0109506000134352\x1d10ABC-12/x';
    for (const layout of ['us', 'de'] as const) {
      expect(feed(new KeyboardDecoder({ layout }), keyboardReports(text, layout))).toEqual({ codes: [text], problems: [] });
    }
  });

  it('types Alt + keypad 0 2 9 as GS', () => {
    const alt = 0x04;
    const reports = [rep(0, 0x1e), UP, rep(alt), rep(alt, 0x62), rep(alt), rep(alt, 0x5a), rep(alt), rep(alt, 0x61), rep(alt), UP, rep(0, 0x1f), UP, rep(0, 0x58), UP];
    expect(feed(new KeyboardDecoder(), reports).codes).toEqual(['1\x1d2']);
  });

  it('decodes rolled-over keys (next key pressed before the last released) and repeated characters', () => {
    const reports = [rep(0, 0x04), rep(0, 0x04, 0x05), rep(0, 0x05), UP, rep(0, 0x05), UP, rep(0, 0x28), UP];
    expect(feed(new KeyboardDecoder(), reports).codes).toEqual(['abb']);
  });

  it('accepts 9-byte reports with a report id', () => {
    const reports = keyboardReports('42').map((r) => Uint8Array.from([0x01, ...r]));
    expect(feed(new KeyboardDecoder(), reports).codes).toEqual(['42']);
  });

  it('answers malformed reports with reasons and keeps decoding', () => {
    const d = new KeyboardDecoder({ maxLength: 4 });
    const out = feed(d, [
      Uint8Array.from([0, 0]),
      rep(0, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01), // ErrorRollOver: ignored
      rep(0, 0x3a), // F1
      UP,
      ...keyboardReports('abcdef'), // too long
      ...keyboardReports('ok'),
    ]);
    expect(out.codes).toEqual(['ok']);
    expect(out.problems).toEqual([
      'keyboard report of 2 bytes, expected 8 (or 9 with a report id)',
      'usage 0x3a has no character in this layout',
      'code longer than 4 characters without Enter dropped',
    ]);
  });

  it('refuses an unknown layout', () => {
    expect(() => new KeyboardDecoder({ layout: 'fr' as 'us' })).toThrow(/keyboard layout "fr" is not one of us, de/);
  });
});

describe('HID POS reports (usage page 0x8C)', () => {
  // Recorded from a Honeywell Voyager 1602g in HID POS mode answering REVINF (github.com/HenkVanAsselt/python_hon_usbhid README).
  const recorded = [
    [2, 56, 93, 88, 48, 80, 114, 111, 100, 117, 99, 116, 32, 78, 97, 109, 101, 58, 32, 86, 111, 121, 97, 103, 101, 114, 32, 49, 54, 48, 50, 103, 13, 10, 66, 111, 111, 116, 32, 82, 101, 118, 105, 115, 105, 111, 110, 58, 32, 58, 32, 56, 57, 57, 50, 13, 10, 83, 111, 102, 116, 63, 0, 1],
    [2, 56, 93, 88, 48, 119, 97, 114, 101, 32, 80, 97, 114, 116, 32, 78, 117, 109, 98, 101, 114, 58, 32, 67, 87, 48, 48, 48, 48, 56, 50, 66, 66, 65, 13, 10, 83, 111, 102, 116, 119, 97, 114, 101, 32, 82, 101, 118, 105, 115, 105, 111, 110, 58, 32, 36, 80, 114, 111, 106, 101, 63, 0, 1],
    [2, 56, 93, 88, 48, 99, 116, 82, 101, 118, 105, 115, 105, 111, 110, 58, 32, 49, 54, 51, 52, 53, 32, 13, 10, 83, 101, 114, 105, 97, 108, 32, 78, 117, 109, 98, 101, 114, 58, 32, 49, 53, 50, 51, 50, 66, 49, 70, 48, 67, 13, 10, 83, 117, 112, 112, 111, 114, 116, 101, 100, 63, 0, 1],
    [2, 56, 93, 88, 48, 32, 73, 70, 58, 32, 66, 108, 117, 101, 116, 111, 111, 116, 104, 13, 10, 80, 67, 66, 32, 65, 115, 115, 101, 109, 98, 108, 121, 32, 73, 68, 58, 32, 48, 48, 48, 48, 48, 48, 13, 10, 69, 110, 103, 105, 110, 101, 32, 70, 105, 114, 109, 119, 97, 114, 101, 63, 0, 1],
    [2, 56, 93, 88, 48, 32, 84, 121, 112, 101, 58, 32, 78, 47, 65, 32, 32, 32, 82, 101, 118, 105, 115, 105, 111, 110, 58, 32, 78, 47, 65, 32, 32, 32, 83, 101, 114, 105, 97, 108, 32, 78, 117, 109, 98, 101, 114, 58, 32, 78, 47, 65, 32, 32, 32, 67, 104, 101, 99, 107, 115, 63, 0, 1],
    [2, 9, 93, 88, 48, 117, 109, 58, 32, 78, 47, 65, 13, 10, ...new Array(47).fill(0), 63, 0, 0],
    [2, 8, 93, 90, 54, 82, 69, 86, 73, 78, 70, 6, 46, ...new Array(48).fill(0), 54, 0, 0],
  ].map((a) => Uint8Array.from(a));

  it('reassembles a recorded multi-report message and reads its AIM symbology', () => {
    const d = new PosDecoder();
    const outs = recorded.map((r) => d.push(r));
    expect(outs.slice(0, 5)).toEqual([{}, {}, {}, {}, {}]);
    const msg = outs[5]!.code!;
    expect(msg.symbology).toBe(']X0');
    expect(msg.data.startsWith('Product Name: Voyager 1602g\r\nBoot Revision: : 8992\r\nSoftware Part Number: CW000082BBA')).toBe(true);
    expect(msg.data.endsWith('Checksum: N/A\r\n')).toBe(true);
    expect(msg.data.length).toBe(5 * 56 + 9);
    expect(outs[6]).toEqual({ code: { data: 'REVINF\x06.', symbology: ']Z6' } });
  });

  it('decodes constructed scans, long ones across reports', () => {
    const d = new PosDecoder();
    const gs1 = '0109506000134352\x1d17261130\x1d10' + 'L'.repeat(60);
    const reports = posReports(gs1, ']d2');
    expect(reports.length).toBe(2);
    const outs = reports.map((r) => d.push(r));
    expect(outs[1]).toEqual({ code: { data: gs1, symbology: ']d2' } });
    expect(new PosDecoder().push(posReports('PO-4711', ']C0')[0]!)).toEqual({ code: { data: 'PO-4711', symbology: ']C0' } });
  });

  it('answers malformed reports with reasons and recovers', () => {
    const d = new PosDecoder();
    const bad = Uint8Array.from(posReports('x')[0]!);
    bad[1] = 60;
    expect(d.push(bad).problem).toBe('HID POS report says 60 data bytes, it holds at most 56');
    expect(d.push(Uint8Array.from([4, 1, 2])).problem).toMatch(/report id 0x4 ignored/);
    expect(d.push(Uint8Array.from([2, 1])).problem).toBe('HID POS report of 2 bytes is too short');
    expect(d.push(new Uint8Array(0)).problem).toBe('empty HID POS report');
    expect(d.push(posReports('ok')[0]!)).toEqual({ code: { data: 'ok', symbology: ']C0' } });
  });
});
