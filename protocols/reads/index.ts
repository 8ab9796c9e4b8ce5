// protocols/reads — the shape of one raw tag read, agreed between the reader clients (LLRP) and the portal engine.
// Kept flat and primitive: the hot path creates one of these per read.

export interface TagRead {
  /** Reader id from the gateway config. */
  reader: string;
  /** LLRP AntennaID, 1-based. */
  antenna: number;
  /** EPC as lowercase hex, whole bytes. */
  epc: string;
  /** Peak RSSI of this read in dBm; NaN when the reader did not report it. */
  rssi: number;
  /**
   * When the tag was read, on the gateway's clock, ms since the Unix epoch (may have a fraction): the reader's own
   * timestamp mapped by its measured clock offset when it reports one, else the arrival. All portal logic (order,
   * passage spans, direction) runs on this.
   */
  ts: number;
  /** Gateway clock when the report carrying the read arrived; absent = `ts`. Only timeouts run on this. */
  arrival?: number;
  /** The reader's own timestamp of the read (FirstSeen UTC), ms since epoch; NaN when not reported. */
  readerTs: number;
  /** TagSeenCount (reads aggregated into this report); 1 when not reported. */
  count: number;
  /** TID as lowercase hex, when the reader reports it. */
  tid?: string;
  /**
   * RF Doppler frequency of this read, Hz, when the reader reports it (Impinj over LLRP; NaN or absent otherwise):
   * positive while the tag's path to the antenna shortens.
   */
  doppler?: number;
}

/** A GPI (door sensor, photo-eye) change at a reader. */
export interface GpiChange {
  reader: string;
  port: number;
  state: boolean;
  /** Gateway clock, ms since epoch. */
  ts: number;
}
