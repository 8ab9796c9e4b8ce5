// hub/channels — how the channel sync joins the hub: its tables, its routes, a sync loop told of every stock change.
import type { HubModules } from '../app.js';
import type { HubConfig } from '../config/schema.js';
import { onSkuChanged } from '../ledger/index.js';
import { componentLogger } from '../../protocols/logging/index.js';
import { ledgerAvailability, ledgerReservations } from './ledger-port.js';
import { channelRoutes } from './routes.js';
import { channelsMigrations } from './store.js';
import { ChannelSync } from './sync.js';

/** The channels room; `sync` is there once the API is built (status and metrics read its health). */
export function channelsModule(config: HubConfig): HubModules & { sync(): ChannelSync | undefined } {
  let sync: ChannelSync | undefined;
  return {
    sync: () => sync,
    migrations: [channelsMigrations],
    api: [
      async (app, ctx) => {
        sync = new ChannelSync({
          db: ctx.db,
          channels: config.channels,
          availability: ledgerAvailability(ctx.db),
          log: componentLogger(ctx.log, 'channels'),
          globalBuffer: config.channelSync.globalBuffer,
        });
        await app.register(channelRoutes, { sync, reservations: ledgerReservations(ctx.db), now: ctx.clock });
      },
    ],
    async attach(hub) {
      const s = sync!;
      const stopListening = onSkuChanged(hub.db, (sku) => s.markDirty(sku));
      await s.start();
      hub.onStop(async () => {
        stopListening();
        await s.stop();
      });
    },
  };
}
