// hub/broker — what the broker refused, remembered per claimed gateway id with the cause in words, so status and the
// dashboard can say why a gateway is "offline" (a typo in its site id, a wrong password, its client id taken).
// Pure apart from the clock values it is given.

export interface Refusal {
  /** The gateway the client claimed to be: its username, else what its client id names, else '(anonymous)'. */
  gateway: string;
  /** Why, in words ("wrong password", "site id dc-nrth does not match this hub's dc-north" …). */
  cause: string;
  clientId: string;
  /** The peer address, when known. */
  address: string | null;
  /** ms of the newest refusal of this gateway; `count` refusals since `firstMs`. */
  atMs: number;
  firstMs: number;
  count: number;
}

/** Claimed ids remembered at most; a flood of made-up usernames pushes out the oldest, never grows the hub. */
const MAX_CLAIMED = 200;

/** Which gateway a client claims to be, from what it sent in CONNECT. */
export function claimedGateway(username: string | undefined, clientId: string): string {
  if (username) return username;
  const m = /^dockgate-(.+)$/.exec(clientId);
  return m ? m[1]! : clientId || '(anonymous)';
}

export class RefusalLog {
  private readonly byGateway = new Map<string, Refusal & { connectedSince: boolean }>();

  note(r: { gateway: string; cause: string; clientId: string; address: string | null }, nowMs: number): void {
    const prev = this.byGateway.get(r.gateway);
    this.byGateway.delete(r.gateway); // re-inserted last: Map order is oldest first
    const same = prev !== undefined && prev.cause === r.cause && !prev.connectedSince;
    this.byGateway.set(r.gateway, { ...r, atMs: nowMs, firstMs: same ? prev.firstMs : nowMs, count: same ? prev.count + 1 : 1, connectedSince: false });
    while (this.byGateway.size > MAX_CLAIMED) this.byGateway.delete(this.byGateway.keys().next().value!);
  }

  /** The gateway got in: its last refusal is history (still listed, no longer a reason). */
  accepted(gateway: string): void {
    const r = this.byGateway.get(gateway);
    if (r) r.connectedSince = true;
  }

  /** Every remembered refusal, newest first, with whether the gateway got in since. */
  list(): Array<Refusal & { connectedSince: boolean }> {
    return [...this.byGateway.values()].reverse().map((r) => ({ ...r }));
  }
}
