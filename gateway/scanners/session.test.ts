// gateway/scanners — scanner sessions: scan drafts with GS1 fields and qty, context codes with timeout, rejections.
import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { ScanEvent } from '../../protocols/events/index.js';
import { ScannerSession, type ScannerSessionOptions } from './session.js';
import { SerialFramer } from './framing.js';

const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);
const options: ScannerSessionOptions = {
  scanner: 'hand-3',
  door: 'dock-3',
  patterns: [
    { name: 'purchase_order', pattern: '^PO-(\\d+)$' },
    { name: 'mode', pattern: '^MODE:([A-Z]+)$' },
    { name: 'door_label', pattern: '^DOOR:([a-z0-9-]+)$' },
    { name: 'context_clear', pattern: '^CLEAR$' },
    { name: 'badge', pattern: '^EMP\\d{4}$' },
  ],
  context: [
    { codeType: 'purchase_order' },
    { codeType: 'mode' },
    { codeType: 'door_label', type: 'door', setsDoor: true },
    { codeType: 'context_clear', clears: true },
  ],
  contextTimeoutMs: 60_000,
};

function session() {
  const clock = { now: T0 };
  const s = new ScannerSession(options, () => clock.now);
  return { s, clock };
}

/** A draft stamped like the outbox would, to check it against the wire schema. */
const stamped = (d: object) => ({ id: '01890a5d-ac96-774b-bcce-b302099a8057', stream: 'stream-0001', seq: 1, ts: '2026-11-22T10:00:00.000Z', ...d });

describe('scanner session', () => {
  it('makes wire-valid scan drafts with GS1 fields and qty from AI 37', () => {
    const { s } = session();
    const out = s.scan({ raw: ']C100106141412345678908\x1d0210614141000002\x1d3726\x1d10LOT-9\x1d17270200', ts: T0 });
    expect(out.rejected).toBeUndefined();
    expect(out.draft).toEqual({
      kind: 'scan',
      scanner: 'hand-3',
      door: 'dock-3',
      raw: ']C100106141412345678908\x1d0210614141000002\x1d3726\x1d10LOT-9\x1d17270200',
      symbology: 'gs1-128',
      codeType: 'gs1',
      gtin: '10614141000002',
      sscc: '106141412345678908',
      batch: 'LOT-9',
      expiry: '2027-02-28',
      count: 26,
      qty: 26,
      ais: { '00': '106141412345678908', '02': '10614141000002', '37': '26', '10': 'LOT-9', '17': '270200' },
    });
    expect(Value.Check(ScanEvent, stamped(out.draft))).toBe(true);
    // a serial (21) belongs to a GTIN (01), not to the content GTIN (02) of a logistic unit: GS1 mandatory association
    expect(s.scan({ raw: ']C10210614141000002\x1d3726\x1d00106141412345678908\x1d21SN1', ts: T0 }).rejected).toBe('AI (21) SERIAL needs (01), (03) or (8006) in the same code (GS1 mandatory association)');
  });

  it('qty from AI 30, else 1; plain EAN → gtin; symbology from the transport', () => {
    const { s } = session();
    expect(s.scan({ raw: '0109506000134352\x1d3012', ts: T0, symbology: ']d2' }).draft).toMatchObject({ qty: 12, count: 12, symbology: 'gs1-datamatrix' });
    expect(s.scan({ raw: '4006141411114', ts: T0 }).draft).toMatchObject({ codeType: 'gtin', gtin: '04006141411114', qty: 1 });
    expect(s.scan({ raw: 'EMP0042', ts: T0 }).draft).toMatchObject({ codeType: 'badge', qty: 1 });
  });

  it('context codes change what following scans refer to, until timeout or the next context code', () => {
    const { s, clock } = session();
    const po = s.scan({ raw: 'PO-4711', ts: T0 }).draft;
    expect(po).toMatchObject({ codeType: 'purchase_order', context: [{ type: 'purchase_order', value: '4711', scannedAt: '2026-11-22T10:00:00.000Z' }] });
    clock.now += 30_000;
    expect(s.scan({ raw: '4006141411114', ts: clock.now }).draft.context).toEqual([{ type: 'purchase_order', value: '4711', scannedAt: '2026-11-22T10:00:00.000Z' }]);
    clock.now += 1000;
    s.scan({ raw: 'MODE:COUNT', ts: clock.now });
    s.scan({ raw: 'PO-4712', ts: clock.now });
    const item = s.scan({ raw: '4006141411114', ts: clock.now }).draft;
    expect(item.context!.map((c) => [c.type, c.value])).toEqual([
      ['mode', 'COUNT'],
      ['purchase_order', '4712'],
    ]);
    // a door label moves following scans to that door
    s.scan({ raw: 'DOOR:dock-9', ts: clock.now });
    expect(s.scan({ raw: '4006141411114', ts: clock.now }).draft.door).toBe('dock-9');
    // idle past the timeout: context and door label expire
    clock.now += 60_001;
    const late = s.scan({ raw: '4006141411114', ts: clock.now }).draft;
    expect(late.context).toBeUndefined();
    expect(late.door).toBe('dock-3');
    // a clear code ends context at once
    s.scan({ raw: 'PO-1', ts: clock.now });
    s.scan({ raw: 'CLEAR', ts: clock.now });
    expect(s.context()).toEqual([]);
  });

  it('rejects bad codes with the reason and still records the raw scan', () => {
    const { s } = session();
    s.scan({ raw: 'PO-4711', ts: T0 });
    const out = s.scan({ raw: ']C10109506000134353', ts: T0 });
    expect(out.rejected).toBe('AI (01) GTIN 09506000134353 has check digit 3, expected 2');
    expect(out.draft).toMatchObject({ codeType: 'invalid', raw: ']C10109506000134353', qty: 1, context: [{ value: '4711' }] });
    expect(out.draft.gtin).toBeUndefined();
    expect(Value.Check(ScanEvent, stamped(out.draft))).toBe(true);
    const bad = s.scan({ raw: 'DOOR:Dock 9', ts: T0 });
    expect(bad.rejected).toBeUndefined(); // not a door label by pattern: stays a plain unknown code
    expect(bad.draft.codeType).toBe('unknown');
  });

  it('refuses bad configuration naming the problem', () => {
    expect(() => new ScannerSession({ scanner: 'Hand 1' }, Date.now)).toThrow(/scanner id "Hand 1"/);
    expect(() => new ScannerSession({ scanner: 'h', door: 'D 1' }, Date.now)).toThrow(/door "D 1"/);
    expect(() => new ScannerSession({ scanner: 'h', context: [{ codeType: 'po' }] }, Date.now)).toThrow(/pattern "po", which is not configured/);
  });
});

describe('serial framing (pure)', () => {
  it('splits on CR, LF and CRLF, strips a prefix, keeps GS', () => {
    const f = new SerialFramer({ prefix: '\x02' });
    expect(f.push('\x02A\x1dB\r\nC\n').codes).toEqual(['A\x1dB', 'C']);
    expect(f.push('D').codes).toEqual([]);
    expect(f.push('\r').codes).toEqual(['D']);
  });

  it('drops garbage and overlong input with reasons and counts', () => {
    const f = new SerialFramer({ maxLength: 5 });
    const a = f.push(Uint8Array.from([0xc3, 0x28, 0x0d]));
    expect(a).toEqual({ codes: [], problems: ['garbage (2 bytes, hex c328): wrong baud rate or line noise?'] });
    const b = f.push('1234567890\rOK\r');
    expect(b).toEqual({ codes: ['OK'], problems: ['code longer than 5 bytes without a line ending dropped'] });
    expect(f.counts).toEqual({ codes: 1, garbage: 1, overlong: 1 });
    const g = new SerialFramer({ suffix: '\x03', maxLength: 3 });
    expect(g.push('ABCDEFGH').codes).toEqual([]);
    expect(g.push('\x03XY\x03').codes).toEqual(['XY']);
    expect(g.counts.overlong).toBe(1);
  });

  it('timeout framing needs a timeout', () => {
    expect(() => new SerialFramer({ suffix: '' })).toThrow(/interByteTimeoutMs is required/);
    const f = new SerialFramer({ suffix: '', interByteTimeoutMs: 50 });
    expect(f.push('ABC').codes).toEqual([]);
    expect(f.flush().codes).toEqual(['ABC']);
    expect(f.flush().codes).toEqual([]);
  });
});
