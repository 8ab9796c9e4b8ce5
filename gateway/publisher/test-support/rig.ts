// gateway/publisher — test support: an outbox in a temp dir plus a publisher on it, with a readable log.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, type Event, type EventBatch } from '../../../protocols/events/index.js';
import { Outbox } from '../../outbox/index.js';
import { captureLogger, type CapturedLog } from '../../../protocols/logging/capture.js';
import { tagPassDraft } from '../../outbox/fixtures/drafts.js';
import { Publisher, type PublisherOptions } from '../publisher.js';
import { changed, type Received } from './brokers.js';

export const SITE = 'dc-test';
export const GATEWAY = 'dock-3';

export interface Rig {
  dir: string;
  outbox: Outbox;
  publisher: Publisher;
  lines: CapturedLog[];
  /** Append `n` tag.pass events (numbered from `from`) and kick the publisher. */
  append(n: number, from?: number): Event[];
  close(): Promise<void>;
}

let counter = 0;

export function makeRig(url: string, overrides: Partial<PublisherOptions> = {}): Rig {
  const dir = mkdtempSync(join(tmpdir(), 'publisher-test-'));
  const { logger, lines } = captureLogger('debug', changed);
  const outbox = Outbox.open({ path: join(dir, 'outbox.db'), logger, synchronous: 'NORMAL' });
  const publisher = new Publisher({
    site: SITE,
    gateway: GATEWAY,
    mqtt: { url, clientId: `gw-test-${process.pid}-${++counter}` },
    batch: { maxEvents: 25, lingerMs: 5 },
    reconnect: { initialMs: 20, maxMs: 200 },
    outbox,
    logger,
    ...overrides,
  });
  publisher.on('step', changed);
  let n = 0;
  return {
    dir,
    outbox,
    publisher,
    lines,
    append(count, from) {
      if (from !== undefined) n = from;
      const made = outbox.append(
        Array.from({ length: count }, () => tagPassDraft(n++)),
        Date.now(),
      );
      publisher.kick();
      return made;
    },
    async close() {
      await publisher.stop({ flushMs: 500 });
      outbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Parse received events messages (throws on any that the hub's parse() would refuse). */
export function batches(received: readonly Received[]): EventBatch[] {
  return received
    .filter((m) => m.topic.endsWith('/events'))
    .map((m) => {
      const r = parse(m.topic, m.payload);
      if (!r.ok || r.kind !== 'events') throw new Error(`the hub would refuse this message: ${JSON.stringify(r)}`);
      return r.value;
    });
}

export function eventsOf(received: readonly Received[]): Event[] {
  return batches(received).flatMap((b) => b.events);
}
