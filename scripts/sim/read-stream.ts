// scripts/sim — the shape of a simulated read stream, shared by the scenario generator (portal engine tests,
// replay) and the LLRP reader simulator (which plays a stream's reads for its reader over real TCP).

/** One raw read a simulated reader will report. */
export interface SimRead {
  /** ms from the start of the scenario. */
  t: number;
  reader: string;
  antenna: number;
  /** lowercase hex */
  epc: string;
  /** dBm */
  rssi: number;
  tid?: string;
  /** RF Doppler frequency, Hz (positive: the tag's path to the antenna shortening), when the reader reports it. */
  doppler?: number;
}

/** A GPI change a simulated reader will report (door sensor, photo-eye). */
export interface SimGpi {
  t: number;
  reader: string;
  port: number;
  state: boolean;
}

export interface ReadStream {
  reads: SimRead[];
  gpi: SimGpi[];
}
