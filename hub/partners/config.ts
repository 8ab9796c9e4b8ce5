// hub/partners — what hub.yaml says about trading partners: our EDI identity, the watched inbound folder, and per
// partner the sender ids that name it, how its serial numbers become EPCs, and where its receiving advice goes.
import { Type, type Static } from '@sinclair/typebox';

const Delivery = Type.Union([
  Type.Object({ folder: Type.String({ minLength: 1, description: 'write each document as a file here (relative: from hub.yaml)' }) }, { additionalProperties: false }),
  Type.Object({ url: Type.String({ pattern: '^https?://', patternHint: 'an http(s) URL' }), secret: Type.Optional(Type.String({ minLength: 1, description: 'signs the body: X-Dockgate-Signature sha256=<HMAC>' })) }, { additionalProperties: false }),
]);

export const PartnerConfig = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$', patternHint: 'lower-case letters, digits and -' }),
    /** ISA06 / UNB sender ids this partner sends from. */
    senderIds: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    /** GS1 company prefix length of the partner's GTINs, to make SGTIN EPCs from serial numbers. */
    companyPrefixLength: Type.Integer({ minimum: 6, maximum: 12, default: 7 }),
    /** The receiving advice it gets when a receipt of its documents closes. */
    advice: Type.Union([Type.Literal('861'), Type.Literal('RECADV'), Type.Literal('none')], { default: 'none' }),
    deliver: Type.Optional(Delivery),
    /** Its EPCIS 2.0 repository: a capture document (ObjectEvents, AggregationEvents) is POSTed to <url>/capture when a receipt of its ASN closes. */
    epcisCaptureUrl: Type.Optional(Type.String({ pattern: '^https?://', patternHint: 'an http(s) URL' })),
  },
  { additionalProperties: false },
);

const url = (description: string) => Type.String({ pattern: '^https?://', patternHint: 'an http(s) URL', description });

/** The ERP hand-off: a signed webhook of posted moves and closed receipts, and an ERPNext connector. */
export const ErpSection = Type.Object(
  {
    webhook: Type.Optional(Type.Object({
      url: url('closed receipts and batches of posted moves are POSTed here as JSON'),
      secret: Type.String({ minLength: 16, description: 'signs every body: X-Dockgate-Signature sha256=<HMAC>' }),
      moves: Type.Boolean({ default: true, description: 'also send posted moves (batches in ledger order)' }),
      batch: Type.Integer({ minimum: 1, maximum: 1000, default: 200 }),
    }, { additionalProperties: false })),
    erpnext: Type.Optional(Type.Object({
      url: url('the ERPNext site, e.g. https://erp.example.com'),
      apiKey: Type.String({ minLength: 1 }),
      apiSecret: Type.String({ minLength: 1 }),
      company: Type.Optional(Type.String({ minLength: 1 })),
      /** The ERPNext warehouse received goods are booked into, and the one damaged units go to. */
      warehouse: Type.String({ minLength: 1 }),
      rejectedWarehouse: Type.Optional(Type.String({ minLength: 1 })),
      /** ERPNext supplier names by partner id / receipt supplier; without an entry the supplier's own id is sent. */
      suppliers: Type.Record(Type.String(), Type.String({ minLength: 1 }), { default: {} }),
      /** Submit the Purchase Receipt (docstatus 1) instead of leaving a draft for a clerk. */
      submit: Type.Boolean({ default: false }),
    }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

export const PartnersSection = Type.Object(
  {
    /** Our id in ISA08 / UNB recipient, and the qualifier (ZZ mutually defined; 14 GLN for EDIFACT). */
    ourId: Type.String({ minLength: 1, maxLength: 15, default: 'DOCKGATE' }),
    ourQualifier: Type.String({ minLength: 1, maxLength: 4, default: 'ZZ' }),
    /** Files dropped here are imported, then moved to processed/ or rejected/ beside them (with the ack). */
    inboundFolder: Type.Optional(Type.String({ minLength: 1 })),
    pollMs: Type.Integer({ minimum: 50, maximum: 600_000, default: 2000 }),
    /** Delivery retries: first back-off and cap; after `alertAfter` failures in a row the delivery is an alert. */
    retryBaseMs: Type.Integer({ minimum: 10, maximum: 600_000, default: 1000 }),
    retryMaxMs: Type.Integer({ minimum: 10, maximum: 86_400_000, default: 300_000 }),
    alertAfter: Type.Integer({ minimum: 1, maximum: 1000, default: 3 }),
    list: Type.Array(PartnerConfig, { default: [], maxItems: 1000 }),
    erp: Type.Optional(ErpSection),
  },
  { additionalProperties: false, default: {} },
);

export type PartnersConfig = Static<typeof PartnersSection>;
export type PartnerConfig = Static<typeof PartnerConfig>;
export type ErpConfig = Static<typeof ErpSection>;
export type ErpnextConfig = NonNullable<ErpConfig['erpnext']>;

/** The configured partner a sender id names, if any. */
export function partnerOf(config: PartnersConfig, senderId: string): PartnerConfig | undefined {
  return config.list.find((p) => p.senderIds.includes(senderId));
}
