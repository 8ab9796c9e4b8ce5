// hub/dashboard/client — the Idempotency-Key of a batch the page may send more than once (put-away): the same body
// again (a retry after a lost answer, a double tap) goes under the same key, so the hub answers it from the first; an
// edited body gets a fresh key, so a request that committed but whose answer was lost does not turn every later try
// into a 409 (the hub refuses another body under a key it has used).
export class BatchKey {
  private key: string;
  private body: string | undefined;

  constructor(private readonly fresh: () => string) {
    this.key = fresh();
  }

  /** The key to send `body` under. */
  for(body: unknown): string {
    const text = JSON.stringify(body);
    if (this.body !== undefined && this.body !== text) this.key = this.fresh();
    this.body = text;
    return this.key;
  }

  /** The batch was applied: the next one is another batch. */
  done(): void {
    this.key = this.fresh();
    this.body = undefined;
  }
}
