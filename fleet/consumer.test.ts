// A site's consumer against a real nats-server and PostgreSQL (started here): records published while it runs are
// applied and acknowledged; a consumer deleted under it (an operator rebuilding) is made again and nothing is applied
// twice; an unreadable message is kept as a dead letter and stops the site at the gap it leaves.
import { jetstream, jetstreamManager, StorageType, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEED_VERSION, feedStream, feedSubject, type FeedRecord } from '../protocols/feed/index.js';
import { silentLogger } from '../protocols/logging/index.js';
import { CONSUMER_NAME, SiteConsumer } from './consumer.js';
import { migrateFleet } from './store/schema.js';
import { startNatsCluster, type NatsCluster } from './testing/nats-cluster.js';
import { waitFor } from './testing/ports.js';
import { startPostgres, type TestPostgres } from './testing/postgres.js';

const SITE = 'site-q';
const move = (seq: number): FeedRecord => ({
  v: FEED_VERSION, site: SITE, seq, id: `q${seq}`, ts: new Date().toISOString(), kind: 'move',
  data: { sku: 'X', qty: 1, from: 'adjustment', to: 'stock', fromKind: 'adjustment', toKind: 'stock', fromVirtual: true, toVirtual: false, reason: 'adjustment', reference: null, epc: null, occurredAt: new Date().toISOString(), valueDelta: 0 },
});

describe('a site consumer over real NATS JetStream and PostgreSQL', () => {
  let nats: NatsCluster;
  let pgsrv: TestPostgres;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let js: JetStreamClient;
  let pool: pg.Pool;
  let consumer: SiteConsumer;
  const site = async () => (await pool.query('SELECT applied_through::int AS through, gap_expected::int AS gap, problem FROM fleet_sites WHERE site = $1', [SITE])).rows[0];
  const publish = async (from: number, to: number) => {
    for (let s = from; s <= to; s++) await js.publish(feedSubject(SITE), JSON.stringify(move(s)), { msgID: `q${s}` });
  };

  beforeAll(async () => {
    [nats, pgsrv] = await Promise.all([startNatsCluster(1), startPostgres()]);
    nc = await connect({ servers: nats.servers });
    jsm = await jetstreamManager(nc);
    js = jetstream(nc);
    await jsm.streams.add({ name: feedStream(SITE), subjects: [feedSubject(SITE)], storage: StorageType.File, num_replicas: 1 });
    pool = new pg.Pool({ connectionString: pgsrv.url, max: 2 });
    const c = await pool.connect();
    await migrateFleet(c);
    c.release();
    consumer = new SiteConsumer(nc, pool, { site: SITE, replicas: 1, batch: 50, retryMs: 200 }, silentLogger());
    consumer.start();
  }, 60_000);
  afterAll(async () => {
    await consumer?.stop();
    await pool?.end();
    await nc?.close();
    await nats?.stop();
    await pgsrv?.stop();
  }, 60_000);

  it('applies what is published while it runs, in batches, and acknowledges it', async () => {
    await publish(1, 120);
    await waitFor('120 records applied', async () => (await site())?.through === 120, 30_000);
    await waitFor('nothing pending', () => consumer.progress.pending === 0, 10_000);
    expect(consumer.progress).toMatchObject({ applied: 120, lastError: null });
    expect((await jsm.consumers.info(feedStream(SITE), CONSUMER_NAME)).num_ack_pending).toBe(0);
  });

  it('makes its consumer again when it is deleted, and applies nothing twice', async () => {
    await jsm.consumers.delete(feedStream(SITE), CONSUMER_NAME);
    await publish(121, 130);
    await waitFor('the records after the deletion applied', async () => (await site())?.through === 130, 30_000);
    expect(consumer.progress.applied).toBe(130);
    expect(consumer.progress.duplicates).toBeGreaterThanOrEqual(120); // the new consumer delivered the stream from its start
    expect((await pool.query('SELECT COUNT(*)::int AS n FROM fleet_changes WHERE site = $1', [SITE])).rows[0].n).toBe(130);
  });

  it('keeps an unreadable message as a dead letter and stops the site at the gap it leaves', async () => {
    await js.publish(feedSubject(SITE), JSON.stringify({ ...move(131), seq: '131' }), { msgID: 'bad-131' });
    await publish(132, 133);
    await waitFor('the site stopped at the gap', async () => (await site())?.gap === 131, 30_000);
    expect(await site()).toEqual({ through: 130, gap: 131, problem: 'stream message 131 is not a valid feed record: /seq: Expected integer' });
    expect((await pool.query('SELECT stream_seq::int AS s FROM fleet_dead_letters WHERE site = $1', [SITE])).rows).toEqual([{ s: 131 }]);
  });
});
