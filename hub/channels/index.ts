// hub/channels — sales-channel stock sync: the public API the hub wires up (see sync.ts for the loop).
export { parseChannels, parseChannel, ChannelConfigError, publicChannelConfig, ChannelConfigSchema, type ChannelConfig } from '../../protocols/channels/config.js';
export { allocate, channelQuantity, validateRule, type ChannelRule, type RuleInput, type ChannelStock } from '../../protocols/channels/rules.js';
export { ChannelSync, type Availability, type AvailabilityProvider, type ChannelSyncOptions, type SyncStats } from './sync.js';
export { channelsMigrations, SyncStore, loadChannelConfigs, saveChannelConfig, type SyncRow, type StoredChannelConfig } from './store.js';
export { DEFAULT_THRESHOLDS, type ChannelHealth, type HealthThresholds, type Alert } from '../../protocols/channels/health.js';
export { DEFAULT_COALESCE, type CoalescePolicy } from './coalesce.js';
export {
  createChannelOrder,
  cancelChannelOrder,
  ChannelOrderError,
  verifyShopifyHmac,
  reservationId,
  type ReservationsPort,
  type ChannelOrderInput,
  type ChannelOrderResult,
} from './orders.js';
export { ledgerAvailability, ledgerReservations, markDirtyOnStockChange } from './ledger-port.js';
export { channelRoutes, type ChannelRoutesOptions } from './routes.js';
export { createConnector, type Connector, type PushItem, type PushOutcome } from '../../connectors/index.js';
