// protocols/llrp — Impinj's LLRP extension (vendor 25882): the Custom parameters an Impinj reader adds to each
// TagReportData when its ImpinjTagReportContentSelector asks for them (Octane LLRP, as LTK's Impinj definitions,
// sllurp and Wireshark's LLRP dissector read them): peak RSSI in 1/100 dBm, RF phase angle, RF Doppler frequency.

export const IMPINJ_VENDOR_ID = 25882;

/** Custom parameter subtypes (Impinj Octane LLRP). */
export const ImpinjSubtype = {
  RFPhaseAngle: 56,
  PeakRSSI: 57,
  RFDopplerFrequency: 68,
} as const;

/** ImpinjRFPhaseAngle: 12 bits over one turn (0…4095 → 0…2π). */
export function phaseRadians(raw: number): number {
  return (raw * 2 * Math.PI) / 4096;
}

/** ImpinjRFDopplerFrequency: signed, in 1/16 Hz. */
export function dopplerHz(raw: number): number {
  return raw / 16;
}
