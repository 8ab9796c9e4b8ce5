// scripts/sim — the simulated reader seen from a raw TCP client (no reader client in between): handshake, answers by
// the standard, an ERROR_MESSAGE for what it does not support, and byte-split writes really arriving byte by byte.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FrameSplitter, decodeMessage, encodeMessage, type LlrpMessage, type LlrpObject } from '../../protocols/llrp/index.js';
import { startLlrpSimulator, type LlrpSimulator } from './llrp-reader.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function raw(sim: LlrpSimulator): Promise<{ sock: Socket; next(): Promise<LlrpMessage>; chunks: number[] }> {
  const sock = connect(sim.port, '127.0.0.1');
  cleanup.push(() => void sock.destroy());
  const queue: LlrpMessage[] = [];
  const waiters: Array<(m: LlrpMessage) => void> = [];
  const chunks: number[] = [];
  const splitter = new FrameSplitter();
  sock.on('data', (c: Buffer) => {
    chunks.push(c.length);
    splitter.push(c, (f) => {
      const m = decodeMessage(f);
      if (!m.ok) throw m.error;
      const w = waiters.shift();
      if (w) w(m.value);
      else queue.push(m.value);
    });
  });
  await new Promise((r) => sock.once('connect', r));
  return {
    sock,
    chunks,
    next: () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((r) => waiters.push(r))),
  };
}

describe('LLRP reader simulator', () => {
  it('greets, answers requests by the standard, and refuses what it does not support', async () => {
    const sim = await startLlrpSimulator({ readerId: 'r1', antennas: 2 });
    cleanup.push(() => sim.close());
    const c = await raw(sim);
    const hello = await c.next();
    expect(hello.name).toBe('READER_EVENT_NOTIFICATION');
    expect(((hello.body.ReaderEventNotificationData as LlrpObject).ConnectionAttemptEvent as LlrpObject).Status).toBe(0);
    c.sock.write(encodeMessage('GET_READER_CAPABILITIES', 7, { RequestedData: 0 }));
    const caps = await c.next();
    expect(caps).toMatchObject({ name: 'GET_READER_CAPABILITIES_RESPONSE', id: 7 });
    expect((caps.body.GeneralDeviceCapabilities as LlrpObject).MaxNumberOfAntennaSupported).toBe(2);
    c.sock.write(encodeMessage('START_ROSPEC', 8, { ROSpecID: 5 }));
    const refused = await c.next();
    expect(refused).toMatchObject({ name: 'START_ROSPEC_RESPONSE', id: 8 });
    expect((refused.body.LLRPStatus as LlrpObject).StatusCode).toBe(300);
    c.sock.write(encodeMessage('GET_REPORT', 9));
    const err = await c.next();
    expect(err).toMatchObject({ name: 'ERROR_MESSAGE', id: 9 });
    expect((err.body.LLRPStatus as LlrpObject).StatusCode).toBe(109);
  });

  it('writes byte by byte when asked to split messages', async () => {
    const sim = await startLlrpSimulator({ readerId: 'r1' });
    cleanup.push(() => sim.close());
    sim.misbehave.splitBytes(true);
    const c = await raw(sim);
    const hello = await c.next();
    expect(hello.name).toBe('READER_EVENT_NOTIFICATION');
    expect(c.chunks.length).toBeGreaterThan(5); // the kernel may merge a few bytes; most arrive alone
  });
});
