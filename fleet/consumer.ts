// fleet — one durable JetStream consumer per site. Its messages stream in continuously (consume(): a pull
// subscription the client keeps topped up, so a change reaches the fleet as soon as it is in the stream, without a
// fetch round that waits to fill) into a queue keyed by stream seq; one apply loop takes up to `batch` of them in
// stream order, parses each (a bad one is kept in fleet_dead_letters and stops the site: its seq is then a gap),
// applies them to PostgreSQL in one transaction, and only after that commit acknowledges JetStream (AckPolicy.All:
// the last message acks the batch). While a batch is applied the next one queues, so batches grow with the load.
// A crash between commit and ack redelivers records the site's applied_through already covers: skipped, acked.
import { AckPolicy, DeliverPolicy, jetstreamManager, StorageType, jetstream, type Consumer, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import type pg from 'pg';
import { feedStream, feedSubject, parseFeedRecord, type FeedRecord } from '../protocols/feed/index.js';
import type { Logger } from '../protocols/logging/index.js';
import { applyBatch, type DeadLetter } from './store/apply.js';
import { systemRuntime, type Runtime, type Timer } from '../runtime/runtime.js';

export const CONSUMER_NAME = 'dockgate-fleet';
/** How often an idle site's pending count is read from the server (it is otherwise carried by each message). */
const IDLE_REFRESH_MS = 5000;

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
  /** Messages the stream holds that this consumer has not yet applied (delivered or not). */
  pending: number | null;
  lastError: string | null;
}

export class SiteConsumer {
  private running = false;
  private loop: Promise<void> | undefined;
  private messages: ConsumerMessages | undefined;
  /** Delivered, not yet applied: stream seq → message (a redelivery of a queued message replaces it). */
  private readonly queue = new Map<number, JsMsg>();
  /** Highest stream seq applied and acknowledged: a redelivery at or below it is acked again and dropped. */
  private ackedSeq = 0;
  /** Stream seq of the first message a gap held back: only an earlier one (the missing record) is worth a retry. */
  private heldFrom: number | undefined;
  /** Messages the server had not delivered yet when the last one came. */
  private undelivered: number | null = null;
  private wake: (() => void) | undefined;
  private loggedGap: string | undefined;
  readonly progress: SiteProgress = { applied: 0, duplicates: 0, pending: null, lastError: null };

  constructor(
    private readonly nc: NatsConnection,
    private readonly pool: pg.Pool,
    private readonly opts: SiteConsumerOptions,
    private readonly log: Logger,
    private readonly runtime: Pick<Runtime, 'setTimer'> = systemRuntime,
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private async consumer(): Promise<Consumer> {
    const jsm = await jetstreamManager(this.nc);
    const stream = feedStream(this.opts.site);
    const exists = await jsm.streams.info(stream).then(
      () => true,
      () => false,
    );
    if (!exists) {
      await jsm.streams
        .add({
          name: stream,
          subjects: [feedSubject(this.opts.site)],
          storage: StorageType.File,
          num_replicas: this.opts.replicas,
          duplicate_window: nanos(86_400_000),
        })
        .catch(async (err: Error) => {
          // The hub may have made it meanwhile.
          if (
            !(await jsm.streams.info(stream).then(
              () => true,
              () => false,
            ))
          )
            throw err;
        });
    }
    const hasConsumer = await jsm.consumers.info(stream, CONSUMER_NAME).then(
      () => true,
      () => false,
    );
    if (!hasConsumer) {
      // max_ack_pending bounds what the fleet holds in memory per site while PostgreSQL is away.
      await jsm.consumers.add(stream, {
        durable_name: CONSUMER_NAME,
        ack_policy: AckPolicy.All,
        deliver_policy: DeliverPolicy.All,
        ack_wait: nanos(30_000),
        max_ack_pending: Math.max(4 * this.opts.batch, 2000),
      });
    }
    return jetstream(this.nc).consumers.get(stream, CONSUMER_NAME);
  }

  private take(m: JsMsg): void {
    if (m.seq <= this.ackedSeq) {
      m.ack(); // applied already (a redelivery after an ack the server did not take)
      return;
    }
    this.queue.set(m.seq, m);
    this.undelivered = m.info.pending;
    if (this.heldFrom === undefined || m.seq < this.heldFrom) this.wake?.();
  }

  private pending(): number | null {
    return this.undelivered === null ? null : this.undelivered + this.queue.size;
  }

  private async refresh(consumer: Consumer): Promise<void> {
    const info = await consumer.info(false);
    this.undelivered = info.num_pending;
    this.progress.pending = info.num_pending + info.num_ack_pending;
  }

  private idle(ms: number): Promise<boolean> {
    if (!this.running) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = this.runtime.setTimer(ms, () => {
        this.wake = undefined;
        resolve(false);
      });
      this.wake = () => {
        timer.cancel();
        this.wake = undefined;
        resolve(true);
      };
    });
  }

  private async run(): Promise<void> {
    let consumer: Consumer | undefined;
    while (this.running) {
      try {
        if (!consumer) {
          consumer = await this.consumer();
          this.ackedSeq = 0; // a consumer made anew delivers from the start: applied_through tells what is applied
          await this.refresh(consumer);
        }
        if (!this.messages) {
          // Missing stream or consumer (an operator deleted them to rebuild): the pull ends, and both are made again.
          const messages = await consumer.consume({ max_messages: this.opts.batch, abort_on_missing_resource: true, callback: (m) => this.take(m) });
          this.messages = messages;
          void messages.closed().then(() => {
            if (this.messages !== messages) return;
            this.messages = undefined;
            consumer = undefined;
            this.wake?.();
          });
        }
        if (this.queue.size === 0 || this.heldFrom !== undefined) {
          const woken = await this.idle(this.heldFrom !== undefined ? this.opts.retryMs : IDLE_REFRESH_MS);
          this.heldFrom = undefined;
          if (!woken && this.queue.size === 0 && this.running) await this.refresh(consumer);
          continue;
        }
        await this.apply();
        this.progress.pending = this.pending();
        this.progress.lastError = null;
      } catch (err) {
        const message = (err as Error).message;
        if (message !== this.progress.lastError) this.log.warn({ site: this.opts.site, err: message }, 'fleet: consuming the site feed failed; retrying');
        this.progress.lastError = message;
        await this.idle(this.opts.retryMs);
      }
    }
    // Stopping never waits on the broker for long: the fleet closes its NATS connection next, which ends the pull.
    if (this.messages) {
      let timer: Timer | undefined;
      await Promise.race([this.messages.close().catch(() => undefined), new Promise<void>((r) => (timer = this.runtime.setTimer(2000, r)))]);
      timer?.cancel();
    }
    this.messages = undefined;
  }

  /** Apply the first `batch` queued messages in stream order; ack through the last one committed. */
  private async apply(): Promise<void> {
    const seqs = [...this.queue.keys()].sort((x, y) => x - y).slice(0, this.opts.batch);
    const msgs = seqs.map((s) => this.queue.get(s)!);
    const records: FeedRecord[] = [];
    let dead: DeadLetter | undefined;
    for (const m of msgs) {
      const p = parseFeedRecord(m.data, this.opts.site);
      if (!p.ok) {
        dead = { streamSeq: m.seq, reason: p.errors.map((e) => `${e.path || '/'}: ${e.message}`).join('; '), payload: m.string() };
        break;
      }
      records.push(p.record);
    }
    const client = await this.pool.connect();
    let r: Awaited<ReturnType<typeof applyBatch>>;
    try {
      r = await applyBatch(client, this.opts.site, records, dead);
    } finally {
      client.release();
    }
    this.progress.applied += r.applied;
    this.progress.duplicates += r.duplicates;
    // What is acknowledged: every message before the gap, or (no gap) every record and the dead letter after them.
    let through = records.length;
    if (r.gap) {
      const gap = `${r.gap.expected}/${r.gap.got}`;
      if (gap !== this.loggedGap)
        this.log.error({ site: this.opts.site, expected: r.gap.expected, got: r.gap.got }, 'fleet: gap in the site feed; not applying past it');
      this.loggedGap = gap;
      through = records.findIndex((x) => x.seq === r.gap!.got);
      this.heldFrom = msgs[through]!.seq;
    } else if (dead) {
      this.log.error({ site: this.opts.site, streamSeq: dead.streamSeq, reason: dead.reason }, 'fleet: invalid feed record kept as a dead letter');
      through = records.length + 1;
    }
    if (through === 0) return;
    const last = msgs[through - 1]!;
    for (const m of msgs.slice(0, through)) this.queue.delete(m.seq);
    this.ackedSeq = Math.max(this.ackedSeq, last.seq);
    // Only what is committed is acknowledged (AckPolicy.All acks everything up to this message). Wait for the server
    // to take the ack (a lost ack only redelivers what take() then acks again).
    await last.ackAck().catch(() => false);
  }
}
