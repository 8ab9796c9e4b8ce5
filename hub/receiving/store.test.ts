// hub/receiving — the receipts open as an ingest batch reads them: once per batch, again after a write.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withBatchReads } from '../db/batch-reads.js';
import { migrate, openDatabase, type Db } from '../db/database.js';
import { ledgerMigrations } from '../ledger/schema.js';
import { openReceiptAt, openReceipts, receivingMigrations } from './store.js';

describe('the open receipts inside an ingest batch', () => {
  let dir: string;
  let db: Db;
  const insert = (id: string, status: string, door: string | null) =>
    db.prepare("INSERT INTO receipts (id, kind, status, door, body, created_ms) VALUES (?, 'po', ?, ?, '{}', 0)").run(id, status, door);
  const open = (id: string, door: string) => db.prepare("UPDATE receipts SET status = 'open', door = ? WHERE id = ?").run(door, id);
  const inBatch = <T>(fn: () => T): T => db.transaction(() => withBatchReads(db, fn))();

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'receiving-'));
    db = openDatabase(join(dir, 'hub.db'));
    migrate(db, [ledgerMigrations, receivingMigrations]);
    insert('PO-1', 'open', 'door-1');
    insert('PO-2', 'expected', null);
    openReceipts(db); // a batch keeps the reads this connection has made before it (as the hub has, after its first batch)
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('are read once in a batch: the same rows again, frozen (callers share them)', () => {
    const [a, b, none] = inBatch(() => [openReceiptAt(db, 'door-1'), openReceiptAt(db, 'door-1'), openReceiptAt(db, 'door-2')]);
    expect(a?.id).toBe('PO-1');
    expect(b).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(inBatch(() => [openReceipts(db), openReceipts(db)]).every((list, _, all) => list === all[0] && Object.isFrozen(list))).toBe(true);
    expect(none).toBeUndefined();
    // Outside a batch every call reads.
    expect(openReceiptAt(db, 'door-1')).not.toBe(openReceiptAt(db, 'door-1'));
  });

  it('sees a receipt opened, closed or rolled back earlier in the same batch', () => {
    const seen = inBatch(() => {
      const out: Array<string | undefined> = [openReceiptAt(db, 'door-2')?.id];
      open('PO-2', 'door-2');
      out.push(openReceiptAt(db, 'door-2')?.id);
      db.prepare("UPDATE receipts SET status = 'closed', closed_ms = 1 WHERE id = 'PO-1'").run();
      out.push(openReceiptAt(db, 'door-1')?.id);
      // A savepoint that opened a receipt and rolled back: the door is empty again.
      insert('PO-3', 'expected', null);
      try {
        db.transaction(() => {
          open('PO-3', 'door-1');
          out.push(openReceiptAt(db, 'door-1')?.id);
          throw new Error('roll back');
        })();
      } catch {
        out.push(openReceiptAt(db, 'door-1')?.id);
      }
      return out;
    });
    expect(seen).toEqual([undefined, 'PO-2', undefined, 'PO-3', undefined]);
  });
});
