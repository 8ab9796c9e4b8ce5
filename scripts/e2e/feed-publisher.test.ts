// The hub's feed publisher against a real NATS server: the stream holds each of the site's records once, in seq
// order, even when records reached the stream but their acknowledgements did not reach the hub and the stream's
// duplicate window has long passed (a hub cut off for longer than the window): the publisher reads what the stream
// already holds and sends only what follows, each record expecting its predecessor as the stream's last msg id.
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { afterAll, describe, expect, it } from 'vitest';
import { startNatsCluster, type NatsCluster } from '../../fleet/testing/nats-cluster.js';
import { waitFor } from '../../fleet/testing/ports.js';
import { startTcpProxy, type TcpProxy } from '../../fleet/testing/tcp-proxy.js';
import { FeedOutbox } from '../../hub/feed/outbox.js';
import type { TestHub } from '../../hub/testing/harness.js';
import { feedStream, feedSubject, parseFeedRecord } from '../../protocols/feed/index.js';
import { hubApi, postMove, startFeedHub } from './fleet-support.js';

describe('hub feed publisher', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await Promise.resolve(c()).catch(() => undefined);
  }, 60_000);

  it('records the stream already holds (acks lost, duplicate window past) are not stored again; the stream is seq 1..n in order', async () => {
    const nats: NatsCluster = await startNatsCluster(1);
    cleanup.push(() => nats.stop());
    const proxy: TcpProxy = await startTcpProxy(nats.nodes[0]!.port);
    cleanup.push(() => proxy.close());
    await proxy.cut();
    const site = 'site-p';
    const t: TestHub = await startFeedHub(site, [proxy.url], { replicas: 1 });
    cleanup.push(() => t.stop());
    await hubApi(t, 'POST', '/api/v1/items', { sku: 'X', name: 'X', tracking: 'quantity', standardCost: 100, costMethod: 'fifo' });
    for (let i = 0; i < 8; i++) await postMove(t, `p${i}`, { sku: 'X', qty: 1 + i, from: 'adjustment', to: 'stock', reason: 'adjustment' });
    const outbox = new FeedOutbox(t.hub.db, site);
    const all = outbox.pending(1000);
    expect(all.length).toBe(8);

    // The first three reached the stream, but the hub never heard (its link was cut); the duplicate window passes.
    const nc = await connect({ servers: nats.servers });
    cleanup.push(() => nc.close());
    const jsm = await jetstreamManager(nc);
    const stream = feedStream(site);
    await jsm.streams.add({ name: stream, subjects: [feedSubject(site)], storage: StorageType.File, num_replicas: 1, duplicate_window: nanos(200) });
    const js = jetstream(nc);
    for (const r of all.slice(0, 3)) await js.publish(feedSubject(site), JSON.stringify(r), { msgID: r.id });
    await new Promise((r) => setTimeout(r, 600));

    await proxy.restore();
    await waitFor('the outbox to drain', () => outbox.state().depth === 0, 60_000);
    const info = await jsm.streams.info(stream);
    const seqs: number[] = [];
    for (let s = info.state.first_seq; s <= info.state.last_seq; s++) {
      const m = await jsm.streams.getMessage(stream, { seq: s });
      const p = parseFeedRecord(m!.data, site);
      if (!p.ok) throw new Error(`stream seq ${s} is not a feed record`);
      seqs.push(p.record.seq);
    }
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(outbox.state().publishedThrough).toBe(8);
  }, 120_000);
});
