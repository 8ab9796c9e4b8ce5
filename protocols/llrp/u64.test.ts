// protocols/llrp — u64 fields (timestamps, Uptime) are exact: values at and beyond 2^53 decode to the integer the
// reader sent (a bigint where a double cannot hold it) and re-encode to the same bytes. The vectors are the LTK's
// large-value cases (2^53 - 1, 2^53 + 1, 2^63, 2^64 - 1), encoded by llrpjs (a codec we did not write).
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, type LlrpObject } from './codec.js';
import { llrpjs } from './llrpjs.test-helper.js';
import { decodeTagReports, type TagReport } from './report.js';
import { encodeRoAccessReport } from './report-encode.js';

const LARGE = [2n ** 53n - 1n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n, 0x0123456789abcdefn];
/** What we expect back: a number while a double holds it exactly, a bigint beyond. */
const exact = (v: bigint): number | bigint => (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);

function llrpjsBytes(id: number, type: string, data: Record<string, unknown>): Uint8Array {
  return new Uint8Array(new llrpjs.LLRPMessage({ id, type, data }).encode().getBuffer());
}

describe('u64 fields, generic codec', () => {
  for (const v of LARGE) {
    it(`Uptime ${v} decodes exactly and re-encodes to llrpjs's bytes`, () => {
      const bytes = llrpjsBytes(7, 'READER_EVENT_NOTIFICATION', {
        ReaderEventNotificationData: { Uptime: { Microseconds: v }, ConnectionAttemptEvent: { Status: 'Success' } },
      });
      const r = decodeMessage(bytes);
      if (!r.ok) throw r.error;
      const m = r.value;
      const ts = (m.body.ReaderEventNotificationData as LlrpObject).Timestamp as LlrpObject;
      expect(ts.param).toBe('Uptime');
      expect(ts.Microseconds).toBe(exact(v));
      expect(Buffer.from(encodeMessage(m.name, m.id, m.body))).toEqual(Buffer.from(bytes));
    });
  }

  it('encodes a bigint u64 that llrpjs reads back exactly', () => {
    const v = 2n ** 64n - 2n;
    const ours = encodeMessage('READER_EVENT_NOTIFICATION', 8, {
      ReaderEventNotificationData: { Timestamp: { param: 'Uptime', Microseconds: v }, ConnectionAttemptEvent: { Status: 0 } },
    });
    const back = new llrpjs.LLRPMessage(Buffer.from(ours)).decode().toLLRPData();
    const data = back.data.ReaderEventNotificationData as { Uptime: { Microseconds: bigint } };
    expect(data.Uptime.Microseconds).toBe(v);
  });

  it('refuses a u64 out of range, naming the field', () => {
    const body = { ReaderEventNotificationData: { Timestamp: { param: 'Uptime', Microseconds: 2n ** 64n }, ConnectionAttemptEvent: { Status: 0 } } };
    expect(() => encodeMessage('READER_EVENT_NOTIFICATION', 1, body as never)).toThrow(/Microseconds/);
    const unsafe = { ReaderEventNotificationData: { Timestamp: { param: 'Uptime', Microseconds: 2 ** 60 }, ConnectionAttemptEvent: { Status: 0 } } };
    expect(() => encodeMessage('READER_EVENT_NOTIFICATION', 1, unsafe as never)).toThrow(/Microseconds/);
  });
});

describe('u64 fields, RO_ACCESS_REPORT hot path', () => {
  it("decodes the four seen-timestamps exactly from llrpjs's bytes and re-encodes them", () => {
    const [a, b, c, d] = [2n ** 53n + 1n, 2n ** 64n - 1n, 2n ** 63n, 1_700_000_000_123_456n];
    const bytes = llrpjsBytes(6, 'RO_ACCESS_REPORT', {
      TagReportData: [
        {
          EPC_96: { EPC: '3074257bf7194e4000001a85' },
          AntennaID: { AntennaID: 2 },
          FirstSeenTimestampUTC: { Microseconds: d },
          FirstSeenTimestampUptime: { Microseconds: a },
          LastSeenTimestampUTC: { Microseconds: c },
          LastSeenTimestampUptime: { Microseconds: b },
        },
      ],
    });
    const out: TagReport[] = [];
    expect(decodeTagReports(bytes, out, 'r', 0)).toBeUndefined();
    const t = out[0]!;
    expect(t.firstSeenUtc).toBe(exact(d));
    expect(t.firstSeenUptime).toBe(exact(a));
    expect(t.lastSeenUtc).toBe(exact(c));
    expect(t.lastSeenUptime).toBe(exact(b));
    expect(t.readerTs).toBe(1_700_000_000_123.456);
    const again = encodeRoAccessReport(6, [{ ...t, count: undefined }]); // TagSeenCount was not sent (count 1 = absent)
    expect(Buffer.from(again)).toEqual(Buffer.from(bytes));
    // and the generic decoder agrees
    const r = decodeMessage(bytes);
    if (!r.ok) throw r.error;
    const g = r.value.body.TagReportData as LlrpObject[];
    expect((g[0]!.LastSeenTimestampUptime as LlrpObject).Microseconds).toBe(exact(b));
  });
});
