import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isoTs, type Event } from '../../protocols/events/index.js';
import { silentLogger } from '../../protocols/logging/index.js';
import { SimulatedRuntime } from '../../runtime/testing/simulated-runtime.js';
import { Outbox } from './outbox.js';
import { OutboxWriter } from './writer.js';
import { tagPassDraft } from './fixtures/drafts.js';
import { captureLogger } from '../../protocols/logging/capture.js';

let dir: string;
let outbox: Outbox;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'writer-test-'));
  outbox = Outbox.open({ path: join(dir, 'o.db'), logger: silentLogger() });
});
afterEach(() => {
  outbox.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('OutboxWriter', () => {
  it('collects drafts added together into one transaction after the linger', () => {
    const writes: Event[][] = [];
    const runtime = new SimulatedRuntime({ startMs: 1_800_000_000_000 });
    const w = new OutboxWriter(outbox, { lingerMs: 20, maxDrafts: 1000, logger: silentLogger(), runtime, onWritten: (e) => writes.push(e) });
    for (let i = 0; i < 300; i++) w.add(tagPassDraft(i));
    expect(outbox.depth()).toBe(0); // not made yet: only in memory for at most the linger
    expect(w.waiting()).toBe(300);
    runtime.advance(19);
    expect(outbox.depth()).toBe(0);
    runtime.advance(1);
    expect(outbox.depth()).toBe(300);
    expect(writes).toHaveLength(1);
    expect(writes[0]![0]!.ts).toBe(isoTs(1_800_000_000_020));
    expect(writes[0]!.map((e) => e.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    w.close();
  });

  it('writes at once when maxDrafts are waiting', () => {
    const writes: Event[][] = [];
    const w = new OutboxWriter(outbox, { lingerMs: 60_000, maxDrafts: 50, logger: silentLogger(), runtime: new SimulatedRuntime(), onWritten: (e) => writes.push(e) });
    for (let i = 0; i < 120; i++) w.add(tagPassDraft(i));
    expect(writes.map((b) => b.length)).toEqual([50, 50]);
    expect(w.waiting()).toBe(20);
    expect(w.close().length).toBe(20);
    expect(outbox.depth()).toBe(120);
  });

  it('stamps ts from its clock at write time', () => {
    const w = new OutboxWriter(outbox, { lingerMs: 60_000, logger: silentLogger(), runtime: new SimulatedRuntime({ startMs: 1_800_000_000_000 }) });
    w.add(tagPassDraft(1));
    expect(w.flush()[0]!.ts).toBe(isoTs(1_800_000_000_000));
    w.close();
  });

  it('keeps drafts when the outbox cannot write, logs it, and writes them on retry', () => {
    const { logger, lines } = captureLogger();
    let failures = 1;
    const flaky = {
      append: (drafts: Parameters<Outbox['append']>[0], nowMs: number) => {
        if (failures-- > 0) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
        return outbox.append(drafts, nowMs);
      },
    };
    const runtime = new SimulatedRuntime();
    const w = new OutboxWriter(flaky, { lingerMs: 1, retryMs: 20, logger, runtime });
    w.add(tagPassDraft(1));
    w.add(tagPassDraft(2));
    runtime.advance(1);
    expect(lines.find((l) => l.level === 'error')!.msg).toContain('write failed');
    w.add(tagPassDraft(3)); // waits for the retry, not the linger
    runtime.advance(19);
    expect(outbox.depth()).toBe(0);
    runtime.advance(1);
    expect(outbox.depth()).toBe(3);
    expect(outbox.peek(10).map((e) => (e as { epc: string }).epc.slice(-1))).toEqual(['1', '2', '3']);
    w.close();
  });

  it('discards the oldest drafts, loudly, when the outbox refuses writes for too long', () => {
    const { logger, lines } = captureLogger();
    const broken = {
      append: () => {
        throw new Error('disk I/O error');
      },
    };
    const runtime = new SimulatedRuntime();
    const w = new OutboxWriter(broken, { lingerMs: 60_000, maxDrafts: 5, maxPending: 10, retryMs: 60_000, logger, runtime });
    for (let i = 0; i < 14; i++) w.add(tagPassDraft(i));
    expect(w.waiting()).toBe(10);
    expect(w.discardedCount()).toBe(4);
    expect(lines.filter((l) => l.level === 'error' && l.msg.includes('discarded')).length).toBeGreaterThan(0);
    w.close();
  });

  it('rejects nonsense options', () => {
    expect(() => new OutboxWriter(outbox, { maxDrafts: 0, logger: silentLogger() })).toThrow(/maxDrafts/);
  });
});
