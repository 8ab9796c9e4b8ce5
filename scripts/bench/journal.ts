// scripts/bench — the read journal's write volume (SD-card wear): 1,000 reads/s for 60 simulated seconds, appended
// as the daemon does (one transaction per 250 ms, synchronous=FULL), each tag read 20 times over 2 s by one of two
// antennas, then its pass stored (which prunes its rows in the same transaction). Bytes written are the process's
// write() volume (/proc/self/io wchar: WAL frames, checkpoints) and what reached the block layer (write_bytes), per
// simulated second, against the same run without the journal (the passes alone).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../protocols/logging/index.js';
import { isoTs, type EventDraft } from '../../protocols/events/index.js';
import type { TagRead } from '../../protocols/reads/index.js';
import { Outbox } from '../../gateway/outbox/index.js';
import type { Bench, BenchRow } from './report.js';

const READS_PER_S = 1000;
const SECONDS = Number(process.env.BENCH_JOURNAL_SECONDS ?? 60);
const TICK_MS = Number(process.env.BENCH_JOURNAL_COMMIT_MS ?? 250);
const READS_PER_TAG = 20;

function io(): { wchar: number; writeBytes: number } {
  const t = readFileSync('/proc/self/io', 'utf8');
  return { wchar: Number(/^wchar: (\d+)/m.exec(t)![1]), writeBytes: Number(/^write_bytes: (\d+)/m.exec(t)![1]) };
}

function run(dir: string, journal: boolean): { wchar: number; writeBytes: number; maxRows: number } {
  const outbox = Outbox.open({ path: join(dir, `journal-${journal}.db`), logger: silentLogger() });
  const t0 = Date.UTC(2026, 11, 5, 8);
  const perTick = (READS_PER_S * TICK_MS) / 1000;
  const open = new Map<string, { first: number; last: number; n: number }>();
  let tagNo = 0;
  let maxRows = 0;
  const before = io();
  for (let now = t0; now < t0 + SECONDS * 1000; now += TICK_MS) {
    const reads: TagRead[] = [];
    for (let i = 0; i < perTick; i++) {
      // 40 tags in the door at once, each read every ~40 ms until it has its 20 reads
      let epc: string | undefined;
      for (const [e, s] of open) if (s.n < READS_PER_TAG) { epc = e; break; }
      if (!epc || open.size < 40) {
        epc = `3034257bf7194e40${(tagNo++).toString(16).padStart(8, '0')}`;
        open.set(epc, { first: now, last: now, n: 0 });
      }
      const s = open.get(epc)!;
      s.n++;
      s.last = now + i;
      reads.push({ reader: 'r1', antenna: 1 + (i % 2), epc, rssi: -55, ts: now + i, arrival: now + i, readerTs: NaN, count: 1 });
    }
    if (journal) outbox.journal.append(reads);
    const done: EventDraft[] = [];
    for (const [epc, s] of open) {
      if (s.n < READS_PER_TAG || now - s.last < 2000) continue;
      open.delete(epc);
      done.push({ kind: 'tag.pass', door: 'door-1', direction: 'in', epc, firstSeen: isoTs(s.first), lastSeen: isoTs(s.last), reads: s.n, peakRssi: -50, antennas: [{ reader: 'r1', antenna: 1, reads: s.n, peakRssi: -50 }], confidence: 0.9 });
    }
    if (done.length) {
      outbox.append(done, now);
      outbox.confirmThrough(outbox.lastSeq()); // the hub keeps up: the outbox stays small
    }
    if (journal) maxRows = Math.max(maxRows, outbox.journal.rows());
  }
  const after = io();
  outbox.close();
  return { wchar: (after.wchar - before.wchar) / SECONDS, writeBytes: (after.writeBytes - before.writeBytes) / SECONDS, maxRows };
}

export const bench: Bench = {
  name: 'journal',
  async run(): Promise<BenchRow[]> {
    const dir = mkdtempSync(join(tmpdir(), 'bench-journal-'));
    try {
      const without = run(dir, false);
      const withJ = run(dir, true);
      const kib = (b: number) => b / 1024;
      return [
        {
          name: 'read journal + outbox, bytes written per second at 1,000 reads/s (write() volume)',
          value: kib(withJ.wchar),
          unit: 'KiB/s',
          baseline: { name: 'outbox alone, same passes', value: kib(without.wchar) },
          note: `${SECONDS} s simulated, a group commit per ${TICK_MS} ms, synchronous=FULL; journal peak ${withJ.maxRows} rows (pruned as passes are stored); ≈ ${((kib(withJ.wchar) * 86400) / 1024 / 1024).toFixed(1)} GiB/day at a sustained 1,000 reads/s`,
        },
        {
          name: 'read journal + outbox, bytes reaching the block layer per second at 1,000 reads/s',
          value: kib(withJ.writeBytes),
          unit: 'KiB/s',
          baseline: { name: 'outbox alone, same passes', value: kib(without.writeBytes) },
          note: '/proc/self/io write_bytes (0 on filesystems that do not account it, e.g. tmpfs)',
        },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
