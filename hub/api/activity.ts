// hub/api — when the API last served a request: the ledger self-check (hub/ledger/self-check.ts) lets a slice wait
// while requests are coming in, so that an operator's or an integration's request does not wait behind a check turn
// on the one event loop. A request counts when it arrives and when its response has gone.
import type { FastifyInstance } from 'fastify';

/** Requests closer together than this are a stream (a client asking back to back), ms. */
export const REQUEST_STREAM_GAP_MS = 5;

export class RequestActivity {
  private last = Number.NEGATIVE_INFINITY;

  constructor(private readonly now: () => number) {}

  /** Hooks on every route (an ApiOptions.setup entry: installed before any route). */
  readonly install = async (app: FastifyInstance): Promise<void> => {
    const mark = async () => {
      this.last = this.now();
    };
    app.addHook('onRequest', mark);
    app.addHook('onResponse', mark);
  };

  /** Whether a request arrived or was answered within the last `ms`. */
  within(ms: number): boolean {
    return this.now() - this.last < ms;
  }
}
