// gateway/llrp — cross-check of our encoder against Wireshark's LLRP dissector (code we did not write): every
// message the client sends (and the reader-side messages the simulator sends) goes through text2pcap and tshark,
// which must decode it with no malformed-packet or expert warnings and show the field values we meant.
import { execFileSync } from 'node:child_process';
import { connect, createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FrameSplitter, encodeMessage, encodeRoAccessReport } from '../../protocols/llrp/index.js';
import { silentLogger } from '../../protocols/logging/index.js';
import { startLlrpSimulator } from '../../scripts/sim/llrp-reader.js';
import { LlrpReaderClient } from './client.js';
import {
  buildAddRoSpec,
  buildFactoryReset,
  buildGpoWrite,
  buildSetReaderConfig,
  type LlrpReaderOptions,
  type ReaderCapabilities,
} from './reader-config.js';

const dir = mkdtempSync(join(tmpdir(), 'llrp-tshark-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base: LlrpReaderOptions = {
  id: 'dock-1',
  host: 'x',
  antennas: [{ id: 1, powerDbm: 27 }, { id: 2, powerDbm: 20 }, { id: 4 }],
  trigger: { kind: 'continuous' },
  keepaliveMs: 1500,
  missedKeepalives: 3,
  connectTimeoutMs: 1,
  requestTimeoutMs: 1,
  backoff: { initialMs: 1, maxMs: 2 },
};
const gpi: LlrpReaderOptions = {
  ...base,
  trigger: { kind: 'gpi', startPort: 3, startState: true, stopPort: 4, stopState: false, stopAfterMs: 7000 },
};
const caps: ReaderCapabilities = {
  manufacturer: 25882, model: 1, firmware: '', maxAntennas: 4, numGpis: 4, numGpos: 4, hopTableId: 1,
  powerLevels: Array.from({ length: 81 }, (_, i) => ({ index: i + 1, dbm: 10 + i * 0.25 })),
};

/** Each case: a frame, and lines the dissector must print for it. */
const cases: Array<{ what: string; frame: Uint8Array; expect: RegExp[] }> = [];
let id = 100;
function add(what: string, name: string, body: object, expectLines: RegExp[]): void {
  cases.push({ what, frame: encodeMessage(name, ++id, body as never), expect: expectLines });
}
add('capabilities request', 'GET_READER_CAPABILITIES', { RequestedData: 0 }, [/Type: Get Reader Capabilities \(1\)/, /Requested Capabilities: All \(0\)/]);
add('factory reset', buildFactoryReset().name, buildFactoryReset().body, [/Type: Set Reader Config \(3\)/, /Restore Factory Settings: Yes/]);
add('delete access specs', 'DELETE_ACCESSSPEC', { AccessSpecID: 0 }, [/Type: Delete AccessSpec \(41\)/, /Access Spec ID: All Access Specs \(0\)/]);
add('delete rospecs', 'DELETE_ROSPEC', { ROSpecID: 0 }, [/Type: Delete ROSpec \(21\)/, /ROSpec ID: All ROSpecs \(0\)/]);
{
  const b = buildSetReaderConfig(base, caps, new Set());
  add('reader config', b.name, b.body, [
    /Type: Set Reader Config \(3\)/,
    /Restore Factory Settings: No/,
    /Event type: GPI event \(1\)\n\s+1\.{3} \.{4} = Notification state: Yes/,
    /Event type: Antenna event \(8\)\n\s+1\.{3} \.{4} = Notification state: Yes/,
    /Antenna ID: 1\n\s+TLV Parameter: RF Transmitter[\s\S]*?Transmit power value: 69/,
    /Antenna ID: 2\n\s+TLV Parameter: RF Transmitter[\s\S]*?Transmit power value: 41/,
    // LLRP numbers channels from 1: every RFTransmitter carries a valid ChannelIndex
    /TLV Parameter: RF Transmitter\n(?:.*\n){0,4}?\s+Channel index: 1\n(?:.*\n){0,2}?\s+Transmit power value: 69/,
    /TLV Parameter: RF Transmitter\n(?:.*\n){0,4}?\s+Channel index: 1\n(?:.*\n){0,2}?\s+Transmit power value: 41/,
    /KeepAlive trigger type: Periodic \(1\)\n\s+Time interval: 1500/,
    /Hold events and reports upon reconnect: No/,
    /Enable peak RSSI: Yes/,
    /Enable first seen timestamp: Yes/,
  ]);
}
add('events and reports', 'ENABLE_EVENTS_AND_REPORTS', {}, [/Type: Enable Events And Reports \(64\)/]);
{
  const b = buildAddRoSpec(base, new Set());
  add('continuous ROSpec', b.name, b.body, [
    /Type: Add ROSpec \(20\)/,
    /ROSpec start trigger type: 0\n/,
    /ROSpec stop trigger type: 0\n/,
    /Antenna count: 3\n\s+Antenna ID: 1\n\s+Antenna ID: 2\n\s+Antenna ID: 4/,
    /Protocol ID: EPCGlobal Class 1 Gen 2 \(1\)/,
  ]);
}
{
  const b = buildAddRoSpec(gpi, new Set());
  add('GPI-triggered ROSpec', b.name, b.body, [
    /ROSpec start trigger type: 3\n[\s\S]*?TLV Parameter: GPI Trigger Value\n[\s\S]*?GPI Port Number: 3\n\s+1\.{3} \.{4} = GPI event: Yes\n\s+Timeout: 0\n/,
    /ROSpec stop trigger type: 2\n[\s\S]*?GPI Port Number: 4\n\s+0\.{3} \.{4} = GPI event: No\n\s+Timeout: 7000\n/,
  ]);
}
{
  const b = buildAddRoSpec({ ...base, inventory: { modeIndex: 1002, session: 2, tagPopulation: 64 } }, new Set());
  add('ROSpec with RF mode, session and tag population', b.name, b.body, [
    /TLV Parameter: Antenna Configuration\n[\s\S]*?Antenna ID: All Antenna \(0\)\n/,
    /TLV Parameter: C1G2 RF Control\n[\s\S]*?Mode index: 1002\n\s+Tari: 0/,
    /TLV Parameter: C1G2 Singulation Control\n[\s\S]*?Session: 2\n\s+Tag population: 64\n\s+Tag tran[sz]it time: 0/, // (Wireshark spells it tranzit)
  ]);
}
{
  const impinjCaps = { ...caps, manufacturer: 25882 };
  const c = buildSetReaderConfig(base, impinjCaps, new Set());
  // Impinj's ImpinjTagReportContentSelector asks for peak RSSI, phase and Doppler (subtypes as Wireshark names them)
  add('reader config for an Impinj reader', c.name, c.body, [
    /Impinj parameter subtype: Tag report content selector \(50\)/,
    /Impinj parameter subtype: Enable RF phase angle \(52\)\n\s+RF phase angle mode: Enabled \(1\)/,
    /Impinj parameter subtype: Enable peak RSSI \(53\)\n\s+Peak RSSI mode: Enabled \(1\)/,
    /Impinj parameter subtype: Enable RF doppler frequency \(67\)\n\s+RF doppler frequency mode: Enabled \(1\)/,
  ]);
  const m = buildAddRoSpec({ ...base, inventory: { session: 2, tagPopulation: 32, searchMode: 'single-target-with-tagfocus' } }, new Set(), impinjCaps);
  add('ROSpec with an Impinj search mode', m.name, m.body, [
    /TLV Parameter: C1G2 Singulation Control\n[\s\S]*?Session: 2\n/,
    /Impinj parameter subtype: Inventory search mode \(23\)\n\s+Inventory search mode: Single target with suppression \(3\)/,
  ]);
  const r = buildAddRoSpec(base, new Set(), impinjCaps);
  add('ROSpec for an Impinj reader', r.name, r.body, [
    /Impinj parameter subtype: Tag report content selector \(50\)/,
    /Impinj parameter subtype: Enable RF phase angle \(52\)\n\s+RF phase angle mode: Enabled \(1\)/,
    /Impinj parameter subtype: Enable peak RSSI \(53\)\n\s+Peak RSSI mode: Enabled \(1\)/,
    /Impinj parameter subtype: Enable RF doppler frequency \(67\)\n\s+RF doppler frequency mode: Enabled \(1\)/,
  ]);
}
{
  // Zebra's MotoTagReportContentSelector (vendor 161, subtype 708): Wireshark does not know vendor 161, so it shows
  // the subtype and the flag word raw — EnablePhase is the fourth flag (0x10000000)
  const zebraCaps = { ...caps, manufacturer: 161 };
  for (const b of [buildSetReaderConfig(base, zebraCaps, new Set()), buildAddRoSpec(base, new Set(), zebraCaps)]) {
    add(`${b.name} for a Zebra reader`, b.name, b.body, [/TLV Parameter: RO Report Spec\n[\s\S]*?TLV Parameter: Custom parameter\n[^\n]*\n\s+Length: 16\n\s+Vendor ID: Unknown \(161\)\n\s+Vendor Unknown: 000002c410000000\n/]);
  }
}
add('enable ROSpec', 'ENABLE_ROSPEC', { ROSpecID: 1 }, [/Type: Enable ROSpec \(24\)/, /ROSpec ID: 1/]);
add('start ROSpec', 'START_ROSPEC', { ROSpecID: 1 }, [/Type: Start ROSpec \(22\)/, /ROSpec ID: 1/]);
add('keepalive ack', 'KEEPALIVE_ACK', {}, [/Type: Keepalive Ack \(72\)/]);
{
  const b = buildGpoWrite(2, true);
  add('GPO write', b.name, b.body, [/Type: Set Reader Config \(3\)/, /GPO Port Number: 2\n\s+1\.{3} \.{4} = GPO data: Yes/]);
}
add('close', 'CLOSE_CONNECTION', {}, [/Type: Close Connection \(14\)/]);
// Reader side (simulator)
cases.push({
  what: 'tag report',
  frame: encodeRoAccessReport(++id, [
    { epc: '3074257bf7194e4000001a85', antenna: 3, rssi: -57, channel: 7, firstSeenUtc: 1_700_000_000_123_456, lastSeenUtc: 1_700_000_000_223_456, count: 4, pc: 0x3000 },
    { epc: 'e280116060000209', antenna: 1, rssi: -70 },
  ]),
  expect: [
    /Type: RO Access Report \(61\)/,
    /EPC: 3074257bf7194e4000001a85/,
    /Antenna ID: 3/,
    /Peak RSSI: 199/, // Wireshark prints PeakRSSI unsigned: 199 = -57 as a signed byte
    /Microseconds: 1700000000123456/,
    /Channel index: 7/,
    /PC bits: 0x3000/,
    /Bit field length \(bits\): 64\n\s+EPC: e280116060000209/,
    /Tag count: 4/,
    /EPC: e280116060000209/,
  ],
});
add('connection event', 'READER_EVENT_NOTIFICATION', {
  ReaderEventNotificationData: { Timestamp: { param: 'UTCTimestamp', Microseconds: 1_700_000_000_000_000 }, ConnectionAttemptEvent: { Status: 2 } },
}, [/Type: Reader Event Notification \(63\)/, /Status: Failed a client initiated connection already exists \(2\)/]);
add('u64 beyond 2^53', 'READER_EVENT_NOTIFICATION', {
  ReaderEventNotificationData: { Timestamp: { param: 'Uptime', Microseconds: 2n ** 64n - 1n }, ConnectionAttemptEvent: { Status: 0 } },
}, [/Microseconds: 18446744073709551615\n/]);
cases.push({
  what: 'tag report with u64 timestamps beyond 2^53',
  frame: encodeRoAccessReport(++id, [{ epc: '3074257bf7194e4000001a85', firstSeenUptime: 2n ** 53n + 1n, lastSeenUptime: 2n ** 63n + 7n }]),
  expect: [/Microseconds: 9007199254740993\n/, /Microseconds: 9223372036854775815\n/],
});
add('GPI event', 'READER_EVENT_NOTIFICATION', {
  ReaderEventNotificationData: { Timestamp: { param: 'UTCTimestamp', Microseconds: 1_700_000_000_000_000 }, GPIEvent: { GPIPortNumber: 1, GPIEvent: true } },
}, [/GPI Port Number: 1\n\s+1\.{3} \.{4} = GPI event: Yes/]);
add('error', 'ERROR_MESSAGE', {
  LLRPStatus: { StatusCode: 100, ErrorDescription: 'no', ParameterError: { ParameterType: 224, ErrorCode: 209 } },
}, [/Type: Error Message \(100\)/, /Status code: M_ParameterError \(100\)/, /Error Description: no/, /Parameter type: RF Transmitter \(224\)/]);

function dissect(frames: Uint8Array[], name: string): string[] {
  writeFileSync(join(dir, `${name}.txt`), frames.map(hexdump).join('\n'));
  execFileSync('text2pcap', ['-q', '-T', '40000,5084', join(dir, `${name}.txt`), join(dir, `${name}.pcap`)], { stdio: 'ignore' });
  const text = execFileSync('tshark', ['-r', join(dir, `${name}.pcap`), '-d', 'tcp.port==5084,llrp', '-V'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 64 * 1024 * 1024,
  });
  return text.split(/^Frame \d+: /m).slice(1);
}

function hexdump(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 16) {
    s += i.toString(16).padStart(6, '0') + ' ' + [...b.subarray(i, i + 16)].map((x) => x.toString(16).padStart(2, '0')).join(' ') + '\n';
  }
  return s;
}

describe("tshark's LLRP dissector", () => {
  it('decodes every message with no malformed or expert warnings and the intended values', () => {
    // Negative control last: a parameter whose length field lies must be flagged, proving the check can fail.
    // (EventsAndReports claims 4 bytes but has 5.)
    const control = Buffer.from('0403000000100000ffff' + '00' + '00e20004' + '00', 'hex');
    control.writeUInt32BE(control.length, 2);
    const frames = dissect([...cases.map((c) => c.frame), control], 'built');
    expect(frames).toHaveLength(cases.length + 1);
    expect(frames[cases.length]).toMatch(/Expert Info \(Error\/Malformed\)/);
    cases.forEach((c, i) => {
      const f = frames[i]!;
      const llrp = f.slice(f.indexOf('Low Level Reader Protocol'));
      expect(f.indexOf('Low Level Reader Protocol'), `${c.what}: not dissected as LLRP`).toBeGreaterThan(0);
      expect(llrp, `${c.what}: expert info`).not.toMatch(/Expert Info|Malformed/);
      expect(llrp, `${c.what}: id`).toMatch(new RegExp(`ID: ${101 + i}\\n`));
      expect(llrp, `${c.what}: length`).toMatch(new RegExp(`Length: ${c.frame.length}\\n`));
      for (const re of c.expect) expect(llrp, `${c.what}: ${re}`).toMatch(re);
    });
  });
});

describe("tshark's LLRP dissector on recorded client traffic", () => {
  it('decodes every byte the client really sent to a reader, in the expected order', async () => {
    const sim = await startLlrpSimulator({ readerId: 'dock-1' });
    const sent: Buffer[] = [];
    const relay = createServer((down) => {
      const up = connect(sim.port, '127.0.0.1');
      down.on('data', (c: Buffer) => {
        sent.push(Buffer.from(c));
        up.write(c);
      });
      up.on('data', (c) => down.write(c));
      up.on('close', () => down.destroy());
      down.on('close', () => up.destroy());
      up.on('error', () => down.destroy());
      down.on('error', () => up.destroy());
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const client = new LlrpReaderClient(
      { ...base, host: '127.0.0.1', port: (relay.address() as AddressInfo).port, keepaliveMs: 100, connectTimeoutMs: 3000, requestTimeoutMs: 3000 },
      silentLogger(),
    );
    try {
      client.start();
      const deadline = Date.now() + 15_000;
      while (client.state !== 'reading' || sim.stats.keepaliveAcks < 1) {
        if (Date.now() > deadline) throw new Error('client did not reach reading with a keepalive ack');
        await new Promise((r) => setTimeout(r, 5));
      }
      await client.setGpo(1, true);
      await client.stop();
    } finally {
      await client.stop();
      await new Promise((r) => relay.close(r));
      await sim.close();
    }
    const frames: Uint8Array[] = [];
    const splitter = new FrameSplitter();
    expect(splitter.push(Buffer.concat(sent), (f) => frames.push(f.slice()))).toBeUndefined();
    expect(splitter.buffered).toBe(0);
    const dissected = dissect(frames, 'recorded');
    expect(dissected).toHaveLength(frames.length);
    const types = dissected.map((f, i) => {
      const llrp = f.slice(f.indexOf('Low Level Reader Protocol'));
      expect(llrp, `frame ${i}`).toMatch(/^Low Level Reader Protocol/);
      expect(llrp, `frame ${i}: expert info`).not.toMatch(/Expert Info|Malformed/);
      return /= Type: ([^(]+) \(\d+\)/.exec(llrp)![1]!.trim();
    });
    expect(types).toContain('Keepalive Ack');
    expect(types.filter((t) => t !== 'Keepalive Ack')).toEqual([
      'Get Reader Capabilities',
      'Set Reader Config',
      'Delete AccessSpec',
      'Delete ROSpec',
      'Set Reader Config',
      'Enable Events And Reports',
      'Add ROSpec',
      'Enable ROSpec',
      'Start ROSpec',
      'Set Reader Config',
      'Close Connection',
    ]);
  });
});
