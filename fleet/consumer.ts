// fleet — one durable JetStream consumer per site: fetches the site's feed in stream order, parses each record (a bad
// one goes to fleet_dead_letters and stops the site: its seq is then a gap), applies the batch to PostgreSQL in one
// transaction, and only after that commit acknowledges JetStream (AckPolicy.All: the last message acks the batch).
// A crash between commit and ack redelivers records the site's applied_through already covers: skipped.
import { AckPolicy, DeliverPolicy, jetstreamManager, StorageType, jetstream, type Consumer, type JsMsg } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import type pg from 'pg';
import { feedStream, feedSubject, parseFeedRecord, type FeedRecord } from '../protocols/feed/index.js';
import type { Logger } from '../protocols/logging/index.js';
import { applyBatch } from './store/apply.js';

export const CONSUMER_NAME = 'dockgate-fleet';

export interface SiteConsumerOptions {
  site: string;
  /** Replicas of the site's stream when the fleet creates it before the hub does. */
  replicas: number;
  batch: number;
  retryMs: number;
}

export interface SiteProgress {
  applied: number;
  duplicates: number;
  /** Messages the stream holds that this consumer has not yet been delivered or acknowledged. */
  pending: number | null;
  lastError: string | null;
}

export class SiteConsumer {
  private running = false;
  private loop: Promise<void> | undefined;
  readonly progress: SiteProgress = { applied: 0, duplicates: 0, pending: null, lastError: null };

  constructor(
    private readonly nc: NatsConnection,
    private readonly pool: pg.Pool,
    private readonly opts: SiteConsumerOptions,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async consumer(): Promise<Consumer> {
    const jsm = await jetstreamManager(this.nc);
    const stream = feedStream(this.opts.site);
    const exists = await jsm.streams.info(stream).then(() => true, () => false);
    if (!exists) {
      await jsm.streams.add({ name: stream, subjects: [feedSubject(this.opts.site)], storage: StorageType.File, num_replicas: this.opts.replicas, duplicate_window: nanos(86_400_000) })
        .catch(async (err: Error) => {
          // The hub may have made it meanwhile.
          if (!(await jsm.streams.info(stream).then(() => true, () => false))) throw err;
        });
    }
    const hasConsumer = await jsm.consumers.info(stream, CONSUMER_NAME).then(() => true, () => false);
    if (!hasConsumer) {
      await jsm.consumers.add(stream, { durable_name: CONSUMER_NAME, ack_policy: AckPolicy.All, deliver_policy: DeliverPolicy.All, ack_wait: nanos(30_000), max_ack_pending: 20_000 });
    }
    return jetstream(this.nc).consumers.get(stream, CONSUMER_NAME);
  }

  private async run(): Promise<void> {
    let consumer: Consumer | undefined;
    while (this.running) {
      try {
        consumer ??= await this.consumer();
        const msgs: JsMsg[] = [];
        const it = await consumer.fetch({ max_messages: this.opts.batch, expires: 1000 });
        for await (const m of it) msgs.push(m);
        if (msgs.length) await this.apply(msgs);
        const info = await consumer.info(false).catch(() => undefined);
        if (info) this.progress.pending = info.num_pending + info.num_ack_pending;
        this.progress.lastError = null;
      } catch (err) {
        const message = (err as Error).message;
        if (message !== this.progress.lastError) this.log.warn({ site: this.opts.site, err: message }, 'fleet: consuming the site feed failed; retrying');
        this.progress.lastError = message;
        consumer = undefined;
        await new Promise((r) => setTimeout(r, this.opts.retryMs));
      }
    }
  }

  private async apply(msgs: JsMsg[]): Promise<void> {
    const records: FeedRecord[] = [];
    let bad: { msg: JsMsg; reason: string } | undefined;
    for (const m of msgs) {
      const p = parseFeedRecord(m.data, this.opts.site);
      if (!p.ok) {
        bad = { msg: m, reason: p.errors.map((e) => `${e.path || '/'}: ${e.message}`).join('; ') };
        break;
      }
      records.push(p.record);
    }
    const client = await this.pool.connect();
    let ackThrough: JsMsg | undefined = bad ? bad.msg : msgs[msgs.length - 1];
    try {
      const r = records.length ? await applyBatch(client, this.opts.site, records) : { applied: 0, duplicates: 0 };
      this.progress.applied += r.applied;
      this.progress.duplicates += r.duplicates;
      if ('gap' in r && r.gap) {
        this.log.error({ site: this.opts.site, expected: r.gap.expected, got: r.gap.got }, 'fleet: gap in the site feed; not applying past it');
        const at = records.findIndex((x) => x.seq === r.gap!.got);
        ackThrough = at > 0 ? msgs[at - 1] : undefined;
        bad = undefined;
      }
      if (bad) {
        await client.query('INSERT INTO fleet_dead_letters (site, stream_seq, reason, payload) VALUES ($1, $2, $3, $4)', [this.opts.site, bad.msg.seq, bad.reason, bad.msg.string()]);
        await client.query('UPDATE fleet_sites SET problem = $2 WHERE site = $1', [this.opts.site, `stream message ${bad.msg.seq} is not a valid feed record: ${bad.reason}`]);
        this.log.error({ site: this.opts.site, streamSeq: bad.msg.seq, reason: bad.reason }, 'fleet: invalid feed record kept as a dead letter');
      }
    } finally {
      client.release();
    }
    // Only what is committed is acknowledged (AckPolicy.All acks everything up to this message).
    // Wait for the server to take the ack, so the pending count read next is true (a lost ack only redelivers).
    if (ackThrough) await ackThrough.ackAck().catch(() => false);
  }
}
