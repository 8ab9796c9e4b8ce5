// protocols/hid — HID POS barcode scanners (usage page 0x8C): input reports carrying the AIM symbology and the data.

/**
 * Where the fields sit in a scanned-data input report. Defaults: the 64-byte report that Honeywell and Zebra scanners
 * send in HID POS mode — [0] report id 0x02, [1] data length in this report, [2..4] AIM symbology identifier,
 * [5..60] data (56 bytes), [63] bit 0 = more data follows in the next report.
 */
export interface PosReportLayout {
  reportId: number;
  lengthOffset: number;
  aimOffset: number;
  dataOffset: number;
  dataMax: number;
  continuedOffset: number;
}

export const DEFAULT_POS_LAYOUT: PosReportLayout = { reportId: 0x02, lengthOffset: 1, aimOffset: 2, dataOffset: 5, dataMax: 56, continuedOffset: 63 };

export interface PosOutput {
  /** A complete scan, when this report ended one. */
  code?: { data: string; symbology?: string };
  problem?: string;
}

/** Reassembles scans from HID POS reports, following the continuation flag across reports. */
export class PosDecoder {
  private readonly layout: PosReportLayout;
  private parts: string[] = [];
  private aim: string | undefined;
  private readonly maxLength: number;

  constructor(layout: Partial<PosReportLayout> = {}, maxLength = 8192) {
    this.layout = { ...DEFAULT_POS_LAYOUT, ...layout };
    this.maxLength = maxLength;
  }

  reset(): void {
    this.parts = [];
    this.aim = undefined;
  }

  push(report: Uint8Array): PosOutput {
    const L = this.layout;
    if (report.length === 0) return { problem: 'empty HID POS report' };
    if (report[0] !== L.reportId) return { problem: `HID POS report id 0x${report[0]!.toString(16)} ignored (scanned data is 0x${L.reportId.toString(16)})` };
    if (report.length < L.dataOffset) return { problem: `HID POS report of ${report.length} bytes is too short` };
    const len = report[L.lengthOffset]!;
    if (len > L.dataMax || L.dataOffset + len > report.length)
      return this.drop(`HID POS report says ${len} data bytes, it holds at most ${Math.min(L.dataMax, report.length - L.dataOffset)}`);
    const aimBytes = report.subarray(L.aimOffset, L.aimOffset + 3);
    const aim = aimBytes[0] === 0x5d ? String.fromCharCode(...aimBytes) : undefined;
    if (this.parts.length === 0) this.aim = aim;
    this.parts.push(latin1(report.subarray(L.dataOffset, L.dataOffset + len)));
    if (this.parts.reduce((n, p) => n + p.length, 0) > this.maxLength) return this.drop(`HID POS scan longer than ${this.maxLength} bytes dropped`);
    const continued = report.length > L.continuedOffset && (report[L.continuedOffset]! & 0x01) === 1;
    if (continued) return {};
    const data = this.parts.join('');
    const symbology = this.aim;
    this.reset();
    if (data.length === 0) return { problem: 'HID POS report with no data' };
    return { code: symbology ? { data, symbology } : { data } };
  }

  private drop(problem: string): PosOutput {
    this.reset();
    return { problem };
  }
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/** The reports a HID POS scanner sends for `data` with AIM id `symbology`: for tests and simulators. */
export function posReports(data: string, symbology = ']C0', layout: PosReportLayout = DEFAULT_POS_LAYOUT): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i === 0 || i < data.length; i += layout.dataMax) {
    const chunk = data.slice(i, i + layout.dataMax);
    const r = new Uint8Array(Math.max(64, layout.continuedOffset + 1));
    r[0] = layout.reportId;
    r[layout.lengthOffset] = chunk.length;
    for (let k = 0; k < 3; k++) r[layout.aimOffset + k] = symbology.charCodeAt(k);
    for (let k = 0; k < chunk.length; k++) r[layout.dataOffset + k] = chunk.charCodeAt(k) & 0xff;
    r[layout.continuedOffset] = i + layout.dataMax < data.length ? 1 : 0;
    out.push(r);
  }
  return out;
}
