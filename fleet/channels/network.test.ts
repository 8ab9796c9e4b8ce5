// Fleet channels, the pure parts: network available under the hub's rules, per-site quantities, order routing, and the
// fleet.yaml checks with errors naming the key.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../protocols/config/index.js';
import { allocate } from '../../protocols/channels/rules.js';
import { parseFleetConfig } from '../config.js';
import type { FleetChannel } from './config.js';
import { addTo, computeTargets, emptySnapshot, networkAvailable, siteAvailable, type StockSnapshot } from './network.js';
import { mergeLines, routeOrder } from './routing.js';

const rule = { pct: 1, channelBuffer: 0, endWhen: 0 };
const channel = (over: Partial<FleetChannel> = {}): FleetChannel => ({
  id: 'shop',
  connector: 'webhook',
  sell: 'network',
  sites: [
    { site: 'a', buffer: 2, locations: ['stock'] },
    { site: 'b', buffer: 0, locations: ['stock', 'pick'] },
    { site: 'c', buffer: 5, locations: ['stock'] },
  ],
  rule,
  skus: { X: { item: 'x' }, Y: { item: 'y' } },
  webhook: { url: 'http://127.0.0.1:9/', secret: 's', batchSize: 100 },
  ...over,
});

function snapshot(): StockSnapshot {
  const s = emptySnapshot();
  addTo(s.onHand, 'a', 'X', 'stock', 10);
  addTo(s.onHand, 'a', 'X', 'receiving', 50); // not a location of the channel at a
  addTo(s.onHand, 'b', 'X', 'stock', 4);
  addTo(s.onHand, 'b', 'X', 'pick', 3);
  addTo(s.onHand, 'c', 'X', 'stock', 3); // below its buffer of 5: gives nothing, takes nothing
  addTo(s.held, 'a', 'X', '', 1); // a hold placed nowhere in particular
  addTo(s.held, 'b', 'X', 'pick', 2); // a hold at pick
  return s;
}

describe('fleet channel quantities', () => {
  it('network available = Σ max(0, site available − buffer); holds count where placed and, unplaced, everywhere', () => {
    const s = snapshot();
    expect(siteAvailable(s, 'a', 'X', ['stock'])).toBe(9);
    expect(siteAvailable(s, 'b', 'X', ['stock', 'pick'])).toBe(5);
    expect(siteAvailable(s, 'c', 'X', ['stock'])).toBe(3);
    expect(networkAvailable(s, channel(), 'X')).toBe(9 - 2 + 5 + 0);
    expect(networkAvailable(s, channel(), 'Y')).toBe(0);
  });

  it('applies the hub\'s own rules (protocols/channels/rules.ts) to the network quantity: pct, max, endWhen, fixed carved first', () => {
    const s = snapshot();
    const pct = channel({ id: 'pct', rule: { pct: 0.5, channelBuffer: 1, endWhen: 0, max: 5 } });
    const fixed = channel({ id: 'wholesale', rule: { pct: 1, channelBuffer: 0, endWhen: 0, fixed: 4 } });
    const targets = computeTargets([pct, fixed], s).filter((t) => t.sku === 'X');
    const expected = allocate([{ channel: 'pct', rule: pct.rule, available: 12 }, { channel: 'wholesale', rule: fixed.rule, available: 12 }], 0);
    expect(targets).toEqual(expect.arrayContaining([
      { channel: 'pct', sku: 'X', site: '', quantity: expected.get('pct') },
      { channel: 'wholesale', sku: 'X', site: '', quantity: expected.get('wholesale') },
    ]));
    expect(targets).toHaveLength(2);
    expect(expected.get('wholesale')).toBe(4);
    expect(expected.get('pct')).toBe(Math.floor(0.5 * (12 - 1 - 4)));
    const ended = channel({ rule: { pct: 1, channelBuffer: 0, endWhen: 12 } });
    expect(computeTargets([ended], s).find((t) => t.sku === 'X')!.quantity).toBe(0);
  });

  it('per-site mode: each site its own quantity (after its buffer), under the rule', () => {
    const s = snapshot();
    const multi = channel({ connector: 'shopify', sell: 'per-site', rule: { pct: 1, channelBuffer: 0, endWhen: 0, max: 6 }, sites: channel().sites.map((x) => ({ ...x, locationId: `loc-${x.site}` })) });
    const x = computeTargets([multi], s).filter((t) => t.sku === 'X');
    expect(x).toEqual([
      { channel: 'shop', sku: 'X', site: 'a', quantity: 6 }, // 9 − 2 = 7, max 6
      { channel: 'shop', sku: 'X', site: 'b', quantity: 5 },
      { channel: 'shop', sku: 'X', site: 'c', quantity: 0 },
    ]);
  });
});

describe('fleet order routing', () => {
  it('never a site without enough: preferred sites first, then the most available, ties in configured order', () => {
    const s = snapshot();
    addTo(s.onHand, 'c', 'X', 'stock', 20); // c: 23 − 5 = 18
    const c = channel();
    expect(routeOrder(c, s, [{ sku: 'X', qty: 6 }]).order).toEqual(['c', 'a']); // b has 5 only
    expect(routeOrder(c, s, [{ sku: 'X', qty: 6 }], ['a']).order).toEqual(['a', 'c']);
    expect(routeOrder(c, s, [{ sku: 'X', qty: 6 }], ['b', 'a']).order).toEqual(['a', 'c']); // b preferred but short
    const r = routeOrder(c, s, [{ sku: 'X', qty: 100 }]);
    expect(r.order).toEqual([]);
    expect(r.verdicts.map((v) => v.short)).toEqual([{ sku: 'X', qty: 100, available: 7 }, { sku: 'X', qty: 100, available: 5 }, { sku: 'X', qty: 100, available: 18 }]);
    // Equal stock: the configured order decides.
    const even = emptySnapshot();
    for (const site of ['a', 'b', 'c']) addTo(even.onHand, site, 'X', 'stock', 10);
    expect(routeOrder(channel({ sites: ['c', 'a', 'b'].map((site) => ({ site, buffer: 0, locations: ['stock'] })) }), even, [{ sku: 'X', qty: 1 }]).order).toEqual(['c', 'a', 'b']);
    // Every line must fit at the one site.
    addTo(even.onHand, 'b', 'Y', 'stock', 1);
    expect(routeOrder(channel({ sites: ['a', 'b'].map((site) => ({ site, buffer: 0, locations: ['stock'] })) }), even, mergeLines([{ sku: 'X', qty: 1 }, { sku: 'Y', qty: 1 }])).order).toEqual(['b']);
    expect(mergeLines([{ sku: 'X', qty: 1 }, { sku: 'Y', qty: 2 }, { sku: 'X', qty: 3 }])).toEqual([{ sku: 'X', qty: 4 }, { sku: 'Y', qty: 2 }]);
  });
});

describe('fleet.yaml channels', () => {
  const base = `sites: [{ id: a, hub: { url: 'http://127.0.0.1:8080' } }, { id: b }]\n`;
  const errorOf = (yaml: string) => {
    try {
      parseFleetConfig(base + yaml);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error('expected a ConfigError');
  };
  const hook = `webhook: { url: 'http://127.0.0.1:9/', secret: s }`;

  it('takes a good channel with defaults', () => {
    const c = parseFleetConfig(`${base}channels: [{ id: shop, connector: webhook, sites: [{ site: a, buffer: 3 }], rule: { pct: 0.5 }, skus: { X: { item: x } }, ${hook} }]`).channels[0]!;
    expect(c).toMatchObject({ sell: 'network', sites: [{ site: 'a', buffer: 3, locations: ['stock'] }], rule: { pct: 0.5, channelBuffer: 0, endWhen: 0 } });
  });

  it('takes a hub token from DOCKGATE_FLEET_HUB_TOKEN_<SITE>, and says so when the site has no hub', () => {
    expect(parseFleetConfig(base, { env: { DOCKGATE_FLEET_HUB_TOKEN_A: 'tok-a' } }).sites[0]!.hub).toEqual({ url: 'http://127.0.0.1:8080', token: 'tok-a' });
    expect(() => parseFleetConfig(base, { env: { DOCKGATE_FLEET_HUB_TOKEN_B: 'tok-b' } })).toThrow(/^DOCKGATE_FLEET_HUB_TOKEN_B: cannot apply: site b has no hub: mapping in the file/);
  });

  it('names the key and the problem of a bad channel', () => {
    expect(errorOf(`channels: [{ id: shop, connector: webhook, sites: [{ site: zz }], rule: {}, skus: {}, ${hook} }]`)).toMatch(/^fleet\.yaml: channels\[0\]\.sites\[0\]\.site: "zz" is not one of the fleet's sites \(a, b\)/);
    expect(errorOf(`channels: [{ id: shop, connector: webhook, sites: [{ site: b }], rule: {}, skus: {}, ${hook} }]`)).toMatch(/^fleet\.yaml: sites\[1\]\.hub: site b sells on channel shop: give hub\.url/);
    expect(errorOf(`channels: [{ id: shop, connector: webhook, sites: [{ site: a, buffer: -1 }], rule: {}, skus: {}, ${hook} }]`)).toMatch(/channels\[0\]\.sites\[0\]\.buffer/);
    expect(errorOf(`channels: [{ id: shop, connector: webhook, sites: [{ site: a }], rule: { pct: 2 }, skus: {}, ${hook} }]`)).toMatch(/channels\[0\]\.rule\.pct/);
    expect(errorOf(`channels: [{ id: shop, connector: shopify, sites: [{ site: a }], rule: {}, skus: {} }]`)).toMatch(/channels\[0\]\.shopify: connector "shopify" needs its "shopify:" settings/);
    const shop = `shopify: { endpoint: 'http://127.0.0.1:9', accessToken: t }`;
    expect(errorOf(`channels: [{ id: shop, connector: shopify, sell: per-site, sites: [{ site: a }], rule: {}, skus: { X: { item: x } }, ${shop} }]`)).toMatch(/channels\[0\]\.sites\[0\]\.locationId: sell: per-site needs the channel's location id for every site/);
    expect(errorOf(`channels: [{ id: shop, connector: shopify, sites: [{ site: a }], rule: {}, skus: { X: { item: x } }, ${shop} }]`)).toMatch(/channels\[0\]\.skus\.X\.location: no location and no shopify\.locationId default/);
    expect(errorOf(`channels: [{ id: shop, connector: webhook, sell: per-site, sites: [{ site: a, locationId: l }], rule: {}, skus: {}, ${hook} }]`)).toMatch(/channels\[0\]\.sell: per-site needs a channel with locations \(shopify\), not webhook/);
    expect(errorOf(`channels: [{ id: shop, connector: webhook, sites: [{ site: a }, { site: a }], rule: {}, skus: {}, ${hook} }]`)).toMatch(/channels\[0\]\.sites\[1\]\.site: site "a" is listed twice/);
  });
});
