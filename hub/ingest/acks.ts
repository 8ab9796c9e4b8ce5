// hub/ingest — the end-to-end acknowledgement: after a commit, tell each gateway how far its stream is applied
// (retained HubAck on dockgate/{site}/gw/{gw}/ack). A gateway deletes outbox rows only up to it, so events a broker
// acknowledged and then lost (an external broker killed before it saved them) are published again, never dropped.
import { WIRE_VERSION, isoTs, topics, type HubAck } from '../../protocols/events/index.js';
import type { Logger } from '../../protocols/logging/index.js';
import type { HubMqtt } from '../broker/hub-mqtt.js';
import type { IngestStore } from './store.js';

export class Acknowledger {
  /** stream → gateway, touched since the last publish. */
  private readonly touched = new Map<string, string>();
  private scheduled = false;
  private active = false;

  constructor(
    private readonly site: string,
    private readonly store: IngestStore,
    private readonly mqtt: HubMqtt,
    private readonly clock: () => number,
    private readonly log: Logger,
  ) {}

  /**
   * A batch of this stream committed. The acks of one turn of the event loop go out together after it; every
   * committed batch is answered, a redelivered duplicate too (its sender may have missed the earlier ack).
   */
  committed(gateway: string, stream: string): void {
    if (!this.active) return;
    this.touched.set(stream, gateway);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /**
   * Start answering commits, and announce every known stream's position at once: an embedded broker's retained acks
   * did not survive the hub's restart, and a gateway waiting on one would otherwise publish its backlog again.
   */
  start(): void {
    this.active = true;
    for (const { stream, gateway } of this.store.streams()) this.touched.set(stream, gateway);
    this.flush();
  }

  stop(): void {
    this.active = false;
    this.touched.clear();
  }

  private flush(): void {
    this.scheduled = false;
    if (!this.active) return;
    const ts = isoTs(this.clock());
    for (const [stream, gateway] of this.touched) {
      const ack: HubAck = { v: WIRE_VERSION, stream, through: this.store.appliedThrough(stream), ts };
      this.mqtt.publish(topics.ack(this.site, gateway), JSON.stringify(ack), { qos: 1, retain: true }).catch((err: unknown) => {
        // The next commit of the stream, or the next start, says it again; the gateway re-publishes meanwhile.
        this.log.warn({ gateway, stream, through: ack.through, err: (err as Error).message }, 'acknowledgement not published');
      });
    }
    this.touched.clear();
  }
}
