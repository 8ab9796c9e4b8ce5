// hub — which optional rooms the hub runs (receiving, channels, ops surface …) and how each is attached.
import type { HubModules } from './app.js';
import { channelsModule } from './channels/module.js';
import type { HubConfig } from './config/schema.js';
import { countsModule } from './counts/module.js';
import { partnersModule } from './partners/module.js';
import { putawayModule } from './putaway/module.js';
import { receivingModule } from './receiving/module.js';
import { reportsModule } from './reports/module.js';
import { returnsModule } from './returns/module.js';
import { shippingModule } from './shipping/module.js';
import { feedModule } from './feed/module.js';
import { dockProvidersModule } from './status/dock-providers.js';
import { variancesModule } from './variances/module.js';

/** Merge rooms: migrations and API plugins in order, attach hooks one after another. */
export function combineModules(...rooms: HubModules[]): HubModules {
  return {
    migrations: rooms.flatMap((r) => r.migrations ?? []),
    api: rooms.flatMap((r) => r.api ?? []),
    async attach(hub) {
      for (const r of rooms) await r.attach?.(hub);
    },
  };
}

export function hubModules(config: HubConfig): HubModules {
  // Dock loops: counts claim count-mode scans before receiving and shipping see them.
  const dock = [variancesModule(), countsModule(config), receivingModule(config), putawayModule(), shippingModule(), returnsModule(config), reportsModule(config), partnersModule(config)];
  const channels = channelsModule(config);
  // The change feed last: its triggers watch the tables of the rooms before it.
  return combineModules(channels, ...dock, dockProvidersModule(config, channels.sync), feedModule(config));
}
