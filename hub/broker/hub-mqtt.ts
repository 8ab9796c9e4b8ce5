// hub/broker — HubMqtt: how hub code talks MQTT, the same over the embedded broker and an external one.

/**
 * Called once per received message. The message is acknowledged to its sender (embedded broker) or to the broker
 * (external) only when `done()` is called without an error; `done(err)` means "not taken": the message will be
 * delivered again (the embedded broker drops the publisher's connection, the external client reconnects its
 * persistent session). Call `done` exactly once.
 */
export type MessageHandler = (topic: string, payload: Buffer, done: (err?: Error | null) => void) => void;

export interface PublishOptions {
  qos: 0 | 1;
  retain: boolean;
}

export interface HubMqtt {
  /** 'embedded' (in-process aedes) or 'external' (mqtt.js persistent session). */
  readonly mode: 'embedded' | 'external';
  /** Route messages matching `filter` to `handler`; resolves when the subscription is in place. */
  subscribe(filter: string, handler: MessageHandler): Promise<void>;
  /** Stop handling `filter` and drop the subscription at the broker (an external session forgets it). */
  unsubscribe(filter: string): Promise<void>;
  /**
   * Stop handling `filter` here only. Messages that arrive meanwhile are not acknowledged (embedded: the gateway
   * keeps them; external: the broker keeps the subscription and queues them for the next session). For shutdown.
   */
  detach(filter: string): void;
  /** Publish as the hub (full rights). Resolves when the broker has taken it (QoS 1: PUBACK). */
  publish(topic: string, payload: string | Buffer, options: PublishOptions): Promise<void>;
  close(): Promise<void>;
}
