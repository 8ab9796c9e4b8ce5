// gateway/daemon — commands: light stack and horn to GPO ports per door from config, timed colours and pulses going
// back, raw GPO writes, restarts, door modes, status reports; bad and stale commands logged and dropped, never thrown.
import { describe, expect, it } from 'vitest';
import { exampleCommands, isoTs, type Command } from '../../protocols/events/index.js';
import { parseGatewayConfig } from '../config/load.js';
import { SimulatedRuntime } from '../../runtime/testing/simulated-runtime.js';
import { captureLogger } from '../../protocols/logging/capture.js';
import { CommandRunner, doorOutputsOf, type CommandTargets } from './commands.js';

const CONFIG = parseGatewayConfig(`
site: s
gateway: g
readers:
  - id: r1
    host: 10.0.0.1
    antennas: [{ id: 1, door: d1, side: outside }, { id: 2, door: d1, side: inside }]
    gpo:
      - { port: 1, door: d1, role: light-green }
      - { port: 2, door: d1, role: light-red }
      - { port: 4, door: d1, role: horn }
  - id: r2
    host: 10.0.0.2
    antennas: [{ id: 1, door: d2, side: outside }, { id: 2, door: d2, side: inside }]
portal: { doors: [{ id: d1 }, { id: d2 }] }
mqtt: { url: 'mqtt://hub:1883' }
`);

const NOW = Date.UTC(2026, 10, 22, 10, 0, 0);
let n = 0;
const cmd = <T extends Omit<Command, 'v' | 'id' | 'ts'>>(c: T, ageMs = 0) => ({ v: 1, id: `019aab5c-2000-7000-8000-${String(++n).padStart(12, '0')}`, ts: isoTs(NOW - ageMs), ...c }) as unknown as Command;

function rig(refuse = false, down = new Set<string>()) {
  const { logger, lines } = captureLogger('debug');
  const gpo = new Map<string, boolean>();
  const writes: string[] = [];
  const calls = { restart: [] as string[], report: 0, changed: 0, notApplied: [] as string[] };
  const targets: CommandTargets = {
    doors: CONFIG.portal.doors.map((d) => d.id),
    outputs: doorOutputsOf(CONFIG.readers),
    hasReader: (r) => r === 'r1' || r === 'r2',
    isReading: (r) => !down.has(r),
    setGpo: async (reader, port, state) => {
      if (refuse || down.has(reader)) throw new Error(`reader ${reader}: cannot set GPO ${port} while backoff`);
      gpo.set(`${reader}#${port}`, state);
      writes.push(`${reader}#${port}=${state}`);
    },
    restartReader: (r) => void calls.restart.push(r),
    reportStatus: () => void calls.report++,
    statusChanged: () => void calls.changed++,
    notApplied: (reader, reason) => void calls.notApplied.push(`${reader}: ${reason}`),
  };
  const runtime = new SimulatedRuntime({ startMs: NOW });
  const runner = new CommandRunner(targets, { logger, runtime });
  return { runner, runtime, gpo, writes, calls, lines };
}

describe('GPO writes while a reader reconnects', () => {
  it('keeps the latest state per port and writes it once the reader is back', async () => {
    const down = new Set(['r1']);
    const { runner, gpo, writes, calls } = rig(false, down);
    await runner.handle(cmd({ cmd: 'light', door: 'd1', color: 'red' }));
    await runner.handle(cmd({ cmd: 'gpo.set', reader: 'r1', port: 3, state: true }));
    await runner.handle(cmd({ cmd: 'light', door: 'd1', color: 'green' }));
    await runner.handle(cmd({ cmd: 'gpo.set', reader: 'r1', port: 3, state: false }));
    expect(writes).toEqual([]);
    expect(runner.pendingGpo()).toBe(3);
    down.delete('r1');
    await runner.readerReady('r1');
    expect(Object.fromEntries(gpo)).toEqual({ 'r1#1': true, 'r1#2': false, 'r1#3': false });
    expect(writes.sort()).toEqual(['r1#1=true', 'r1#2=false', 'r1#3=false']); // once per port: the latest state
    expect(runner.pendingGpo()).toBe(0);
    expect(calls.notApplied).toEqual([]);
    await runner.readerReady('r1');
    expect(writes).toHaveLength(3);
    expect(runner.gpo).toEqual({ applied: 3, refused: 0, expired: 0 });
  });

  it('reports a write that could not be applied before its expiry, and never applies it late', async () => {
    const down = new Set(['r2']);
    const { runner, runtime, writes, calls } = rig(false, down);
    await runner.handle(cmd({ cmd: 'gpo.set', reader: 'r2', port: 2, state: true }));
    await runtime.advanceAsync(59_999);
    expect(calls.notApplied).toEqual([]);
    await runtime.advanceAsync(1);
    expect(calls.notApplied).toHaveLength(1);
    expect(calls.notApplied[0]).toMatch(/^r2: GPO 2 on: not applied.*60 s/);
    down.delete('r2');
    await runner.readerReady('r2');
    expect(writes).toEqual([]);
    expect(runner.gpo).toEqual({ applied: 0, refused: 0, expired: 1 });
  });
});

describe('CommandRunner', () => {
  it('maps light colours to the door\'s GPOs, one on and the rest off, and reports the colour in the door states', async () => {
    const { runner, runtime, gpo, writes } = rig();
    await runner.handle(cmd({ cmd: 'light', door: 'd1', color: 'red' }));
    expect(Object.fromEntries(gpo)).toEqual({ 'r1#1': false, 'r1#2': true });
    expect(writes.indexOf('r1#1=false')).toBeLessThan(writes.indexOf('r1#2=true')); // never two colours at once
    await runner.handle(cmd({ cmd: 'light', door: 'd1', color: 'green', durationMs: 5000 }));
    expect(Object.fromEntries(gpo)).toEqual({ 'r1#1': true, 'r1#2': false });
    await runtime.advanceAsync(4999);
    expect(gpo.get('r1#1')).toBe(true);
    await runtime.advanceAsync(1);
    expect(Object.fromEntries(gpo)).toEqual({ 'r1#1': false, 'r1#2': true }); // back to the steady red
    expect(runner.doorStates()).toEqual([{ id: 'd1', light: 'red' }, { id: 'd2' }]);
    await runner.handle(cmd({ cmd: 'light', door: 'd1', color: 'off' }));
    expect(Object.fromEntries(gpo)).toEqual({ 'r1#1': false, 'r1#2': false });
    expect(runner.counts).toEqual({ done: 3, rejected: 0, failed: 0 });
  });

  it('pulses the horn and timed GPO writes, a newer write cancelling the pending reset', async () => {
    const { runner, runtime, gpo } = rig();
    await runner.handle(cmd({ cmd: 'horn', door: 'd1', durationMs: 800 }));
    expect(gpo.get('r1#4')).toBe(true);
    await runtime.advanceAsync(800);
    expect(gpo.get('r1#4')).toBe(false);
    await runner.handle(cmd({ cmd: 'gpo.set', reader: 'r2', port: 3, state: true, durationMs: 1000 }));
    await runner.handle(cmd({ cmd: 'gpo.set', reader: 'r2', port: 3, state: true }));
    await runtime.advanceAsync(2000);
    expect(gpo.get('r2#3')).toBe(true);
  });

  it('restarts readers, records door modes, reports status', async () => {
    const { runner, calls } = rig();
    for (const c of exampleCommands().filter((x) => x.cmd === 'door.mode' || x.cmd === 'status.report')) await runner.handle({ ...c, ts: isoTs(NOW) } as Command);
    await runner.handle(cmd({ cmd: 'reader.restart', reader: 'r2' }));
    expect(calls.restart).toEqual(['r2']);
    expect(calls.report).toBe(1);
    expect(runner.doorStates()).toEqual([{ id: 'd1' }, { id: 'd2' }]); // the example's door-1 is not ours: rejected
    await runner.handle(cmd({ cmd: 'door.mode', door: 'd1', mode: 'receiving' }));
    expect(runner.doorStates()).toEqual([{ id: 'd1', mode: 'receiving' }, { id: 'd2' }]);
    expect(calls.changed).toBe(1);
  });

  it('rejects what it cannot do with a reason, and logs a refused GPO write as failed, never throwing', async () => {
    const { runner, lines, gpo } = rig();
    const bad: Array<[Command, string]> = [
      [cmd({ cmd: 'light', door: 'd9', color: 'red' }), 'door d9 is not configured on this gateway'],
      [cmd({ cmd: 'light', door: 'd1', color: 'amber' }), 'door d1 has no amber light (gateway.yaml readers[].gpo role light-amber)'],
      [cmd({ cmd: 'light', door: 'd2', color: 'off' }), 'door d2 has no light stack (gateway.yaml readers[].gpo)'],
      [cmd({ cmd: 'horn', door: 'd2', durationMs: 100 }), 'door d2 has no horn (gateway.yaml readers[].gpo role horn)'],
      [cmd({ cmd: 'gpo.set', reader: 'r9', port: 1, state: true }), 'reader r9 is not configured on this gateway'],
      [cmd({ cmd: 'door.mode', door: 'd9', mode: 'shipping' }), 'door d9 is not configured on this gateway'],
    ];
    for (const [c, reason] of bad) {
      await runner.handle(c);
      expect(lines.at(-1)).toMatchObject({ level: 'warn', reason, msg: `command ${c.cmd} rejected: ${reason}` });
    }
    await runner.handle(cmd({ cmd: 'horn', door: 'd1', durationMs: 100 }, 120_000));
    expect(lines.at(-1)!.msg).toMatch(/^command horn rejected: stale: sent 120 s ago/);
    expect(gpo.size).toBe(0);
    const refusing = rig(true);
    await refusing.runner.handle(cmd({ cmd: 'horn', door: 'd1', durationMs: 100 }));
    expect(refusing.lines.at(-1)).toMatchObject({ level: 'error', msg: 'command horn failed: reader r1: cannot set GPO 4 while backoff' });
    expect(refusing.runner.counts).toEqual({ done: 0, rejected: 0, failed: 1 });
    expect(refusing.runner.gpo).toEqual({ applied: 0, refused: 1, expired: 0 });
  });
});
