// connectors — pick a connector for a configured channel.
import type { Logger } from '../protocols/logging/index.js';
import type { ChannelConfig } from '../protocols/channels/config.js';
import { amazonConnector } from './amazon.js';
import { DEFAULT_HTTP } from './http.js';
import { shopifyConnector } from './shopify.js';
import { systemRuntime, type Runtime } from '../runtime/runtime.js';
import type { Connector } from './types.js';
import { webhookConnector } from './webhook.js';

export type { Connector, PushItem, PushOutcome, ReadItem, ReadOutcome } from './types.js';

/** `stop`: aborted when the hub stops; requests in flight and back-off waits then end at once (StopAbort). */
export function createConnector(c: ChannelConfig, log: Logger, runtime: Runtime = systemRuntime, stop?: AbortSignal): Connector {
  const http = { ...DEFAULT_HTTP, ...c.http, ...(stop ? { signal: stop } : {}) };
  const clog = log.child({ channel: c.id, connector: c.connector });
  switch (c.connector) {
    case 'shopify':
      return shopifyConnector(c.shopify!, http, runtime, clog);
    case 'amazon':
      return amazonConnector(c.amazon!, http, runtime, clog);
    case 'webhook':
      return webhookConnector(c.webhook!, http, runtime, clog);
  }
}
