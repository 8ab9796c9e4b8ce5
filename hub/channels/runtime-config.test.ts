// hub/channels — ChannelSync.upsertChannel / removeChannel: lanes changed at run time against real webhook receivers
// over HTTP and a real SQLite ledger.
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../protocols/logging/index.js';
import { ChannelConfigError, type ChannelConfig } from '../../protocols/channels/config.js';
import { createConnector, type Connector } from '../../connectors/index.js';
import { ledgerAvailability } from './ledger-port.js';
import { ChannelSync } from './sync.js';
import { FakeWebhookReceiver } from './testing/fake-webhook.js';
import { makeSite, waitFor, type Site } from './testing/harness.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function receiver(): Promise<FakeWebhookReceiver> {
  const r = await new FakeWebhookReceiver('whsec').start();
  cleanups.push(() => r.close());
  return r;
}

function site(skus: string[]): Site {
  const s = makeSite(skus);
  cleanups.push(() => s.close());
  return s;
}

const webhook = (id: string, url: string, skus: string[], rule: Partial<ChannelConfig['rule']> = {}): ChannelConfig => ({
  id,
  connector: 'webhook',
  mode: 'live',
  locations: ['stock'],
  rule: { pct: 1, channelBuffer: 0, endWhen: 0, ...rule },
  skus: Object.fromEntries(skus.map((s) => [s, { item: `item-${s}` }])),
  webhook: { url, readUrl: url, secret: 'whsec', batchSize: 100 },
  http: { timeoutMs: 2000, maxTries: 3, backoffBaseMs: 5, backoffMaxMs: 50 },
});

function start(s: Site, channels: ChannelConfig[], connectors?: Record<string, Connector>): ChannelSync {
  const cs = new ChannelSync({
    db: s.db, channels, availability: ledgerAvailability(s.db), log: silentLogger(), reconcileEveryMs: 0,
    coalesce: { quietMs: 10, maxDelayMs: 100 }, retryBaseMs: 10, retryMaxMs: 50, ...(connectors ? { connectors } : {}),
  });
  cleanups.push(() => cs.stop());
  return cs;
}

const itemsOf = (r: FakeWebhookReceiver) => r.received.flatMap((p) => p.items);

describe('channels changed at run time', () => {
  it('replaces a channel: the push in flight finishes on the old endpoint, then only differences go to the new one', async () => {
    const s = site(['X', 'Y']);
    s.receive('X', 5);
    s.receive('Y', 3);
    const a = await receiver();
    const b = await receiver();
    const cfg = webhook('web', a.url, ['X']);
    // The old connector's push waits at a gate, so the swap happens while it is in flight.
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    let entered = false;
    const real = createConnector(cfg, silentLogger());
    const gated: Connector = { ...real, push: async (items, key) => { entered = true; await gate; return real.push(items, key); } };
    const cs = start(s, [cfg], { web: gated });
    await cs.start();
    await waitFor(() => entered, 'the first push to be in flight');

    await cs.upsertChannel({ ...cfg, webhook: { ...cfg.webhook!, url: b.url, readUrl: b.url }, skus: { X: { item: 'item-X' }, Y: { item: 'item-Y' } } });
    open();
    await cs.idle();
    expect(a.shows.get('item-X')).toBe(5); // the in-flight push finished where it was going
    expect(itemsOf(b).map((i) => [i.sku, i.quantity])).toEqual([['Y', 3]]); // X was confirmed: not pushed again
    expect(cs.store.row('web', 'X')).toMatchObject({ last_confirmed: 5, attempt_key: null });

    s.receive('X', 2);
    cs.markDirty('X');
    await waitFor(() => b.shows.get('item-X') === 7, 'X = 7 at the new endpoint');
    await cs.idle();
    expect(itemsOf(a)).toHaveLength(1);
  });

  it('refuses a bad config naming the field, before anything (commit included) happens', async () => {
    const s = site(['X']);
    const a = await receiver();
    const cfg = webhook('web', a.url, ['X']);
    const cs = start(s, [cfg]);
    await cs.start();
    let committed = false;
    const err = await cs.upsertChannel({ ...cfg, rule: { pct: 2 } }, { where: 'body', commit: () => (committed = true) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelConfigError);
    expect((err as ChannelConfigError).field).toBe('rule.pct');
    expect((err as Error).message).toMatch(/^body\.rule\.pct: /);
    expect(committed).toBe(false);
    expect(cs.config('web')!.rule.pct).toBe(1);
  });

  it('removes a channel: no more pushes to it, its fixed allocation goes back to the others, its rows are kept', async () => {
    const s = site(['X']);
    s.receive('X', 10);
    const web = await receiver();
    const wholesale = await receiver();
    const cs = start(s, [webhook('web', web.url, ['X']), webhook('wholesale', wholesale.url, ['X'], { fixed: 4 })]);
    await cs.start();
    await cs.idle();
    expect(wholesale.shows.get('item-X')).toBe(4);
    expect(web.shows.get('item-X')).toBe(6);

    await cs.removeChannel('wholesale');
    await waitFor(() => web.shows.get('item-X') === 10, 'web = 10 once the wholesale carve-out is gone');
    s.receive('X', 1);
    cs.markDirty('X');
    await waitFor(() => web.shows.get('item-X') === 11, 'web = 11');
    await cs.idle();
    expect(itemsOf(wholesale)).toHaveLength(1);
    expect(cs.channelIds()).toEqual(['web']);
    expect(cs.health().map((h) => h.channel)).toEqual(['web']);
    expect(cs.store.rows('wholesale')).toHaveLength(1);
    expect(cs.config('wholesale')).toBeUndefined();
    await expect(cs.removeChannel('wholesale')).rejects.toThrow(/unknown channel "wholesale"/);
  });
});
