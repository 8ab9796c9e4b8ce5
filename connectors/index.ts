// connectors — pick a connector for a configured channel.
import type { Logger } from '../protocols/logging/index.js';
import type { ChannelConfig } from '../protocols/channels/config.js';
import { amazonConnector } from './amazon.js';
import { DEFAULT_HTTP } from './http.js';
import { shopifyConnector } from './shopify.js';
import { systemClock, type Clock, type Connector } from './types.js';
import { webhookConnector } from './webhook.js';

export type { Clock, Connector, PushItem, PushOutcome, ReadItem, ReadOutcome } from './types.js';
export { systemClock } from './types.js';

/** `stop`: aborted when the hub stops; requests in flight and back-off waits then end at once (StopAbort). */
export function createConnector(c: ChannelConfig, log: Logger, clock: Clock = systemClock, stop?: AbortSignal): Connector {
  const http = { ...DEFAULT_HTTP, ...c.http, ...(stop ? { signal: stop } : {}) };
  const clog = log.child({ channel: c.id, connector: c.connector });
  switch (c.connector) {
    case 'shopify':
      return shopifyConnector(c.shopify!, http, clock, clog);
    case 'amazon':
      return amazonConnector(c.amazon!, http, clock, clog);
    case 'webhook':
      return webhookConnector(c.webhook!, http, clock, clog);
  }
}
