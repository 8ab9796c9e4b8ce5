// protocols/llrp — the generic codec: round trips of the messages a client and a reader exchange, unknown
// parameters kept raw, unknown TV types reported by type and offset, and mutated real frames that must never
// crash or hang the decoder.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMessage, decodeParameter, encodeMessage, encodeParameter, type LlrpObject } from './codec.js';
import { writeHeader } from './header.js';
import { decodeTagReports } from './report.js';
import { encodeRoAccessReport } from './report-encode.js';
import { llrpStatusOf } from './status.js';

const rospec: LlrpObject = {
  ROSpecID: 1,
  Priority: 0,
  CurrentState: 0,
  ROBoundarySpec: {
    ROSpecStartTrigger: { ROSpecStartTriggerType: 3, GPITriggerValue: { GPIPortNum: 1, GPIEvent: true, Timeout: 0 } },
    ROSpecStopTrigger: {
      ROSpecStopTriggerType: 2,
      DurationTriggerValue: 0,
      GPITriggerValue: { GPIPortNum: 1, GPIEvent: false, Timeout: 5000 },
    },
  },
  SpecParameter: [
    {
      param: 'AISpec',
      AntennaIDs: [1, 2],
      AISpecStopTrigger: { AISpecStopTriggerType: 0, DurationTrigger: 0 },
      InventoryParameterSpec: [{ InventoryParameterSpecID: 1, ProtocolID: 1, AntennaConfiguration: [], Custom: [] }],
      Custom: [],
    },
  ],
  ROReportSpec: {
    ROReportTrigger: 2,
    N: 1,
    TagReportContentSelector: {
      EnableROSpecID: false,
      EnableSpecIndex: false,
      EnableInventoryParameterSpecID: false,
      EnableAntennaID: true,
      EnableChannelIndex: false,
      EnablePeakRSSI: true,
      EnableFirstSeenTimestamp: true,
      EnableLastSeenTimestamp: true,
      EnableTagSeenCount: true,
      EnableAccessSpecID: false,
      AirProtocolEPCMemorySelector: [{ param: 'C1G2EPCMemorySelector', EnableCRC: false, EnablePCBits: true, EnableXPCBits: false }],
      Custom: [],
    },
    Custom: [],
  },
};

describe('generic codec', () => {
  it('round-trips an ADD_ROSPEC with GPI start/stop triggers', () => {
    const frame = encodeMessage('ADD_ROSPEC', 42, { ROSpec: rospec });
    const m = decodeMessage(frame);
    if (!m.ok) throw m.error;
    expect(m.value).toMatchObject({ name: 'ADD_ROSPEC', id: 42, version: 1, type: 20 });
    expect(m.value.body.ROSpec).toEqual(rospec);
  });

  it('round-trips a LLRP 1.1 header', () => {
    const m = decodeMessage(encodeMessage('KEEPALIVE_ACK', 7, {}, 2));
    expect(m.ok && m.value.version).toBe(2);
  });

  it('decodes an LLRPStatus with nested ParameterError and FieldError', () => {
    const frame = encodeMessage('SET_READER_CONFIG_RESPONSE', 5, {
      LLRPStatus: {
        StatusCode: 100,
        ErrorDescription: 'bad antenna config',
        ParameterError: {
          ParameterType: 222,
          ErrorCode: 200,
          ParameterError: { ParameterType: 224, ErrorCode: 201, FieldError: { FieldNum: 0, ErrorCode: 301 } },
        },
      },
    });
    const m = decodeMessage(frame);
    if (!m.ok) throw m.error;
    expect(llrpStatusOf(m.value.body)).toEqual({
      code: 100,
      codeName: 'M_ParameterError',
      description: 'bad antenna config',
      parameterPath: [222, 224],
      fieldNum: 0,
    });
  });

  it('keeps an unknown TLV raw and goes on', () => {
    const event = encodeParameter('ReaderEventNotificationData', {
      Timestamp: { param: 'UTCTimestamp', Microseconds: 1 },
      ConnectionAttemptEvent: { Status: 0 },
      Custom: [],
    });
    const unknown = Buffer.from('03e70008deadbeef', 'hex'); // type 999, length 8
    const nested = Buffer.concat([event, unknown]);
    nested.writeUInt16BE(nested.length, 2);
    const frame = new Uint8Array(10 + nested.length);
    frame.set(nested, 10);
    writeHeader(frame, 0, 1, 63, frame.length, 3);
    const m = decodeMessage(frame);
    if (!m.ok) throw m.error;
    const data = m.value.body.ReaderEventNotificationData as LlrpObject;
    expect(data.ConnectionAttemptEvent).toEqual({ Status: 0 });
    expect(data.unknown).toEqual([{ type: 999, tv: false, bytes: new Uint8Array(unknown) }]);
  });

  it('ends decoding at an unknown TV type, naming the type and offset', () => {
    const frame = Buffer.from(encodeRoAccessReport(1, [{ epc: '300833b2ddd9014000000001' }]));
    frame[14] = 0x80 | 77; // replace the EPC-96 type byte with TV type 77
    const m = decodeMessage(frame);
    expect(m.ok).toBe(false);
    if (m.ok) return;
    expect(m.error.code).toBe('unknown-tv');
    expect(m.error.message).toContain('type 77');
    expect(m.error.offset).toBe(14);
  });

  it('names the field that runs past its parameter', () => {
    const p = Buffer.from(encodeParameter('LLRPStatus', { StatusCode: 0, ErrorDescription: 'hello' }));
    p.writeUInt16BE(200, 6); // ErrorDescription claims 200 bytes
    const r = decodeParameter(p);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain('LLRPStatus.ErrorDescription');
  });

  it('refuses to encode a value that does not fit, naming the field', () => {
    expect(() => encodeMessage('DELETE_ROSPEC', 1, { ROSpecID: -1 })).toThrow(/DELETE_ROSPEC.ROSpecID/);
    expect(() => encodeMessage('ADD_ROSPEC', 1, {})).toThrow(/missing required ROSpec/);
  });

  it('never throws or hangs on mutated real frames and random bytes', () => {
    const dir = '/work/shared/fixtures/llrp/edgex';
    const seeds: Uint8Array[] = [
      ['GetReaderCapabilitiesResponse-000', 11],
      ['GetReaderConfigResponse-000', 12],
      ['ROAccessReport-001', 61],
      ['ReaderEventNotification-000', 63],
    ].map(([name, type]) => {
      const body = readFileSync(`${dir}/${name}.bytes`);
      const f = new Uint8Array(10 + body.length);
      f.set(body, 10);
      writeHeader(f, 0, 1, type as number, f.length, 1);
      return f;
    });
    seeds.push(encodeMessage('ADD_ROSPEC', 1, { ROSpec: rospec }));
    const mutated = fc
      .tuple(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.nat(),
      )
      .map(([seed, edits, cut]) => {
        const b = Buffer.from(seed);
        for (const [at, v] of edits) b[at % b.length] = v;
        const out = b.subarray(0, Math.max(10, b.length - (cut % 16)));
        out.writeUInt32BE(out.length, 2);
        return out;
      });
    const random = fc.uint8Array({ minLength: 10, maxLength: 300 }).map((b) => {
      const buf = Buffer.from(b);
      buf[0] = 0x04 | (buf[0]! & 3);
      buf.writeUInt32BE(buf.length, 2);
      return buf;
    });
    fc.assert(
      fc.property(fc.oneof(mutated, random), (frame) => {
        const m = decodeMessage(frame);
        if (!m.ok) expect(m.error.message.length).toBeGreaterThan(5);
        const type = ((frame[0]! & 3) << 8) | frame[1]!;
        if (type === 61) decodeTagReports(frame, []);
      }),
      { numRuns: 3000 },
    );
  });
});
