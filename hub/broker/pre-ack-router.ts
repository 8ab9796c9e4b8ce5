// hub/broker — pre-acknowledgement routing: hub handlers run, and must say done, before a message is acknowledged.
// Used by the embedded broker (from authorizePublish) and by the external client (from mqtt.js handleMessage).
//
// Why not aedes.subscribe(): aedes writes the PUBACK for a QoS 1 PUBLISH first and only then routes the packet to
// subscribers (lib/handlers/publish.js, enqueuePublish), so an in-process subscriber commits after the gateway
// already deleted its outbox row. `authorizePublish` is the one hook that runs before the PUBACK: the broker calls
// it, waits for its callback, and only then acks and routes. So hub handlers are called from there, and the
// callback is released only after the handler's transaction has committed.
import { topicMatches } from './acl.js';
import type { MessageHandler } from './hub-mqtt.js';

export class PreAckRouter {
  private readonly routes = new Map<string, MessageHandler>();

  add(filter: string, handler: MessageHandler): void {
    if (this.routes.has(filter)) throw new Error(`a hub handler for ${filter} is already registered`);
    this.routes.set(filter, handler);
  }

  remove(filter: string): void {
    this.routes.delete(filter);
  }

  /** The filters handlers are registered for. */
  filters(): string[] {
    return [...this.routes.keys()];
  }

  /** The handlers whose filters match `topic`. */
  match(topic: string): MessageHandler[] {
    const out: MessageHandler[] = [];
    for (const [filter, handler] of this.routes) if (topicMatches(filter, topic)) out.push(handler);
    return out;
  }

  /**
   * Run every matching handler; `done` gets the first error, or nothing once all have finished. With no matching
   * handler, `done` is called at once (the caller decides whether that is allowed).
   */
  dispatch(topic: string, payload: Buffer, handlers: MessageHandler[], done: (err?: Error | null) => void): void {
    if (handlers.length === 0) return done();
    let pending = handlers.length;
    let failed = false;
    for (const h of handlers) {
      let called = false;
      const finish = (err?: Error | null): void => {
        if (called) return; // a handler calling done twice must not release the ack early
        called = true;
        if (failed) return;
        if (err) {
          failed = true;
          return done(err);
        }
        if (--pending === 0) done();
      };
      try {
        h(topic, payload, finish);
      } catch (err) {
        finish(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }
}
