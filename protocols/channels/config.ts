// protocols/channels — what a sales channel is, as configured (hub.yaml `channels:` or REST): schema and validation.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { validateRule } from './rules.js';

const Id = Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$', maxLength: 64 });

export const RuleSchema = Type.Object(
  {
    pct: Type.Number({ minimum: 0, maximum: 1, default: 1 }),
    channelBuffer: Type.Integer({ minimum: 0, default: 0 }),
    max: Type.Optional(Type.Integer({ minimum: 0 })),
    endWhen: Type.Integer({ minimum: 0, default: 0 }),
    fixed: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

/** Our SKU → the channel's ids: `item` is the Shopify InventoryItem gid, Amazon seller SKU or webhook item id. */
export const SkuMappingSchema = Type.Object(
  { item: Type.Optional(Type.String({ minLength: 1 })), location: Type.Optional(Type.String({ minLength: 1 })) },
  { additionalProperties: false },
);

export const ShopifySettingsSchema = Type.Object(
  {
    /** e.g. https://my-shop.myshopify.com — the GraphQL endpoint is `${endpoint}/admin/api/${apiVersion}/graphql.json`. */
    endpoint: Type.String({ minLength: 1 }),
    apiVersion: Type.String({ default: '2026-04' }),
    accessToken: Type.String({ minLength: 1 }),
    /** The app's client secret, used to verify `X-Shopify-Hmac-Sha256` on webhooks. */
    webhookSecret: Type.Optional(Type.String({ minLength: 1 })),
    /** Default Shopify location gid when a SKU mapping has none. */
    locationId: Type.Optional(Type.String({ minLength: 1 })),
    /** How many SKUs one inventorySetQuantities call carries (Shopify accepts up to 250). */
    batchSize: Type.Integer({ minimum: 1, maximum: 250, default: 50 }),
  },
  { additionalProperties: false },
);

export const AmazonSettingsSchema = Type.Object(
  {
    /** e.g. https://sellingpartnerapi-eu.amazon.com */
    endpoint: Type.String({ minLength: 1 }),
    sellerId: Type.String({ minLength: 1 }),
    marketplaceId: Type.String({ minLength: 1 }),
    /** LWA access token sent as `x-amz-access-token`. */
    accessToken: Type.String({ minLength: 1 }),
    productType: Type.String({ default: 'PRODUCT' }),
    fulfillmentChannelCode: Type.String({ default: 'DEFAULT' }),
  },
  { additionalProperties: false },
);

export const WebhookSettingsSchema = Type.Object(
  {
    url: Type.String({ minLength: 1 }),
    /** HMAC-SHA256 key for the `X-Dockgate-Signature` header. */
    secret: Type.String({ minLength: 1 }),
    /** Optional URL answering GET ?sku=… with `{ sku, quantity }`, for shadow mode and drift checks. */
    readUrl: Type.Optional(Type.String({ minLength: 1 })),
    batchSize: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  },
  { additionalProperties: false },
);

export const HttpSettingsSchema = Type.Object(
  {
    timeoutMs: Type.Integer({ minimum: 1, default: 10_000 }),
    /** Tries of one logical push (same idempotency key) before the sync loop counts a failure. */
    maxTries: Type.Integer({ minimum: 1, default: 5 }),
    backoffBaseMs: Type.Integer({ minimum: 0, default: 500 }),
    backoffMaxMs: Type.Integer({ minimum: 0, default: 30_000 }),
  },
  { additionalProperties: false },
);

/** What a channel sells and how it is reached: the same for a hub's channel and a fleet's (fleet/channels/config.ts). */
export const ChannelSellingFields = {
  connector: Type.Union([Type.Literal('shopify'), Type.Literal('amazon'), Type.Literal('webhook')]),
  rule: RuleSchema,
  skus: Type.Record(Type.String({ minLength: 1 }), SkuMappingSchema),
  shopify: Type.Optional(ShopifySettingsSchema),
  amazon: Type.Optional(AmazonSettingsSchema),
  webhook: Type.Optional(WebhookSettingsSchema),
  http: Type.Optional(HttpSettingsSchema),
};

export const ChannelConfigSchema = Type.Object(
  {
    id: Id,
    name: Type.Optional(Type.String()),
    mode: Type.Union([Type.Literal('live'), Type.Literal('shadow')], { default: 'live' }),
    /** Ledger locations whose available stock feeds this channel (ChannelAdvisor's warehouse → channel map). */
    locations: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    ...ChannelSellingFields,
  },
  { additionalProperties: false },
);

export type ChannelConfig = Static<typeof ChannelConfigSchema>;
export type SkuMapping = Static<typeof SkuMappingSchema>;
export type ShopifySettings = Static<typeof ShopifySettingsSchema>;
export type AmazonSettings = Static<typeof AmazonSettingsSchema>;
export type WebhookSettings = Static<typeof WebhookSettingsSchema>;
export type HttpSettings = Static<typeof HttpSettingsSchema>;

/**
 * Validate and default a list of channel configs. Throws one Error naming the source, the key path and the problem,
 * e.g. `hub.yaml: channels[1].rule.pct: Expected number to be less or equal to 1`.
 */
export function parseChannels(raw: unknown, source = 'channels'): ChannelConfig[] {
  if (!Array.isArray(raw)) throw new Error(`${source}: channels must be a list`);
  const seen = new Set<string>();
  return raw.map((item, i) => {
    const where = `${source}: channels[${i}]`;
    const c = parseChannel(item, where);
    if (seen.has(c.id)) throw new ChannelConfigError(`${where}.id: duplicate channel id "${c.id}"`, 'id');
    seen.add(c.id);
    return c;
  });
}

/** A bad channel config: `field` is the key path inside the channel (e.g. `rule.pct`), the message says where and what. */
export class ChannelConfigError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'ChannelConfigError';
  }
}

/**
 * Validate and default one channel config (hub.yaml entry or REST body). `where` prefixes every message,
 * e.g. `body` → `body.rule.pct: Expected number to be less or equal to 1`. Throws ChannelConfigError.
 */
export function parseChannel(item: unknown, where: string): ChannelConfig {
  const fail = (field: string, problem: string): never => {
    throw new ChannelConfigError(`${where}${field ? `.${field}` : ''}: ${problem}`, field || 'body');
  };
  const value = Value.Default(ChannelConfigSchema, structuredClone(item)) as unknown;
  const first = Value.Errors(ChannelConfigSchema, value).First();
  if (first) {
    const parts = first.path.replace(/^\//, '').split('/').filter(Boolean);
    const path = parts.map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('');
    throw new ChannelConfigError(`${where}${path}: ${first.message}`, path.replace(/^\./, '') || 'body');
  }
  const c = value as ChannelConfig;
  if (!c[c.connector]) fail(c.connector, `connector "${c.connector}" needs its "${c.connector}:" settings`);
  try {
    validateRule(c.rule, `${where}.rule`);
  } catch (err) {
    const m = /\.(rule(?:\.\w+)?) must/.exec((err as Error).message);
    throw new ChannelConfigError((err as Error).message, m ? m[1]! : 'rule');
  }
  if (c.connector === 'shopify') {
    for (const [sku, m] of Object.entries(c.skus)) {
      if (!m.item) fail(`skus.${sku}.item`, 'a Shopify SKU mapping needs the InventoryItem gid');
      if (!m.location && !c.shopify!.locationId) fail(`skus.${sku}.location`, 'no location and no shopify.locationId default');
    }
  }
  return c;
}

/** A channel's config without credentials, for the REST API. */
export function publicChannelConfig(c: ChannelConfig): Record<string, unknown> {
  const { shopify, amazon, webhook, ...rest } = c;
  const out: Record<string, unknown> = { ...rest, skus: Object.keys(c.skus).length };
  if (shopify) out.shopify = { endpoint: shopify.endpoint, apiVersion: shopify.apiVersion, locationId: shopify.locationId };
  if (amazon) out.amazon = { endpoint: amazon.endpoint, sellerId: amazon.sellerId, marketplaceId: amazon.marketplaceId };
  if (webhook) out.webhook = { url: webhook.url };
  return out;
}
