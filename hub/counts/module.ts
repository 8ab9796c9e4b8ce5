// hub/counts — how cycle and baseline counts join the hub: tables, routes, and the observer taking counted units
// from count zones and count-mode scans.
import type { HubConfig } from '../config/schema.js';
import type { Room } from '../room.js';
import { listenForCounts } from './observer.js';
import { countsRoutes } from './routes.js';
import { countsMigrations, type CountSettings } from './store.js';

export function countSettings(config: HubConfig): CountSettings {
  return { tolerances: config.counts.tolerances, baselineQuietMinutes: config.counts.baselineQuietMinutes };
}

/** Counts claim count-mode scans before receiving and shipping see them (those rooms depend on this one). */
export const countsRoom: Room = {
  name: 'counts',
  dependencies: ['variances'],
  migrations: [countsMigrations],
  async register(app, { config, doors, api }) {
    await countsRoutes(countSettings(config), config.counts.abc, config.counts.everyDays)(app, api);
    const stop = listenForCounts(doors.hooks);
    app.addHook('onClose', async () => stop());
  },
};
