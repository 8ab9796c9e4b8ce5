// hub/channels — how the channel sync joins the hub: its tables, its routes, a sync loop told of every stock change.
// Channels come from hub.yaml and from REST (stored in channel_configs, which override or extend the file's at start).
import type { Db } from '../db/database.js';
import { componentLogger, type Logger } from '../../protocols/logging/index.js';
import { parseChannel, type ChannelConfig } from '../../protocols/channels/config.js';
import type { Room } from '../room.js';
import { ledgerAvailability, ledgerReservations, markDirtyOnStockChange } from './ledger-port.js';
import { channelRoutes } from './routes.js';
import { channelsMigrations, loadChannelConfigs } from './store.js';
import { ChannelSync } from './sync.js';

/**
 * The file's channels with the stored ones applied: a stored config replaces the file channel of the same id or adds
 * one; a stored removal (null) hides it. A stored config that no longer validates is logged and skipped (the file's
 * version, if any, stays) rather than stopping the hub.
 */
export function effectiveChannels(fileChannels: readonly ChannelConfig[], db: Db, log: Logger): ChannelConfig[] {
  const out = new Map(fileChannels.map((c) => [c.id, c]));
  for (const s of loadChannelConfigs(db)) {
    if (s.config === null) {
      out.delete(s.id);
      continue;
    }
    try {
      out.set(s.id, parseChannel(s.config, `channel_configs[${s.id}]`));
    } catch (err) {
      log.error({ channel: s.id, error: (err as Error).message }, 'stored channel config is invalid: ignored');
    }
  }
  return [...out.values()];
}

/** The channels room: its sync loop is told of every stock change; status, metrics and the dashboard read its health. */
export const channelsRoom: Room = {
  name: 'channels',
  migrations: [channelsMigrations],
  async register(app, { config, db, providers, api }) {
    const log = componentLogger(api.log, 'channels');
    const sync = new ChannelSync({
      db,
      channels: effectiveChannels(config.channels, db, log),
      availability: ledgerAvailability(db),
      log,
      runtime: api.runtime,
      globalBuffer: config.channelSync.globalBuffer,
    });
    await app.register(channelRoutes, { sync, reservations: ledgerReservations(db), now: api.clock, db });
    providers.channels = () => sync.health();
    const stopListening = markDirtyOnStockChange(db, sync);
    await sync.start();
    app.addHook('onClose', async () => {
      stopListening();
      await sync.stop();
    });
  },
};
