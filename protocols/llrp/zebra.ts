// protocols/llrp — Zebra's (formerly Motorola's) LLRP extension (vendor 161), as Zebra's RFID Reader Software
// Interface Control Guide (72E-131718) defines it for FX7500/FX9600/ATR7000 readers: the one Custom parameter of a
// TagReportData that matters at a dock door — MotoTagPhase, the RF phase of each read — and the ROReportSpec
// selector that asks for it. Wireshark's LLRP dissector does not know vendor 161 (it shows "Vendor ID: Unknown (161)"
// and the raw bytes); the value layouts follow other clients' tests (see zebra.test.ts).
//
// Skipped by length (decoded by no one here): MotoTagEventList (123, tag events of Zebra's own event reporting, which
// the gateway does not turn on), MotoC1G2ExtendedPC (450), MotoTagGPS (1000), BrandIDCheckStatus (712).

export const ZEBRA_VENDOR_ID = 161;

/** Custom parameter subtypes (Zebra ICG, "Motorola" names). */
export const ZebraSubtype = {
  /** In ROReportSpec: which Zebra fields to add to each TagReportData. */
  TagReportContentSelector: 708,
  /** In TagReportData: the RF phase of the read, one s16. */
  TagPhase: 709,
} as const;

/** MotoTagPhase's length on the wire: Custom header (12 bytes) + one s16. */
export const ZEBRA_TAG_PHASE_LENGTH = 14;

/**
 * MotoTagPhase: a signed 16-bit fraction of π (0x8000 = −π, 0x4000 = +π/2, 0x7fff just under +π). Returned in
 * radians over 0…2π (a negative phase plus one turn), the range Impinj's phase angle uses, so one `phase` field
 * means the same whichever reader sent it.
 */
export function zebraPhaseRadians(raw: number): number {
  const s = (raw << 16) >> 16;
  return s < 0 ? ((s + 65536) * Math.PI) / 32768 : (s * Math.PI) / 32768;
}

/**
 * MotoTagReportContentSelector flags, most significant bit first in one 32-bit word (26 reserved bits follow):
 * EnableZoneID, EnableZoneName, EnableAntennaPhysicalPortConfig, EnablePhase, EnableGPS, EnableMLTReport.
 */
const SELECTOR_ENABLE_PHASE = 1 << 28;

/** The Data of a MotoTagReportContentSelector (goes in ROReportSpec) asking for MotoTagPhase only. */
export function zebraReportSelectorData(): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, SELECTOR_ENABLE_PHASE);
  return b;
}
