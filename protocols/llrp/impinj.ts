// protocols/llrp — Impinj's LLRP extension (vendor 25882): the Custom parameters an Impinj reader adds to each
// TagReportData when its ImpinjTagReportContentSelector asks for them (Octane LLRP, as LTK's Impinj definitions,
// sllurp and Wireshark's LLRP dissector read them): peak RSSI in 1/100 dBm, RF phase angle, RF Doppler frequency.

export const IMPINJ_VENDOR_ID = 25882;

/** Custom parameter subtypes (Impinj Octane LLRP). */
export const ImpinjSubtype = {
  TagReportContentSelector: 50,
  EnableRFPhaseAngle: 52,
  EnablePeakRSSI: 53,
  EnableRFDopplerFrequency: 67,
  RFPhaseAngle: 56,
  PeakRSSI: 57,
  RFDopplerFrequency: 68,
  InventorySearchMode: 23,
} as const;

/**
 * ImpinjInventorySearchMode values, named as the IoT Device Interface names them: Octane's ReaderSelected 0,
 * SingleTarget 1, DualTarget 2, TagFocus 3 (Wireshark's dissector: "Single target with suppression"),
 * SingleTargetReset 5, DualTargetBtoASelect 6 (the SDK's SearchMode enum, as other LLRP clients use it; Wireshark
 * knows 0–3 only).
 */
export const IMPINJ_SEARCH_MODE = {
  'reader-selected': 0,
  'single-target': 1,
  'dual-target': 2,
  'single-target-with-tagfocus': 3,
  'single-target-b-to-a': 5,
  'dual-target-with-b-to-a-select': 6,
} as const;
export type ImpinjSearchMode = keyof typeof IMPINJ_SEARCH_MODE;

/** An ImpinjInventorySearchMode Custom parameter (goes in C1G2InventoryCommand) as a codec object. */
export function impinjSearchModeParam(mode: ImpinjSearchMode): { VendorIdentifier: number; ParameterSubtype: number; Data: Uint8Array } {
  const v = IMPINJ_SEARCH_MODE[mode];
  if (v === undefined) throw new RangeError(`Impinj search mode ${String(mode)} is not one of ${Object.keys(IMPINJ_SEARCH_MODE).join(', ')}`);
  return { VendorIdentifier: IMPINJ_VENDOR_ID, ParameterSubtype: ImpinjSubtype.InventorySearchMode, Data: Uint8Array.of(v >> 8, v & 0xff) };
}

/** ImpinjRFPhaseAngle: 12 bits over one turn (0…4095 → 0…2π). */
export function phaseRadians(raw: number): number {
  return (raw * 2 * Math.PI) / 4096;
}

/** ImpinjRFDopplerFrequency: signed, in 1/16 Hz. */
export function dopplerHz(raw: number): number {
  return raw / 16;
}

/** One Impinj Custom parameter with a single u16 field, as TLV bytes (type 1023, length, vendor, subtype, value). */
function customU16(subtype: number, value: number): Uint8Array {
  const b = new Uint8Array(14);
  const v = new DataView(b.buffer);
  v.setUint16(0, 1023);
  v.setUint16(2, 14);
  v.setUint32(4, IMPINJ_VENDOR_ID);
  v.setUint32(8, subtype);
  v.setUint16(12, value);
  return b;
}

/**
 * The Data of an ImpinjTagReportContentSelector Custom parameter (goes in ROReportSpec) asking an Impinj reader for
 * ImpinjPeakRSSI, ImpinjRFPhaseAngle and ImpinjRFDopplerFrequency in every TagReportData: its three ImpinjEnable*
 * sub-parameters, each mode 1 (enabled).
 */
export function impinjReportSelectorData(): Uint8Array {
  const parts = [customU16(ImpinjSubtype.EnableRFPhaseAngle, 1), customU16(ImpinjSubtype.EnablePeakRSSI, 1), customU16(ImpinjSubtype.EnableRFDopplerFrequency, 1)];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
