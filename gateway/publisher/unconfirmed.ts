// gateway/publisher — pure bookkeeping for `confirm: 'hub'`: the messages the broker acknowledged (PUBACK) whose rows
// the hub has not yet confirmed, when each was published, and whether the hub has stalled on them long enough that
// they should be published again. No I/O; the clock comes in as arguments.

interface Published {
  firstSeq: number;
  lastSeq: number;
  events: number;
  at: number;
}

export interface Stall {
  firstSeq: number;
  lastSeq: number;
  /** How long the oldest unconfirmed message has been out. */
  waitedMs: number;
}

/**
 * After a republish that brought no progress, the next one waits twice as long (up to this factor), so a hub that
 * is down for an hour does not get the same rows every confirmTimeoutMs.
 */
export const MAX_TIMEOUT_FACTOR = 8;

export class Unconfirmed {
  private published: Published[] = [];
  private lastAdvanceAt = -Infinity;
  /** Republishes since the hub last confirmed anything new. */
  private streak = 0;

  /** A message's PUBACK: its rows (seqs firstSeq..lastSeq, `events` of them) were published at `at`. */
  add(firstSeq: number, lastSeq: number, events: number, at: number): void {
    if (!(firstSeq <= lastSeq) || events < 1) throw new RangeError(`unconfirmed.add: bad message ${firstSeq}..${lastSeq} (${events} events)`);
    this.published.push({ firstSeq, lastSeq, events, at });
  }

  /** The hub confirmed everything up to `through` (a new, higher value) at `now`. */
  confirm(through: number, now: number): void {
    this.published = this.published.filter((p) => p.lastSeq > through);
    this.lastAdvanceAt = now;
    this.streak = 0;
  }

  /** Forget every message: they are backlog again (a reconnect, or a republish after a stall). */
  clear(): void {
    this.published = [];
  }

  /** Events PUBACKed and not confirmed (a message straddling `through` counts only the seqs above it, at most). */
  events(through: number): number {
    let n = 0;
    for (const p of this.published) n += p.firstSeq > through ? p.events : Math.min(p.events, p.lastSeq - through);
    return n;
  }

  /**
   * The stall that warrants publishing again: the oldest unconfirmed message is older than the timeout and the hub
   * has confirmed nothing new within it either (a hub that advances, however slowly, is left to catch up). Calling
   * this with a result counts as a republish (the next timeout doubles, up to MAX_TIMEOUT_FACTOR).
   */
  stalled(now: number, timeoutMs: number): Stall | undefined {
    if (this.published.length === 0) return undefined;
    let oldest = Infinity;
    let firstSeq = Infinity;
    let lastSeq = 0;
    for (const p of this.published) {
      oldest = Math.min(oldest, p.at);
      firstSeq = Math.min(firstSeq, p.firstSeq);
      lastSeq = Math.max(lastSeq, p.lastSeq);
    }
    const wait = timeoutMs * Math.min(MAX_TIMEOUT_FACTOR, 2 ** this.streak);
    if (now - Math.max(oldest, this.lastAdvanceAt) < wait) return undefined;
    this.streak++;
    return { firstSeq, lastSeq, waitedMs: now - oldest };
  }
}
