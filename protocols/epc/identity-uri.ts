// protocols/epc — EPC pure-identity URIs (urn:epc:id:…, TDS §6) → the identity, its GS1 key and element string.
// A pure identity has no filter and no binary length: it is read through the schemes that can carry it, 96-bit first.
import type { Gs1Epc } from './decode.js';
import { encodeTagUri } from './encode.js';
import { SCHEMES, type EpcIdentity } from './schemes.js';

/** What a pure-identity URI says: the identity without the tag's filter, partition and binary scheme. */
export type EpcPureIdentity = Omit<Gs1Epc, 'scheme' | 'bits' | 'filter' | 'partition' | 'tagUri'>;

export type EpcIdentityResult = { ok: true; identity: EpcPureIdentity } | { ok: false; reason: string };

const ID_URI = /^urn:epc:id:([a-z]+):(.+)$/;

/** Parses urn:epc:id:sgtin:0614141.812345.6789 (and sscc, sgln, grai, giai, gdti, gsrn, gsrnp, sgcn, cpi, gid). */
export function parsePureIdentityUri(uri: string): EpcIdentityResult {
  const m = ID_URI.exec(uri);
  if (!m) return { ok: false, reason: `${JSON.stringify(uri)} is not an EPC pure-identity URI (urn:epc:id:<scheme>:…)` };
  const [, identity, body] = m;
  const schemes = SCHEMES.filter((s) => s.identity === (identity as EpcIdentity)).sort((a, b) => a.bits - b.bits);
  if (schemes.length === 0) return { ok: false, reason: `pure-identity scheme ${identity} is not supported` };
  let reason = '';
  for (const s of schemes) {
    const r = encodeTagUri(s.identity === 'gid' ? `urn:epc:tag:gid-96:${body}` : `urn:epc:tag:${s.scheme}:0.${body}`);
    if (r.ok) {
      const { scheme: _s, bits: _b, filter: _f, partition: _p, tagUri: _t, ...rest } = r.epc;
      return { ok: true, identity: rest };
    }
    reason = r.reason; // the widest scheme's reason is the last: it says what no scheme can carry
  }
  return { ok: false, reason: `${uri}: ${reason}` };
}
