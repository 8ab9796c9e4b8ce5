// protocols/llrp — the LLRP binary codec (pure, no I/O): header, frame splitter, generic messages/parameters,
// and the RO_ACCESS_REPORT hot path.
export * from './constants.js';
export { LlrpError, type LlrpErrorCode, type Result } from './errors.js';
export { readHeader, writeHeader, frameType, frameId, type Header } from './header.js';
export { FrameSplitter } from './frame.js';
export {
  decodeMessage,
  decodeBody,
  decodeParameter,
  encodeMessage,
  encodeParameter,
  type LlrpMessage,
  type LlrpObject,
  type LlrpValue,
  type RawParam,
} from './codec.js';
export { decodeTagReports, type TagReport } from './report.js';
export { IMPINJ_SEARCH_MODE, IMPINJ_VENDOR_ID, ImpinjSubtype, impinjReportSelectorData, impinjSearchModeParam, type ImpinjSearchMode } from './impinj.js';
export { ZEBRA_VENDOR_ID, ZebraSubtype, zebraReportSelectorData } from './zebra.js';
export { encodeRoAccessReport, type TagReportInput } from './report-encode.js';
export { hexOf, bytesOfHex, u64Number, type U64 } from './bits.js';
export { parameterName } from './schema.js';
export { llrpStatusOf, type LlrpStatusInfo } from './status.js';
