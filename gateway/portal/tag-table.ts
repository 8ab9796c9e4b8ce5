// gateway/portal — the portal engine's memory: per-tag state as a struct of typed arrays indexed by a slot
// number (epc → slot in one Map), per-(tag, antenna) aggregates in a pooled linked list, and an LRU list of
// slots ordered by last read. No objects per tag beyond the Map entry and the EPC string the reader gave us.
//
// Layout per tracked tag (bytes): firstSeen 8, lastSeen 8, lastArrival 8, readerFirst 8, reads 4, qualFirst 4, qualLast 4,
// antHead 4, prev 4, next 4, loc 2, qualCount 2, state 1, flags 1 = 54, plus the epc pointer (4) and the Map
// entry. Per antenna that saw it during the open passage: ant 2, reads 4, peak 4, peakT 4, sumRssi 4, sumW 4,
// sumWT 4, dopplerReads 2, sumWF 4, sumWD 4, next 4 = 40. Arrays grow by doubling, so capacity is at most twice the high-water mark.

export const ST_FREE = 0;
/** Seen, not yet accepted (fewer than minReads qualifying reads in the window). */
export const ST_PENDING = 1;
/** Accepted: an open passage. */
export const ST_ACTIVE = 2;
/** Passage closed: later reads are suppressed until the tag has been quiet for `rearm`. */
export const ST_COOLDOWN = 3;

/** flags */
export const F_HELD = 1;
export const F_ARRIVED = 2;
/** The passage's evidence spans a reader outage. */
export const F_INTERRUPTED = 4;
/** ... and both sides of the door had been seen before it. */
export const F_BOTH_BEFORE = 8;

/** Most antennas aggregated per passage (the wire contract allows 64 in `antennas`). */
export const MAX_ANTENNAS_PER_TAG = 64;

export class TagTable {
  readonly index = new Map<string, number>();
  capacity: number;
  size = 0;

  epc: (string | undefined)[] = [];
  state!: Uint8Array;
  flags!: Uint8Array;
  /** Location (door/zone index) of the passage's first read, then of the read that got it accepted; it chooses
   * the timing parameters and is where an early `tag.arrive` was reported. */
  loc!: Uint16Array;
  /** Qualifying reads in the current acceptance window. */
  qualCount!: Uint16Array;
  firstSeen!: Float64Array;
  /** Reader time (mapped to the gateway clock) of the latest read: passage logic runs on it. */
  lastSeen!: Float64Array;
  /** Gateway clock when the latest read's report arrived: only timeouts run on it (the LRU list is in its order). */
  lastArrival!: Float64Array;
  readerFirst!: Float64Array;
  /** ms after firstSeen of the first / last qualifying read in the acceptance window. */
  qualFirst!: Float32Array;
  qualLast!: Float32Array;
  reads!: Uint32Array;
  antHead!: Int32Array;
  prev!: Int32Array;
  next!: Int32Array;
  /** Slots never used are handed out from `highWater` up; freed ones go on a stack. */
  private freeStack!: Int32Array;
  private freeTop = 0;
  private highWater = 0;
  lruHead = -1;
  lruTail = -1;
  readonly tid = new Map<number, string>();

  // antenna aggregates (pool)
  aCapacity: number;
  aAnt!: Uint16Array;
  aReads!: Uint32Array;
  aPeak!: Float32Array;
  /** ms after the tag's firstSeen of this antenna's strongest read. */
  aPeakT!: Float32Array;
  aSumRssi!: Float32Array;
  /** Σ w and Σ w·t with w = linear power relative to -100 dBm, t = ms after firstSeen. */
  aSumW!: Float32Array;
  aSumWT!: Float32Array;
  /** Reads that carried a Doppler frequency, Σ w over them and Σ w·Doppler (Hz): the power-weighted mean Doppler. */
  aDopReads!: Uint16Array;
  aSumWF!: Float32Array;
  aSumWD!: Float32Array;
  aNext!: Int32Array;
  private aFree = -1;
  private aHighWater = 0;
  aUsed = 0;

  constructor(
    readonly maxTags: number,
    initial = 1024,
  ) {
    this.capacity = Math.max(1, Math.min(initial, maxTags));
    this.allocTags(this.capacity);
    this.aCapacity = this.capacity * 2;
    this.allocAntennas(this.aCapacity);
  }

  private allocTags(n: number): void {
    const grow = <T extends { set(a: ArrayLike<number>): void }>(old: T | undefined, make: (n: number) => T): T => {
      const a = make(n);
      if (old) a.set(old as unknown as ArrayLike<number>);
      return a;
    };
    this.state = grow(this.state, (k) => new Uint8Array(k));
    this.flags = grow(this.flags, (k) => new Uint8Array(k));
    this.loc = grow(this.loc, (k) => new Uint16Array(k));
    this.qualCount = grow(this.qualCount, (k) => new Uint16Array(k));
    this.firstSeen = grow(this.firstSeen, (k) => new Float64Array(k));
    this.lastSeen = grow(this.lastSeen, (k) => new Float64Array(k));
    this.lastArrival = grow(this.lastArrival, (k) => new Float64Array(k));
    this.readerFirst = grow(this.readerFirst, (k) => new Float64Array(k));
    this.qualFirst = grow(this.qualFirst, (k) => new Float32Array(k));
    this.qualLast = grow(this.qualLast, (k) => new Float32Array(k));
    this.reads = grow(this.reads, (k) => new Uint32Array(k));
    this.antHead = grow(this.antHead, (k) => new Int32Array(k));
    this.prev = grow(this.prev, (k) => new Int32Array(k));
    this.next = grow(this.next, (k) => new Int32Array(k));
    this.freeStack = grow(this.freeStack, (k) => new Int32Array(k));
    this.capacity = n;
  }

  private allocAntennas(n: number): void {
    const copy = <T extends Uint16Array | Uint32Array | Float32Array | Int32Array>(old: T | undefined, a: T): T => {
      if (old) a.set(old as never);
      return a;
    };
    this.aAnt = copy(this.aAnt, new Uint16Array(n));
    this.aReads = copy(this.aReads, new Uint32Array(n));
    this.aPeak = copy(this.aPeak, new Float32Array(n));
    this.aPeakT = copy(this.aPeakT, new Float32Array(n));
    this.aSumRssi = copy(this.aSumRssi, new Float32Array(n));
    this.aSumW = copy(this.aSumW, new Float32Array(n));
    this.aSumWT = copy(this.aSumWT, new Float32Array(n));
    this.aDopReads = copy(this.aDopReads, new Uint16Array(n));
    this.aSumWF = copy(this.aSumWF, new Float32Array(n));
    this.aSumWD = copy(this.aSumWD, new Float32Array(n));
    this.aNext = copy(this.aNext, new Int32Array(n));
    this.aCapacity = n;
  }

  /** True when another tag would exceed maxTags. */
  get full(): boolean {
    return this.size >= this.maxTags;
  }

  /** A fresh slot for `epc` (caller made room if full), appended to the LRU tail. */
  add(epc: string): number {
    if (this.size >= this.maxTags) throw new Error(`tag table: add beyond maxTags ${this.maxTags}`);
    let s: number;
    if (this.freeTop > 0) s = this.freeStack[--this.freeTop]!;
    else {
      if (this.highWater >= this.capacity) this.allocTags(Math.min(this.maxTags, this.capacity * 2));
      s = this.highWater++;
    }
    this.epc[s] = epc;
    this.index.set(epc, s);
    this.size++;
    this.state[s] = ST_PENDING;
    this.flags[s] = 0;
    this.antHead[s] = -1;
    this.reads[s] = 0;
    this.qualCount[s] = 0;
    // LRU append
    this.prev[s] = this.lruTail;
    this.next[s] = -1;
    if (this.lruTail >= 0) this.next[this.lruTail] = s;
    else this.lruHead = s;
    this.lruTail = s;
    return s;
  }

  /** Forget a slot entirely (its antenna records, its epc, its LRU place). */
  remove(s: number): void {
    const epc = this.epc[s];
    if (epc === undefined || this.state[s] === ST_FREE) throw new Error(`tag table: remove of free slot ${s}`);
    this.releaseAntennas(s);
    this.index.delete(epc);
    this.epc[s] = undefined;
    if (this.tid.size > 0) this.tid.delete(s);
    this.state[s] = ST_FREE;
    const p = this.prev[s]!;
    const n = this.next[s]!;
    if (p >= 0) this.next[p] = n;
    else this.lruHead = n;
    if (n >= 0) this.prev[n] = p;
    else this.lruTail = p;
    this.freeStack[this.freeTop++] = s;
    this.size--;
  }

  /** Move a slot to the LRU tail (most recently read). */
  touch(s: number): void {
    if (this.lruTail === s) return;
    const p = this.prev[s]!;
    const n = this.next[s]!;
    if (p >= 0) this.next[p] = n;
    else this.lruHead = n;
    this.prev[n] = p; // n >= 0 because s is not the tail
    this.prev[s] = this.lruTail;
    this.next[s] = -1;
    this.next[this.lruTail] = s;
    this.lruTail = s;
  }

  /** The antenna record of slot s for antenna index `ant`, created when missing; -1 past MAX_ANTENNAS_PER_TAG. */
  antennaRecord(s: number, ant: number): number {
    let r = this.antHead[s]!;
    let n = 0;
    while (r >= 0) {
      if (this.aAnt[r] === ant) return r;
      r = this.aNext[r]!;
      n++;
    }
    if (n >= MAX_ANTENNAS_PER_TAG) return -1;
    if (this.aFree >= 0) {
      r = this.aFree;
      this.aFree = this.aNext[r]!;
    } else {
      if (this.aHighWater >= this.aCapacity) this.allocAntennas(this.aCapacity * 2);
      r = this.aHighWater++;
    }
    this.aUsed++;
    this.aAnt[r] = ant;
    this.aReads[r] = 0;
    this.aPeak[r] = -Infinity;
    this.aPeakT[r] = 0;
    this.aSumRssi[r] = 0;
    this.aSumW[r] = 0;
    this.aSumWT[r] = 0;
    this.aDopReads[r] = 0;
    this.aSumWF[r] = 0;
    this.aSumWD[r] = 0;
    this.aNext[r] = this.antHead[s]!;
    this.antHead[s] = r;
    return r;
  }

  /** Return a slot's antenna records to the pool. */
  releaseAntennas(s: number): void {
    let r = this.antHead[s]!;
    while (r >= 0) {
      const n = this.aNext[r]!;
      this.aNext[r] = this.aFree;
      this.aFree = r;
      this.aUsed--;
      r = n;
    }
    this.antHead[s] = -1;
  }

  /** Bytes held by the typed arrays (the heap the engine's state uses besides the Map and EPC strings). */
  typedBytes(): number {
    return this.capacity * 54 + this.aCapacity * 30 + this.capacity * 4 /* free stack */;
  }
}
