// fleet/channels — what a fleet channel is (fleet.yaml `channels:`): a sales channel sold from several sites' stock,
// either as one network quantity (the sum over its sites of available − the site's buffer, under the hub's rule) or as
// one channel location per site (Shopify multi-location). Schemas and the cross-key checks; the rule, SKU-mapping and
// connector settings are the hub's own (protocols/channels).
import { Type, type Static } from '@sinclair/typebox';
import { ConfigId, type PathIssue } from '../../protocols/config/index.js';
import { ChannelSellingFields, type ChannelConfig } from '../../protocols/channels/config.js';
import { validateRule } from '../../protocols/channels/rules.js';

export const ChannelSiteSchema = Type.Object(
  {
    site: ConfigId,
    /** Units of every SKU this site keeps back from the channel (its own walk-in trade, damages): never sold here. */
    buffer: Type.Integer({ minimum: 0, default: 0 }),
    /** The site's ledger locations whose available stock feeds the channel (sellable locations of its hub). */
    locations: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, default: ['stock'] }),
    /** per-site mode: the channel's location id for this site (Shopify Location gid). */
    locationId: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

export const FleetChannelSchema = Type.Object(
  {
    id: ConfigId,
    name: Type.Optional(Type.String({ maxLength: 200 })),
    /** network: one quantity per SKU, the sites summed; per-site: each site its own channel location. */
    sell: Type.Union([Type.Literal('network'), Type.Literal('per-site')], { default: 'network' }),
    /** The sites that sell, in order of preference: an order ships from the first that can ship it all. */
    sites: Type.Array(ChannelSiteSchema, { minItems: 1 }),
    ...ChannelSellingFields,
  },
  { additionalProperties: false },
);

export type FleetChannel = Static<typeof FleetChannelSchema>;

/**
 * Rules across keys, as `{ path, message }` issues (the fleet config names the file): each site is one of the fleet's
 * and has a hub to reserve at, once per channel; the connector has its settings; per-site mode gives every site a
 * location id; a Shopify SKU has an InventoryItem and, in network mode, a location.
 */
export function fleetChannelIssues(channels: readonly FleetChannel[], sites: ReadonlyArray<{ id: string; hub?: { url: string } }>): PathIssue[] {
  const issues: PathIssue[] = [];
  const known = new Map(sites.map((s, i) => [s.id, { i, hub: !!s.hub }]));
  const ids = new Set<string>();
  channels.forEach((c, ci) => {
    const at = `channels[${ci}]`;
    if (ids.has(c.id)) issues.push({ path: `${at}.id`, message: `duplicate channel id "${c.id}"` });
    ids.add(c.id);
    if (!c[c.connector]) issues.push({ path: `${at}.${c.connector}`, message: `connector "${c.connector}" needs its "${c.connector}:" settings` });
    try {
      validateRule(c.rule, `${at}.rule`);
    } catch (err) {
      issues.push({ path: `${at}.rule`, message: (err as Error).message });
    }
    const seen = new Set<string>();
    c.sites.forEach((s, si) => {
      const sat = `${at}.sites[${si}]`;
      const site = known.get(s.site);
      if (!site) issues.push({ path: `${sat}.site`, message: `"${s.site}" is not one of the fleet's sites (${[...known.keys()].join(', ')})` });
      else if (!site.hub) issues.push({ path: `sites[${site.i}].hub`, message: `site ${s.site} sells on channel ${c.id}: give hub.url, the hub whose REST API the fleet reserves its orders at` });
      if (seen.has(s.site)) issues.push({ path: `${sat}.site`, message: `site "${s.site}" is listed twice` });
      seen.add(s.site);
      if (c.sell === 'per-site' && !s.locationId) issues.push({ path: `${sat}.locationId`, message: 'sell: per-site needs the channel\'s location id for every site' });
      if (c.sell === 'network' && s.locationId) issues.push({ path: `${sat}.locationId`, message: 'only sell: per-site pushes a location per site; in network mode the SKU mapping or shopify.locationId names the location' });
    });
    if (c.sell === 'per-site' && c.connector !== 'shopify') issues.push({ path: `${at}.sell`, message: `per-site needs a channel with locations (shopify), not ${c.connector}` });
    if (c.connector === 'shopify') {
      for (const [sku, m] of Object.entries(c.skus)) {
        if (!m.item) issues.push({ path: `${at}.skus.${sku}.item`, message: 'a Shopify SKU mapping needs the InventoryItem gid' });
        if (c.sell === 'network' && !m.location && !c.shopify?.locationId) issues.push({ path: `${at}.skus.${sku}.location`, message: 'no location and no shopify.locationId default' });
      }
    }
  });
  return issues;
}

/** The connector-facing view of a fleet channel: the hub's ChannelConfig shape, so protocols' createConnector makes it. */
export function connectorConfig(c: FleetChannel): ChannelConfig {
  return { id: c.id, connector: c.connector, mode: 'live', locations: ['network'], rule: c.rule, skus: c.skus, ...(c.shopify ? { shopify: c.shopify } : {}), ...(c.amazon ? { amazon: c.amazon } : {}), ...(c.webhook ? { webhook: c.webhook } : {}), ...(c.http ? { http: c.http } : {}) };
}
