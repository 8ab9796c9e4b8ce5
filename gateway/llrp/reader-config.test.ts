// gateway/llrp — what is asked of which reader: the Impinj report selector only of an Impinj reader, Zebra's only of a
// Zebra reader (and neither again once refused), RF mode/session/population only when configured; a refusal naming
// the Custom parameter drops the selector.
import { describe, expect, it } from 'vitest';
import { buildAddRoSpec, buildSetReaderConfig, inventoryCommandOf, optionalToDrop, type LlrpReaderOptions, type ReaderCapabilities } from './reader-config.js';

const opts: LlrpReaderOptions = {
  id: 'r', host: 'x', antennas: [{ id: 1 }], trigger: { kind: 'continuous' }, keepaliveMs: 1000, missedKeepalives: 3, connectTimeoutMs: 1, requestTimeoutMs: 1, backoff: { initialMs: 1, maxMs: 2 },
};
const caps = (manufacturer: number): ReaderCapabilities => ({ manufacturer, model: 1, firmware: '', maxAntennas: 4, numGpis: 0, numGpos: 0, powerLevels: [], hopTableId: 1 });
const reportSpecOf = (body: Record<string, unknown>) => (body.ROReportSpec ?? (body.ROSpec as Record<string, unknown>).ROReportSpec) as Record<string, unknown>;

describe('reader-specific requests', () => {
  it('asks only an Impinj reader for its report fields, in both report specs, and not once refused', () => {
    for (const build of [(c?: ReaderCapabilities, d = new Set<never>()) => buildSetReaderConfig(opts, c, d), (c?: ReaderCapabilities, d = new Set<never>()) => buildAddRoSpec(opts, d, c)]) {
      const impinj = build(caps(25882));
      expect(impinj.optionals).toContain('ImpinjReportContent');
      expect(reportSpecOf(impinj.body).Custom).toMatchObject([{ VendorIdentifier: 25882, ParameterSubtype: 50 }]);
      const zebra = build(caps(161));
      expect(zebra.optionals).toContain('ZebraReportContent');
      expect(zebra.optionals).not.toContain('ImpinjReportContent');
      expect(reportSpecOf(zebra.body).Custom).toEqual([{ VendorIdentifier: 161, ParameterSubtype: 708, Data: Uint8Array.of(0x10, 0, 0, 0) }]);
      const other = build(caps(1));
      expect(other.optionals.filter((o) => o.endsWith('ReportContent'))).toEqual([]);
      expect(reportSpecOf(other.body).Custom).toBeUndefined();
      expect(reportSpecOf(build(undefined).body).Custom).toBeUndefined();
      const refused = build(caps(25882), new Set(['ImpinjReportContent']) as never);
      expect(reportSpecOf(refused.body).Custom).toBeUndefined();
      const zebraRefused = build(caps(161), new Set(['ZebraReportContent']) as never);
      expect(reportSpecOf(zebraRefused.body).Custom).toBeUndefined();
      expect(zebraRefused.optionals).not.toContain('ZebraReportContent');
    }
    // a ParameterError naming the Custom inside the ROReportSpec drops the selector, not the report spec
    expect(optionalToDrop(['ImpinjReportContent', 'ROSpecReportSpec'], [177, 237, 1023])).toBe('ImpinjReportContent');
    expect(optionalToDrop(['ZebraReportContent', 'ROSpecReportSpec'], [177, 237, 1023])).toBe('ZebraReportContent');
  });

  it('sends RF mode, session and population only when configured', () => {
    expect(inventoryCommandOf(undefined)).toBeUndefined();
    expect(inventoryCommandOf({})).toBeUndefined();
    expect(inventoryCommandOf({ modeIndex: 3 })).toEqual({ TagInventoryStateAware: false, C1G2RFControl: { ModeIndex: 3, Tari: 0 } });
    expect(inventoryCommandOf({ tagPopulation: 40 })).toEqual({ TagInventoryStateAware: false, C1G2SingulationControl: { Session: 1, TagPopulation: 40, TagTransitTime: 0 } });
    expect(buildAddRoSpec(opts, new Set()).optionals).toEqual(['ROSpecReportSpec']);
    // the search mode: an Impinj Custom parameter in the command, for an Impinj reader only
    expect(inventoryCommandOf({ searchMode: 'dual-target' }, true)).toEqual({ TagInventoryStateAware: false, Custom: [{ VendorIdentifier: 25882, ParameterSubtype: 23, Data: Uint8Array.of(0, 2) }] });
    expect(inventoryCommandOf({ searchMode: 'dual-target' }, false)).toBeUndefined();
    expect(inventoryCommandOf({ session: 2, searchMode: 'single-target' }, false)).toEqual({ TagInventoryStateAware: false, C1G2SingulationControl: { Session: 2, TagPopulation: 16, TagTransitTime: 0 } });
    expect(() => inventoryCommandOf({ searchMode: 'triple' as never }, true)).toThrow('Impinj search mode triple is not one of reader-selected, single-target');
  });
});
