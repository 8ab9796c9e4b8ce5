// hub — which optional rooms the hub runs (receiving, channels, ops surface …). Each is a fastify plugin (hub/room.ts)
// declaring the rooms it needs before it: the order of this list does not matter.
import type { HubModules } from './app.js';
import { channelsRoom } from './channels/module.js';
import type { HubConfig } from './config/schema.js';
import { countsRoom } from './counts/module.js';
import { feedRoom } from './feed/module.js';
import { partnersRoom } from './partners/module.js';
import { periodsRoom } from './periods/module.js';
import { putawayRoom } from './putaway/module.js';
import { receivingRoom } from './receiving/module.js';
import type { Room } from './room.js';
import { reportsRoom } from './reports/module.js';
import { returnsRoom } from './returns/module.js';
import { shippingRoom } from './shipping/module.js';
import { dockProvidersRoom } from './status/dock-providers.js';
import { variancesRoom } from './variances/module.js';

/** Every optional room, by name. */
export const HUB_ROOMS: readonly Room[] = [
  channelsRoom,
  countsRoom,
  dockProvidersRoom,
  feedRoom,
  partnersRoom,
  periodsRoom,
  putawayRoom,
  receivingRoom,
  reportsRoom,
  returnsRoom,
  shippingRoom,
  variancesRoom,
];

/** The hub's optional rooms for this config (each reads its own section of the config when it registers). */
export function hubModules(_config: HubConfig): HubModules {
  return { rooms: HUB_ROOMS };
}
