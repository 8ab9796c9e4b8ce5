import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { eventErrors, isoTs, type EventDraft, type GapEvent } from '../../protocols/events/index.js';
import { silentLogger } from '../../protocols/logging/index.js';
import { Outbox, OutboxError } from './outbox.js';
import { tagPassDraft } from './fixtures/drafts.js';
import { captureLogger } from '../../protocols/logging/capture.js';

const T = Date.UTC(2026, 10, 22, 10, 0, 0);
let dir: string;
const open: Outbox[] = [];

function openOutbox(name = 'outbox.db', extra: Partial<Parameters<typeof Outbox.open>[0]> = {}): Outbox {
  // NORMAL keeps these tests fast; what FULL adds (power-loss durability) cannot be tested here, and process-crash
  // durability (the same for both) is crash.test.ts's job.
  const o = Outbox.open({ path: join(dir, name), logger: silentLogger(), synchronous: 'NORMAL', ...extra });
  open.push(o);
  return o;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'outbox-test-'));
});
afterEach(() => {
  for (const o of open.splice(0)) o.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Outbox', () => {
  it('creates a URL-safe stream id with the database and keeps it across restarts', () => {
    const a = openOutbox();
    expect(a.stream).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
    const stream = a.stream;
    a.close();
    expect(openOutbox().stream).toBe(stream);
    expect(openOutbox('other.db').stream).not.toBe(stream);
  });

  it('runs in WAL mode with synchronous=FULL unless told otherwise', () => {
    const o = Outbox.open({ path: join(dir, 'default.db'), logger: silentLogger() });
    open.push(o);
    expect(o.settings()).toEqual({ journalMode: 'wal', synchronous: 'FULL' });
    expect(openOutbox('normal.db').settings()).toEqual({ journalMode: 'wal', synchronous: 'NORMAL' });
  });

  it('stamps id, stream, gap-free seq and ts on each draft, in one transaction, in draft order', () => {
    const o = openOutbox();
    const made = o.append([tagPassDraft(1), tagPassDraft(2), { kind: 'door', door: 'dock-3', state: 'open' }], T);
    expect(made.map((e) => e.seq)).toEqual([1, 2, 3]);
    for (const e of made) {
      expect(e.stream).toBe(o.stream);
      expect(e.ts).toBe(isoTs(T));
      expect(eventErrors(e)).toEqual([]);
    }
    expect(new Set(made.map((e) => e.id)).size).toBe(3);
    expect(made[0]).toMatchObject({ ...tagPassDraft(1) });
    expect(o.peek(10)).toEqual(made);
    const more = o.append([tagPassDraft(4)], T + 1);
    expect(more[0]!.seq).toBe(4);
    expect(o.lastSeq()).toBe(4);
  });

  it('never reuses a seq: the counter survives acking every row and restarting', () => {
    const o = openOutbox();
    const made = o.append([tagPassDraft(1), tagPassDraft(2), tagPassDraft(3)], T);
    expect(o.ack(made.map((e) => e.seq))).toBe(3);
    expect(o.depth()).toBe(0);
    o.close();
    const again = openOutbox();
    expect(again.lastSeq()).toBe(3);
    expect(again.append([tagPassDraft(4)], T)[0]!.seq).toBe(4);
  });

  it('pages with peek(limit, afterSeq) oldest first', () => {
    const o = openOutbox();
    o.append(Array.from({ length: 10 }, (_, i) => tagPassDraft(i)), T);
    expect(o.peek(3).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(o.peek(3, 3).map((e) => e.seq)).toEqual([4, 5, 6]);
    expect(o.peek(100, 8).map((e) => e.seq)).toEqual([9, 10]);
    expect(o.peek(5, 10)).toEqual([]);
    const rows = o.peekRows(2, 4);
    expect(rows.map((r) => r.seq)).toEqual([5, 6]);
    expect(JSON.parse(rows[0]!.body)).toEqual(o.peek(1, 4)[0]);
  });

  it('acks by seq and by id, ignores unknown keys, and keeps depth and bytes right across restarts', () => {
    const o = openOutbox();
    const made = o.append(Array.from({ length: 6 }, (_, i) => tagPassDraft(i)), T);
    const total = made.reduce((n, e) => n + Buffer.byteLength(JSON.stringify(e)), 0);
    expect(o.depth()).toBe(6);
    expect(o.bytes()).toBe(total);
    expect(o.ack([1, made[1]!.id, 999, 'no-such-id', 1])).toBe(2);
    expect(o.depth()).toBe(4);
    expect(o.bytes()).toBe(total - Buffer.byteLength(JSON.stringify(made[0])) - Buffer.byteLength(JSON.stringify(made[1])));
    expect(o.peek(10).map((e) => e.seq)).toEqual([3, 4, 5, 6]);
    const bytes = o.bytes();
    o.close();
    const again = openOutbox();
    expect(again.depth()).toBe(4);
    expect(again.bytes()).toBe(bytes);
  });

  it("confirmThrough deletes every row up to the hub's seq, keeps the rest, and refuses a seq never handed out", () => {
    const o = openOutbox();
    const made = o.append(Array.from({ length: 6 }, (_, i) => tagPassDraft(i)), T);
    const size = (from: number) => made.slice(from).reduce((n, e) => n + Buffer.byteLength(JSON.stringify(e)), 0);
    o.ack([2]); // a hole below `through` (e.g. acked by the broker earlier) is fine
    expect(o.confirmThrough(4)).toBe(3);
    expect(o.peek(10).map((e) => e.seq)).toEqual([5, 6]);
    expect(o.depth()).toBe(2);
    expect(o.bytes()).toBe(size(4));
    expect(o.confirmThrough(4)).toBe(0); // a repeated (retained) ack changes nothing
    expect(o.confirmThrough(0)).toBe(0);
    expect(() => o.confirmThrough(7)).toThrow(/seq 7 is beyond the last seq handed out \(6\)/);
    expect(() => o.confirmThrough(-1)).toThrow(OutboxError);
    expect(() => o.confirmThrough(1.5)).toThrow(/integer >= 0, got 1.5/);
    expect(o.depth()).toBe(2);
    o.close();
    const again = openOutbox();
    expect(again.depth()).toBe(2);
    expect(again.bytes()).toBe(size(4));
    expect(again.confirmThrough(6)).toBe(2);
    expect(again.depth()).toBe(0);
    expect(again.lastSeq()).toBe(6); // the seq counter never goes back
  });

  it('reports the age of the oldest stored event', () => {
    const o = openOutbox();
    expect(o.oldestAgeMs(T)).toBe(0);
    o.append([tagPassDraft(1)], T);
    o.append([tagPassDraft(2)], T + 500);
    expect(o.oldestAgeMs(T + 2000)).toBe(2000);
    o.ack([1]);
    expect(o.oldestAgeMs(T + 2000)).toBe(1500);
  });

  it('refuses an invalid draft with an error naming the field, stores the good ones, and puts a gap naming the reason in its seq', () => {
    const { logger, lines } = captureLogger();
    const o = Outbox.open({ path: join(dir, 'x.db'), logger });
    open.push(o);
    const bad = { ...tagPassDraft(2), epc: 'XYZ' } as EventDraft;
    const stamped = { ...tagPassDraft(3), seq: 77 } as unknown as EventDraft;
    const made = o.append([tagPassDraft(1), bad, stamped, tagPassDraft(4)], T);
    expect(made.map((e) => [e.seq, e.kind])).toEqual([
      [1, 'tag.pass'],
      [2, 'gap'],
      [3, 'gap'],
      [4, 'tag.pass'],
    ]);
    // Never only a log line: each refusal reaches the hub as a gap of one seq with the reason
    const gaps = made.filter((e) => e.kind === 'gap') as GapEvent[];
    expect(gaps.map((g) => [g.fromSeq, g.toSeq, g.count])).toEqual([
      [2, 2, 1],
      [3, 3, 1],
    ]);
    expect(gaps[0]!.reason).toMatch(/^refused tag\.pass: .*\/epc/);
    expect(gaps[1]!.reason).toContain('must not carry id, stream, seq or ts');
    expect(o.peek(10).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(o.rejected()).toBe(2);
    const errs = lines.filter((l) => l.level === 'error');
    expect(errs).toHaveLength(2);
    expect(errs[0]).toMatchObject({ draftIndex: 1, kind: 'tag.pass', gapSeq: 2 });
    expect(String(errs[0]!.reason)).toContain('/epc');
  });

  it('when the row cap is hit drops the oldest, appends a loud gap event, and never loses a gap silently', () => {
    const { logger, lines } = captureLogger();
    const o = Outbox.open({ path: join(dir, 'cap.db'), logger, maxRows: 10, synchronous: 'NORMAL' });
    open.push(o);
    for (let i = 1; i <= 40; i++) o.append([tagPassDraft(i)], T + i);
    expect(o.depth()).toBeLessThanOrEqual(10);
    const rows = o.peek(100);
    const gaps = rows.filter((e): e is GapEvent => e.kind === 'gap');
    expect(gaps.length).toBeGreaterThan(0);
    for (const g of gaps) expect(eventErrors(g)).toEqual([]);
    // Every seq ever handed out is either still stored or inside a stored gap's range.
    const covered = new Set(rows.map((e) => e.seq));
    for (const g of gaps) for (let s = g.fromSeq; s <= g.toSeq; s++) covered.add(s);
    for (let s = 1; s <= o.lastSeq(); s++) expect(covered.has(s), `seq ${s}`).toBe(true);
    expect(o.dropped()).toBeGreaterThan(0);
    const errs = lines.filter((l) => l.level === 'error' && l.msg.includes('outbox full'));
    expect(errs.length).toBeGreaterThan(0);
    expect(errs[0]).toMatchObject({ fromSeq: 1 });
    expect(rows.map((e) => e.seq)).toEqual([...rows.map((e) => e.seq)].sort((a, b) => a - b));
  });

  it('enforces the byte cap too', () => {
    const o = openOutbox('bytes.db', { maxBytes: 16 * 1024 });
    for (let i = 1; i <= 200; i++) o.append([tagPassDraft(i)], T);
    expect(o.bytes()).toBeLessThanOrEqual(16 * 1024);
    expect(o.peek(1000).some((e) => e.kind === 'gap')).toBe(true);
  });

  it('an append larger than the cap keeps the newest and records the rest as a gap', () => {
    const o = openOutbox('big.db', { maxRows: 20 });
    const made = o.append(Array.from({ length: 50 }, (_, i) => tagPassDraft(i)), T);
    expect(made).toHaveLength(50);
    const rows = o.peek(100);
    expect(rows.length).toBeLessThanOrEqual(20);
    const gap = rows.at(-1) as GapEvent;
    expect(gap).toMatchObject({ kind: 'gap', fromSeq: 1, seq: 51 });
    expect(rows[0]!.seq).toBe(gap.toSeq + 1);
  });

  it('keeps every seq accounted for under random appends, acks, caps and restarts (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.record({ append: fc.integer({ min: 1, max: 15 }) }), fc.record({ ack: fc.integer({ min: 0, max: 10 }) }), fc.constant({ reopen: true })), {
          maxLength: 60,
        }),
        fc.integer({ min: 2, max: 30 }),
        (ops, maxRows) => {
          const path = join(dir, `prop-${Math.random().toString(36).slice(2)}.db`);
          let o = Outbox.open({ path, logger: silentLogger(), maxRows, synchronous: 'NORMAL' });
          const stream = o.stream;
          const delivered = new Set<number>();
          let n = 0;
          try {
            for (const op of ops) {
              if ('append' in op) o.append(Array.from({ length: op.append }, () => tagPassDraft(n++)), T);
              else if ('ack' in op) {
                // The publisher acks what it sent; a gap that is acked reports its range as delivered news.
                for (const e of o.peek(op.ack)) {
                  delivered.add(e.seq);
                  if (e.kind === 'gap') for (let s = e.fromSeq; s <= e.toSeq; s++) delivered.add(s);
                }
                o.ack(o.peek(op.ack).map((e) => e.seq));
              } else {
                o.close();
                o = Outbox.open({ path, logger: silentLogger(), maxRows, synchronous: 'NORMAL' });
                expect(o.stream).toBe(stream);
              }
              expect(o.depth()).toBeLessThanOrEqual(maxRows);
            }
            const rows = o.peek(100_000);
            const covered = new Set([...delivered, ...rows.map((e) => e.seq)]);
            for (const e of rows) if (e.kind === 'gap') for (let s = e.fromSeq; s <= e.toSeq; s++) covered.add(s);
            for (let s = 1; s <= o.lastSeq(); s++) if (!covered.has(s)) throw new Error(`seq ${s} vanished silently`);
            const seqs = rows.map((e) => e.seq);
            expect(new Set(seqs).size).toBe(seqs.length);
            expect(o.depth()).toBe(rows.length);
          } finally {
            o.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses a second owner of the same file with a clear error', () => {
    openOutbox('owned.db');
    expect(() => Outbox.open({ path: join(dir, 'owned.db'), logger: silentLogger() })).toThrow(/in use by another process/);
  });

  it('names the bad option', () => {
    expect(() => Outbox.open({ path: join(dir, 'a.db'), logger: silentLogger(), maxRows: 1 })).toThrow(OutboxError);
    expect(() => Outbox.open({ path: join(dir, 'a.db'), logger: silentLogger(), maxRows: 1 })).toThrow(/maxRows/);
    expect(() => Outbox.open({ path: join(dir, 'a.db'), logger: silentLogger(), maxBytes: 100 })).toThrow(/maxBytes/);
    expect(() => Outbox.open({ path: join(dir, 'no-such-dir', 'a.db'), logger: silentLogger() })).toThrow(/no-such-dir.*cannot open/);
  });
});
