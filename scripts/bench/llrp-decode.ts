// scripts/bench — LLRP RO_ACCESS_REPORT decoding: our hot path vs llrpjs, same frames, same process.
// 100 tags per message with the fields an Impinj/Zebra portal sends (EPC-96, antenna, peak RSSI, channel,
// first/last seen UTC, seen count, PC bits).
import { createRequire } from 'node:module';
import { decodeTagReports, encodeRoAccessReport, type TagReport, type TagReportInput } from '../../protocols/llrp/index.js';
import type { Bench, BenchRow } from './report.js';

interface LlrpjsMessage {
  decode(): { toLLRPData(): unknown };
}
const require = createRequire(import.meta.url);
const { LLRPMessage } = require('llrpjs') as { LLRPMessage: new (b: Buffer) => LlrpjsMessage };

export function makeReports(messages: number, tagsPerMessage: number): Buffer[] {
  const frames: Buffer[] = [];
  let seq = 0;
  const t0 = 1_700_000_000_000_000;
  for (let m = 0; m < messages; m++) {
    const tags: TagReportInput[] = [];
    for (let i = 0; i < tagsPerMessage; i++) {
      seq++;
      const epc = '3074257bf7194e4000' + seq.toString(16).padStart(6, '0');
      const first = t0 + seq * 1375;
      tags.push({
        epc,
        antenna: 1 + (seq % 4),
        rssi: -40 - (seq % 35),
        channel: 1 + (seq % 50),
        firstSeenUtc: first,
        lastSeenUtc: first + (seq % 9000),
        count: 1 + (seq % 7),
        pc: 0x3000,
      });
    }
    frames.push(Buffer.from(encodeRoAccessReport(m + 1, tags)));
  }
  return frames;
}

/**
 * Items per CPU-second of this process (user + system, all threads, GC included): "on one core" even when other
 * processes compete for the cores. Best of several short windows, the same for both decoders.
 */
function timeIt(windows: number, windowMs: number, fn: () => number): number {
  let best = 0;
  for (let w = 0; w < windows; w++) {
    let items = 0;
    const start = process.cpuUsage();
    let cpuMs = 0;
    while (cpuMs < windowMs) {
      items += fn();
      const d = process.cpuUsage(start);
      cpuMs = (d.user + d.system) / 1000;
    }
    best = Math.max(best, (items / cpuMs) * 1000);
  }
  return best;
}

export const bench: Bench = {
  name: 'llrp-decode',
  async run(): Promise<BenchRow[]> {
    const tagsPerMessage = 100;
    const frames = makeReports(200, tagsPerMessage);
    const out: TagReport[] = [];
    const ours = () => {
      let n = 0;
      for (const f of frames) {
        out.length = 0;
        const err = decodeTagReports(f, out, "dock-1", 0);
        if (err) throw err;
        n += out.length;
      }
      return n;
    };
    const theirs = () => {
      let n = 0;
      for (let i = 0; i < 5; i++) {
        const d = new LLRPMessage(Buffer.from(frames[i]!)).decode().toLLRPData() as { data: { TagReportData: unknown[] } };
        n += d.data.TagReportData.length;
      }
      return n;
    };
    ours(); // warm-up
    theirs();
    const oursRate = timeIt(8, 250, ours);
    const theirsRate = timeIt(8, 250, theirs);
    const ratio = oursRate / theirsRate;
    return [
      {
        name: 'LLRP RO_ACCESS_REPORT decode (tags/s)',
        value: oursRate,
        unit: 'tags/s',
        baseline: { name: 'llrpjs', value: theirsRate },
        target: '>= 5,000,000 and >= 300× llrpjs',
        met: oursRate >= 5_000_000 && ratio >= 300,
        note: `per CPU-second, best of 8×250 ms; ${tagsPerMessage} tags/message, ${frames.length} messages, ${frames[0]!.length} bytes/message`,
      },
    ];
  },
};
