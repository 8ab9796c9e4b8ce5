// scripts/e2e — dockgate-gateway as a child process (`node --import tsx gateway/main.ts --config …`) between the LLRP
// reader simulator and a real hub (embedded broker, SQLite) over real sockets: the simulator's pallets arrive as exactly
// the passes the portal engine decides for that stream, once each, in seq order; the retained status reaches the hub;
// hub commands drive the reader's GPOs and bad ones are logged and dropped; /metrics answers; SIGTERM exits 0 cleanly.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../protocols/logging/index.js';
import { Outbox } from '../../gateway/outbox/index.js';
import { TEST_GATEWAY_PASSWORD, startTestHub } from '../../hub/testing/harness.js';
import { startLlrpSimulator } from '../sim/llrp-reader.js';
import { appliedEvents } from './site/checks.js';
import { GATEWAY, engineDecisions, gatewayYaml, pallets, passKeys, playWhenReading, spawnGateway, until, writeGatewayYaml } from './gateway-support.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const SEED = 4;

/** Prometheus text exposition, strictly: every sample line `name{labels} value`. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})?) (-?[0-9.e+-]+|NaN|[+-]Inf)$/.exec(line);
    if (!m) throw new Error(`not Prometheus text format: ${JSON.stringify(line)}`);
    out.set(m[1]!, Number(m[2]));
  }
  return out;
}

describe('dockgate-gateway with the hub', () => {
  it('delivers the engine\'s passes once each in seq order, reports status, obeys commands, serves metrics, stops cleanly', async () => {
    const th = await startTestHub();
    cleanups.push(() => th.stop());
    const sim = await startLlrpSimulator({ readerId: 'r1' });
    cleanups.push(() => sim.close());
    const dir = mkdtempSync(join(tmpdir(), 'gw-e2e-hub-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const opts = { mqttUrl: th.mqttUrl, password: TEST_GATEWAY_PASSWORD, readers: [{ id: 'r1', port: sim.port }], outboxPath: join(dir, 'outbox.db'), metrics: true };
    const gw = spawnGateway(writeGatewayYaml(dir, opts));
    cleanups.push(() => gw.stop('SIGKILL'));

    const p = pallets(SEED, { speedup: 3 });
    const expected = passKeys(engineDecisions(gatewayYaml(opts), p.stream));
    expect(expected.length).toBe(p.truth.length); // the setup itself: this seed's passes are all found in-process

    await gw.waitLog((l) => l.msg === 'gateway running', 'gateway running');
    const played = await playWhenReading(sim, p.stream);
    expect(played.dropped).toBe(0);

    const db = th.hub.db;
    const passes = () =>
      db.prepare("SELECT epc, door, direction, stream_seq AS seq FROM door_activity WHERE kind = 'pass' ORDER BY stream_seq").all() as Array<{ epc: string; door: string; direction: string; seq: number }>;
    await until(() => passes().length >= expected.length, `${expected.length} passes at the hub`, 30_000);
    const arrived = passes().map((r) => ({ kind: 'tag.pass', ...r }));
    expect(passKeys(arrived)).toEqual(expected);

    // In seq order, gap-free, nothing twice: the hub's stream record.
    const stream = db.prepare('SELECT * FROM streams WHERE gateway = ?').get(GATEWAY) as { stream: string; last_seq: number; applied: number; duplicates: number; late: number; seq_conflicts: number };
    expect({ duplicates: stream.duplicates, late: stream.late, seqConflicts: stream.seq_conflicts }).toEqual({ duplicates: 0, late: 0, seqConflicts: 0 });
    const applied = appliedEvents(db, stream.stream);
    const seqs = applied.map((r) => r.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(applied.filter((r) => r.kind === 'reader')).toHaveLength(1); // connected once: `reading`
    expect(applied.filter((r) => r.kind === 'tag.pass')).toHaveLength(expected.length);

    // The retained status reached the hub: online, the reader reading, the outbox.
    await until(() => {
      const g = db.prepare('SELECT online, readers, version, stream FROM gateways WHERE gateway = ?').get(GATEWAY) as { online: number; readers: string; version: string; stream: string } | undefined;
      return g && g.online === 1 && (JSON.parse(g.readers) as Array<{ id: string; state: string }>).some((r) => r.id === 'r1' && r.state === 'reading') && g.stream === stream.stream;
    }, 'the status at the hub');

    // Commands: the light stack and horn on the reader's GPOs.
    await th.hub.sendCommand(GATEWAY, { cmd: 'light', door: 'door-1', color: 'red' });
    await until(() => sim.stats.gpo[2] === true && sim.stats.gpo[1] === false && sim.stats.gpo[3] === false, 'red light on, green and amber off');
    await th.hub.sendCommand(GATEWAY, { cmd: 'light', door: 'door-1', color: 'green', durationMs: 1500 });
    await until(() => sim.stats.gpo[1] === true && sim.stats.gpo[2] === false, 'green for a while');
    await until(() => sim.stats.gpo[2] === true && sim.stats.gpo[1] === false, 'back to steady red');
    await th.hub.sendCommand(GATEWAY, { cmd: 'horn', door: 'door-1', durationMs: 1000 });
    await until(() => sim.stats.gpo[4] === true, 'horn on');
    await until(() => sim.stats.gpo[4] === false, 'horn off after its duration');
    // Bad commands: a clear log line each, and the daemon carries on.
    await th.hub.sendCommand(GATEWAY, { cmd: 'light', door: 'door-9', color: 'red' });
    await gw.waitLog((l) => l.level === 'warn' && l.msg === 'command light rejected: door door-9 is not configured on this gateway', 'the unknown door rejected');
    await th.hub.sendCommand(GATEWAY, { cmd: 'explode', door: 'door-1' });
    await gw.waitLog((l) => l.level === 'warn' && l.msg === 'mqtt: invalid command rejected', 'the malformed command rejected');
    await th.hub.sendCommand(GATEWAY, { cmd: 'reader.restart', reader: 'r7' });
    await gw.waitLog((l) => l.msg === 'command reader.restart rejected: reader r7 is not configured on this gateway', 'the unknown reader rejected');
    await th.hub.sendCommand(GATEWAY, { cmd: 'door.mode', door: 'door-1', mode: 'shipping' });
    await gw.waitLog((l) => l.msg === 'door door-1 mode: shipping', 'the door mode logged');
    await th.hub.sendCommand(GATEWAY, { cmd: 'light', door: 'door-1', color: 'amber' });
    await until(() => sim.stats.gpo[3] === true && sim.stats.gpo[2] === false, 'amber after the bad commands: still running');
    expect(gw.child.exitCode).toBeNull();

    // Metrics, in Prometheus text format.
    const portLine = await gw.waitLog((l) => l.component === 'metrics' && typeof l.port === 'number', 'the metrics port');
    const text = await (await fetch(`http://127.0.0.1:${portLine.port as number}/metrics`)).text();
    const m = parseMetrics(text);
    expect(m.get('dockgate_gateway_reads_total{reader="r1",antenna="1"}')).toBeGreaterThan(0);
    expect(m.get('dockgate_gateway_reads_total{reader="r1",antenna="2"}')).toBeGreaterThan(0);
    const passMetric = [...m].filter(([k]) => k.startsWith('dockgate_gateway_passes_total{door="door-1"')).reduce((a, [, v]) => a + v, 0);
    expect(passMetric).toBe(expected.length);
    expect(m.get('dockgate_gateway_mqtt_connected')).toBe(1);
    expect(m.get('dockgate_gateway_reader_state{reader="r1",state="reading"}')).toBe(1);
    expect(m.has('dockgate_gateway_outbox_depth')).toBe(true);

    // SIGTERM: the reader gets CLOSE_CONNECTION, the outbox is drained and closed, exit 0.
    const t0 = Date.now();
    const exit = await gw.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(sim.stats.closeRequests).toBe(1);
    const o = Outbox.open({ path: opts.outboxPath, logger: silentLogger() });
    try {
      expect(o.depth()).toBe(0);
      expect(o.stream).toBe(stream.stream);
    } finally {
      o.close();
    }
  }, 90_000);
});
