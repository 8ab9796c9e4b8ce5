// hub/feed — the feed publisher: sends the outbox's records to the site's JetStream stream, each with its change id
// as Nats-Msg-Id (JetStream drops a resend within the stream's duplicate window), and removes rows only once
// JetStream acknowledged them (so a record is in the replicated stream before it leaves SQLite). While NATS is
// unreachable the hub keeps working and the outbox grows; the publisher catches up in seq order when it comes back.
//
// Stream order is seq order. Records are pipelined, and each carries the previous record's id as JetStream's
// expected last msg id: if record n is lost on the way (a node killed mid-flight, a leader change) while n+1.. were
// already sent, n+1.. are refused instead of being stored before n (which left the fleet at a gap it could never
// pass: seed 5 of the faults test). Before publishing after a failure or a (re)connect, the publisher reads the last
// record the stream holds for the site: what is already there leaves the outbox (a lost ack, or the duplicate
// window long past) and its id is the expectation for the next.
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, StorageType, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { feedStream, feedSubject, parseFeedRecord } from '../../protocols/feed/index.js';
import type { Logger } from '../../protocols/logging/index.js';
import type { FeedOutbox } from './outbox.js';
import { systemRuntime, type Runtime } from '../../runtime/runtime.js';

export interface FeedPublisherOptions {
  site: string;
  servers: string[];
  /** Replicas of the site's stream when the publisher creates it (3 on a 3-node cluster). */
  replicas: number;
  /** Records in flight at once. */
  batch: number;
  /** How often the outbox is looked at when nothing woke the publisher. */
  pollMs: number;
  /** Wait after a failed publish before the next try. */
  retryMs: number;
  /** JetStream's duplicate window of the stream, when the publisher creates it. */
  duplicateWindowMs: number;
}

export class FeedPublisher {
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private jsm: JetStreamManager | undefined;
  /** The last record the stream is known to hold (null: none); undefined until read from the stream. */
  private tail: { seq: number; id: string } | null | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  /** Records JetStream acknowledged since start (duplicates included). */
  published = 0;
  lastError: string | null = null;

  constructor(
    private readonly outbox: FeedOutbox,
    private readonly opts: FeedPublisherOptions,
    private readonly log: Logger,
    private readonly runtime: Pick<Runtime, 'setTimer'> = systemRuntime,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Something committed: look at the outbox now rather than at the next poll. */
  wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.woken = true;
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    await this.nc?.close().catch(() => undefined);
    this.nc = undefined;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const js = await this.client();
        const sent = await this.publishOnce(js);
        this.lastError = null;
        if (sent > 0) continue;
        await this.sleep(this.opts.pollMs);
      } catch (err) {
        const message = (err as Error).message;
        if (message !== this.lastError)
          this.log.warn({ err: message, depth: this.outbox.state().depth }, 'feed: publishing to JetStream failed; the outbox keeps the changes and retries');
        this.lastError = message;
        await this.sleep(this.opts.retryMs);
      }
    }
  }

  /** Publish up to one batch; returns how many records JetStream acknowledged. */
  private async publishOnce(js: JetStreamClient): Promise<number> {
    const subject = feedSubject(this.opts.site);
    const stream = feedStream(this.opts.site);
    if (this.tail === undefined) this.tail = await this.streamTail(stream, subject);
    const records = this.outbox.pending(this.opts.batch);
    if (records.length === 0) return 0;
    const acks = await Promise.allSettled(
      records.map((r, i) => {
        const previous = i === 0 ? this.tail?.id : records[i - 1]!.id;
        return js.publish(subject, JSON.stringify(r), {
          msgID: r.id,
          expect: { streamName: stream, ...(previous !== undefined ? { lastMsgID: previous } : {}) },
          timeout: 10_000,
        });
      }),
    );
    // Acknowledged prefix: rows leave the outbox only up to the first record JetStream did not confirm.
    let through = 0;
    for (let i = 0; i < acks.length; i++) {
      const a = acks[i]!;
      if (a.status !== 'fulfilled') {
        if (through > 0) this.outbox.acknowledged(through);
        this.tail = undefined; // what the stream holds now is read again before the next try
        throw a.reason as Error;
      }
      through = records[i]!.seq;
    }
    this.outbox.acknowledged(through);
    const last = records[records.length - 1]!;
    this.tail = { seq: last.seq, id: last.id };
    this.published += records.length;
    return records.length;
  }

  /** The site's last record in the stream; every outbox row up to it is already there and leaves the outbox. */
  private async streamTail(stream: string, subject: string): Promise<{ seq: number; id: string } | null> {
    const stored = await this.jsm!.streams.getMessage(stream, { last_by_subj: subject });
    if (!stored) return null;
    const p = parseFeedRecord(stored.data, this.opts.site);
    if (!p.ok)
      throw new Error(
        `feed: the last message of stream ${stream} (stream seq ${stored.seq}) is not a feed record of site ${this.opts.site}: ${p.errors.map((e) => `${e.path || '/'}: ${e.message}`).join('; ')}`,
      );
    const { seq, id } = p.record;
    const state = this.outbox.state();
    if (seq >= state.nextSeq)
      throw new Error(
        `feed: stream ${stream} already holds seq ${seq} but this hub has handed out only up to ${state.nextSeq - 1}: the stream belongs to another database of site ${this.opts.site}`,
      );
    if (seq > state.publishedThrough) {
      this.log.info(
        { through: seq, was: state.publishedThrough },
        'feed: the stream already holds records the outbox still had (an acknowledgement was lost); they leave the outbox',
      );
      this.outbox.acknowledged(seq);
    }
    return { seq, id };
  }

  private async client(): Promise<JetStreamClient> {
    if (this.nc && !this.nc.isClosed() && this.js) return this.js;
    const nc = await connect({
      servers: this.opts.servers,
      name: `dockgate-hub-${this.opts.site}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      timeout: 5_000,
    });
    try {
      const jsm = await jetstreamManager(nc);
      const name = feedStream(this.opts.site);
      const exists = await jsm.streams.info(name).then(
        () => true,
        () => false,
      );
      if (!exists) {
        await jsm.streams.add({
          name,
          subjects: [feedSubject(this.opts.site)],
          storage: StorageType.File,
          num_replicas: this.opts.replicas,
          duplicate_window: nanos(this.opts.duplicateWindowMs),
        });
        this.log.info({ stream: name, replicas: this.opts.replicas }, 'feed: JetStream stream created');
      }
    } catch (err) {
      await nc.close().catch(() => undefined);
      throw err;
    }
    this.nc = nc;
    this.js = jetstream(nc);
    this.jsm = await jetstreamManager(nc);
    this.tail = undefined;
    this.log.info({ servers: this.opts.servers }, 'feed: connected to NATS');
    return this.js;
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken || !this.running) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const t = this.runtime.setTimer(ms, () => {
        this.wakeUp = undefined;
        resolve();
      });
      this.wakeUp = () => {
        t.cancel();
        this.wakeUp = undefined;
        resolve();
      };
    });
  }
}
