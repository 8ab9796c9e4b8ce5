// protocols/gs1 — GS1 barcodes: element strings, check digits, dates, and classification of scanned codes. Import from here.
export { gs1CheckDigit, withCheckDigit, checkDigitProblem } from './check-digit.js';
export { fullYear, gs1Date } from './dates.js';
export { AIS, type AiDef } from './ais.js';
export { GS, parseAiValues, parseElementString, parseHri, type Gs1Data, type Gs1Element, type Gs1ParseOptions, type Gs1Result } from './element-string.js';
export { looksLikeDigitalLink, parseDigitalLink, splitDigitalLink, type DigitalLinkParts, type DigitalLinkResult } from './digital-link.js';
export { createScanParser, compilePatterns, type CodePattern, type ParsedScan, type ScanParser, type ScanParserOptions } from './scan.js';
export { isCset82, firstBadChar } from './charset.js';
