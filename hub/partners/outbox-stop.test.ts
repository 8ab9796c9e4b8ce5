// Stopping while a partner delivery hangs (the receiver accepted the connection and never answers): stop() ends it at
// once, and the document stays pending with no attempt counted, delivered at the next start.
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../db/database.js';
import { silentLogger } from '../../protocols/logging/index.js';
import { waitFor } from '../broker/test-support.js';
import { enqueue, PartnerOutbox } from './outbox.js';
import { partnersMigrations } from './store.js';
import { systemRuntime } from '../../runtime/runtime.js';

describe('partner outbox at shutdown', () => {
  it('aborts a delivery in flight on stop; the document stays pending, untouched', async () => {
    const held: Socket[] = [];
    let heard = '';
    const silent = createServer((s) => {
      held.push(s);
      s.on('data', (b: Buffer) => (heard += b.toString()));
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const db = openDatabase(':memory:');
    migrate(db, [partnersMigrations]);
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/in`;
    enqueue(
      db,
      { key: 'doc-1', partner: 'acme', kind: '861', target: { url }, fileName: 'doc-1.edi', contentType: 'application/edi-x12', body: 'ISA*...' },
      Date.now(),
    );
    const outbox = new PartnerOutbox({
      db,
      log: silentLogger(),
      runtime: systemRuntime,
      retryBaseMs: 1000,
      retryMaxMs: 60_000,
      alertAfter: 3,
      timeoutMs: 600_000,
    });
    try {
      outbox.start(60_000);
      await waitFor(() => heard.includes('idempotency-key: doc-1'), 'the delivery to reach the silent receiver');
      await outbox.stop(); // resolves: the request was aborted, not waited out (10 minutes)
      expect(db.prepare('SELECT status, attempts, last_error FROM partner_outbox').all()).toEqual([{ status: 'pending', attempts: 0, last_error: null }]);
    } finally {
      for (const s of held) s.destroy();
      await new Promise((r) => silent.close(r));
      db.close();
    }
  });
});
