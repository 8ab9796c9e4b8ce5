// protocols/epc — GS1 EPC Tag Data Standard: decode and encode SGTIN, SSCC, SGLN, GRAI, GIAI, GDTI, GSRN(P), SGCN, CPI, GID;
// tag and pure-identity URIs. Import from here.
export { decodeEpc, type Gs1Epc, type NotGs1Epc, type EpcDecodeResult } from './decode.js';
export { encodeEpc, encodeTagUri, encodeSgtin, encodeSscc, type EpcFields, type EpcEncodeResult, type SgtinInput } from './encode.js';
export { SCHEMES, type EpcScheme, type EpcIdentity } from './schemes.js';
export { parsePureIdentityUri, type EpcPureIdentity, type EpcIdentityResult } from './identity-uri.js';
