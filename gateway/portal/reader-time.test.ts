// gateway/portal — reads are timed by the reader, not by when their report arrives. A simulated reader over real TCP
// holds every report 0.5–5 s (seeded; in order, as a buffering reader or a stalled TCP link does): the passes must keep
// the reader's timing (firstSeen/lastSeen within the true span, direction right), with arrival time used only to
// decide when a passage is over.
import { afterEach, describe, expect, it } from 'vitest';
import type { EventDraft } from '../../protocols/events/index.js';
import { silentLogger } from '../../protocols/logging/index.js';
import { startLlrpSimulator, type LlrpSimulator } from '../../scripts/sim/llrp-reader.js';
import type { ReadStream } from '../../scripts/sim/read-stream.js';
import { rng } from '../../runtime/rng.js';
import { LlrpReaderClient } from '../llrp/client.js';
import { PortalEngine } from './engine.js';

const READER = 'dock-1';
let sim: LlrpSimulator | undefined;
let client: LlrpReaderClient | undefined;
afterEach(async () => {
  await client?.stop();
  await sim?.close();
  client = sim = undefined;
});

/** `n` tags through the door, one every 400 ms: outside antenna peaks 1 s into its passage, inside 1 s later. */
function pallet(n: number): { stream: ReadStream; span: Map<string, [number, number]> } {
  const reads: ReadStream['reads'] = [];
  const span = new Map<string, [number, number]>();
  for (let i = 0; i < n; i++) {
    const epc = `3034aaaa${String(i).padStart(16, '0')}`;
    const t0 = 500 + i * 400;
    for (let t = 0; t <= 3000; t += 100) {
      reads.push({ t: t0 + t, reader: READER, antenna: 1, epc, rssi: Math.round(-50 - Math.abs(t - 1000) / 100) });
      reads.push({ t: t0 + t + 50, reader: READER, antenna: 2, epc, rssi: Math.round(-50 - Math.abs(t - 2000) / 100) });
    }
    span.set(epc, [t0, t0 + 3050]);
  }
  reads.sort((a, b) => a.t - b.t);
  return { stream: { reads, gpi: [] }, span };
}

describe('reader time', () => {
  it('keeps each pass as the reader saw it while reports are held 0.5–5 s', async () => {
    sim = await startLlrpSimulator({ readerId: READER, reportBatch: 4 });
    sim.misbehave.holdReports(500, 5000, rng(16));
    client = new LlrpReaderClient(
      {
        id: READER, host: '127.0.0.1', port: sim.port, antennas: [{ id: 1 }, { id: 2 }], trigger: { kind: 'continuous' },
        keepaliveMs: 1000, missedKeepalives: 10, connectTimeoutMs: 5000, requestTimeoutMs: 5000, backoff: { initialMs: 50, maxMs: 200 },
      },
      silentLogger(),
    );
    const engine = new PortalEngine({
      doors: [{ id: 'a', antennas: [{ reader: READER, antenna: 1, side: 'outside' }, { reader: READER, antenna: 2, side: 'inside' }] }],
    });
    const out: EventDraft[] = [];
    client.on('reads', (reads) => reads.forEach((r) => engine.ingest(r)));
    const ticker = setInterval(() => out.push(...engine.tick(Date.now())), 50);
    try {
      client.start();
      const deadline = Date.now() + 15_000;
      while (client.state !== 'reading') {
        if (Date.now() > deadline) throw new Error('client never reached reading');
        await new Promise((r) => setTimeout(r, 10));
      }
      const { stream, span } = pallet(8);
      const startUtc = Date.now();
      const played = await sim.play(stream);
      expect(played.dropped).toBe(0);
      const until = Date.now() + 30_000;
      while (out.filter((e) => e.kind === 'tag.pass').length < span.size && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 500));
      out.push(...engine.tick(Date.now()));
      const passes = out.filter((e) => e.kind === 'tag.pass') as Array<Extract<EventDraft, { kind: 'tag.pass' }>>;
      expect(passes.map((p) => p.epc).sort()).toEqual([...span.keys()].sort()); // one pass per tag: no passage split
      for (const p of passes) {
        const [from, to] = span.get(p.epc)!;
        expect(p.direction, p.epc).toBe('in');
        const first = Date.parse(p.firstSeen) - startUtc;
        const last = Date.parse(p.lastSeen) - startUtc;
        // the reader's span (its clock is the gateway's here), not stretched by the held reports
        expect(Math.abs(last - first - (to - from)), `${p.epc} span`).toBeLessThan(300);
        expect(Math.abs(first - from), `${p.epc} firstSeen`).toBeLessThan(500);
      }
    } finally {
      clearInterval(ticker);
    }
  }, 60_000);
});
