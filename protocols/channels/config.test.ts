import { describe, expect, it } from 'vitest';
import { parseChannels, publicChannelConfig } from './config.js';

const shop = {
  id: 'shop-eu',
  connector: 'shopify',
  locations: ['stock'],
  rule: { pct: 0.8, max: 50 },
  skus: { A: { item: 'gid://shopify/InventoryItem/1' } },
  shopify: { endpoint: 'https://x.myshopify.com', accessToken: 'shpat_secret', locationId: 'gid://shopify/Location/1' },
};

describe('parseChannels', () => {
  it('fills defaults', () => {
    const [c] = parseChannels([shop]);
    expect(c).toMatchObject({ mode: 'live', rule: { pct: 0.8, channelBuffer: 0, endWhen: 0, max: 50 }, shopify: { apiVersion: '2026-04', batchSize: 50 } });
  });
  it('names the file, key path and problem', () => {
    expect(() => parseChannels([shop, { ...shop, id: 'b', rule: { pct: 2 } }], 'hub.yaml')).toThrow(/^hub\.yaml: channels\[1\]\.rule\.pct: /);
    expect(() => parseChannels([{ ...shop, connector: 'ebay' }], 'hub.yaml')).toThrow(/channels\[0\]\.connector/);
    expect(() => parseChannels([{ ...shop, shopify: undefined }])).toThrow('channels: channels[0].shopify: connector "shopify" needs its "shopify:" settings');
    expect(() => parseChannels([shop, shop])).toThrow('channels[1].id: duplicate channel id "shop-eu"');
    expect(() => parseChannels([{ ...shop, skus: { A: {} } }])).toThrow('channels[0].skus.A.item');
    expect(() => parseChannels([{ ...shop, locations: [] }])).toThrow(/channels\[0\]\.locations/);
    expect(() => parseChannels({})).toThrow('channels must be a list');
  });
  it('keeps credentials out of the public view', () => {
    const text = JSON.stringify(publicChannelConfig(parseChannels([{ ...shop, shopify: { ...shop.shopify, webhookSecret: 'whsec' } }])[0]!));
    expect(text).not.toContain('shpat_secret');
    expect(text).not.toContain('whsec');
  });
});
