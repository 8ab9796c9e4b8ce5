// gateway/daemon — the gateway's Prometheus metrics for what #16 made durable or visible: interrupted passes, the read
// journal (depth, bytes, commits, replayed, forgotten reads) and GPO writes (applied, refused, waiting), scraped over
// real HTTP from a daemon reading a simulated LLRP reader over TCP, with a real outbox file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isoTs, type Command } from '../../protocols/events/index.js';
import { silentLogger } from '../../protocols/logging/index.js';
import type { TagRead } from '../../protocols/reads/index.js';
import { waitFor } from '../../hub/broker/test-support.js';
import { startLlrpSimulator, type LlrpSimulator } from '../../scripts/sim/llrp-reader.js';
import type { SimRead } from '../../scripts/sim/read-stream.js';
import { parseGatewayConfig } from '../config/load.js';
import { Outbox } from '../outbox/index.js';
import { GatewayDaemon } from './daemon.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function yaml(simPort: number, outboxPath: string): string {
  return `site: s
gateway: gw
logLevel: silent
readers:
  - id: r1
    host: 127.0.0.1
    port: ${simPort}
    keepaliveMs: 1000
    connectTimeoutMs: 2000
    reconnect: { initialMs: 50, maxMs: 200 }
    antennas: [{ id: 1, door: door-1, side: outside }, { id: 2, door: door-1, side: inside }]
    gpo:
      - { port: 1, door: door-1, role: light-green }
      - { port: 2, door: door-1, role: light-red }
      - { port: 3, door: door-1, role: light-amber }
portal: { doors: [{ id: door-1 }] }
mqtt: { url: 'mqtt://127.0.0.1:1', reconnect: { initialMs: 1000, maxMs: 5000 } }
outbox: { path: ${outboxPath} }
metrics: { host: 127.0.0.1, port: 0 }
`;
}

/** A tag walking in: outside antenna strongest first, inside later; reads every 100 ms over 3 s from t0. */
function walk(epc: string, t0: number): Array<{ t: number; antenna: number; rssi: number }> {
  const out: Array<{ t: number; antenna: number; rssi: number }> = [];
  for (let t = 0; t <= 3000; t += 100) {
    out.push({ t: t0 + t, antenna: 1, rssi: Math.round(-50 - Math.abs(t - 1000) / 100) });
    out.push({ t: t0 + t + 50, antenna: 2, rssi: Math.round(-50 - Math.abs(t - 2000) / 100) });
  }
  return out;
}

async function scrape(port: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    const x = /^(dockgate_gateway_[a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (x) m.set(x[1]!, Number(x[2]));
  }
  return m;
}

let n = 0;
const cmd = (c: Record<string, unknown>) => ({ v: 1, id: `019aab5c-2000-7000-8000-${String(++n).padStart(12, '0')}`, ts: isoTs(Date.now()), ...c }) as unknown as Command;

describe('gateway metrics', () => {
  let sim: LlrpSimulator;

  it('count interrupted passes, the read journal and GPO writes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-metrics-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const outboxPath = join(dir, 'outbox.db');
    // A previous process died two minutes ago with a tag's passage journaled and undecided.
    const died = Date.now() - 120_000;
    const old = Outbox.open({ path: outboxPath, logger: silentLogger() });
    const journaled: TagRead[] = walk('e0000000000000000000dead', died - 3500).map((r) => ({ reader: 'r1', epc: 'e0000000000000000000dead', antenna: r.antenna, rssi: r.rssi, ts: r.t, arrival: r.t + 20, readerTs: NaN, count: 1 }));
    old.journal.append(journaled);
    old.close();

    sim = await startLlrpSimulator({ readerId: 'r1', numGpos: 4 });
    cleanup.push(() => sim.close());
    const daemon = new GatewayDaemon(parseGatewayConfig(yaml(sim.port, outboxPath)), { logger: silentLogger(), statusRefreshMs: 60_000, shutdownFlushMs: 100 });
    cleanup.push(() => daemon.stop());
    await daemon.start();
    const port = daemon.metricsPort!;

    // The replay: counted, decided as an interrupted pass (the evidence is older than a minute), forgotten when stored.
    const afterReplay = await waitFor(async () => {
      const m = await scrape(port);
      return (m.get('dockgate_gateway_interrupted_passes_total{door="door-1",direction="in"}') ?? 0) >= 1 && m.get('dockgate_gateway_journal_rows') === 0 ? m : undefined;
    }, 'the replayed passage decided and stored');
    expect(afterReplay.get('dockgate_gateway_journal_replayed_reads_total')).toBe(journaled.length);
    expect(afterReplay.get('dockgate_gateway_journal_forgotten_reads_total')).toBe(journaled.length);
    expect(afterReplay.get('dockgate_gateway_passes_total{door="door-1",direction="in"}')).toBe(1);
    expect(afterReplay.get('dockgate_gateway_journal_bytes')).toBe(0);

    // Live reads: group-committed into the journal while the passage is open (depth and bytes > 0), gone with its pass.
    await waitFor(() => daemon.readers.get('r1')!.state === 'reading', 'reader r1 reading');
    const reads: SimRead[] = walk('e0000000000000000000beef', 0).map((r) => ({ ...r, reader: 'r1', epc: 'e0000000000000000000beef' }));
    const played = sim.play({ reads, gpi: [] }, { speed: 1 });
    const open = await waitFor(async () => {
      const m = await scrape(port);
      return (m.get('dockgate_gateway_journal_rows') ?? 0) > 0 ? m : undefined;
    }, 'journal rows of the open passage');
    expect(open.get('dockgate_gateway_journal_bytes')!).toBeGreaterThan(40 * open.get('dockgate_gateway_journal_rows')!);
    expect(open.get('dockgate_gateway_journal_commits_total')!).toBeGreaterThanOrEqual(1);
    await played;
    const decided = await waitFor(async () => {
      const m = await scrape(port);
      return m.get('dockgate_gateway_passes_total{door="door-1",direction="in"}') === 2 && m.get('dockgate_gateway_journal_rows') === 0 ? m : undefined;
    }, 'the live pass stored');
    expect(decided.get('dockgate_gateway_journal_reads_total')).toBe(reads.length);
    expect(decided.get('dockgate_gateway_journal_forgotten_reads_total')).toBe(journaled.length + reads.length);
    expect(decided.get('dockgate_gateway_interrupted_passes_total{door="door-1",direction="in"}')).toBe(1); // the live one was not

    // GPO writes: a light (three ports) applied, a port the reader does not have refused, then writes waiting for it.
    await daemon.commands.handle(cmd({ cmd: 'light', door: 'door-1', color: 'green' }));
    await daemon.commands.handle(cmd({ cmd: 'gpo.set', reader: 'r1', port: 9, state: true, durationMs: 0 }));
    let m = await scrape(port);
    expect(m.get('dockgate_gateway_gpo_writes_total{outcome="applied"}')).toBe(3);
    expect(m.get('dockgate_gateway_gpo_writes_total{outcome="refused"}')).toBe(1);
    expect(m.get('dockgate_gateway_gpo_writes_total{outcome="expired"}')).toBe(0);
    expect(m.get('dockgate_gateway_gpo_pending_writes')).toBe(0);
    sim.misbehave.refuseNext(1_000_000);
    sim.misbehave.dropConnection();
    await waitFor(() => daemon.readers.get('r1')!.state !== 'reading', 'reader r1 down');
    await daemon.commands.handle(cmd({ cmd: 'light', door: 'door-1', color: 'red' }));
    m = await scrape(port);
    expect(m.get('dockgate_gateway_gpo_pending_writes')).toBe(3);
    expect(m.get('dockgate_gateway_gpo_writes_total{outcome="applied"}')).toBe(3);
  }, 60_000);
});
