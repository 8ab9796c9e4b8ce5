// hub/counts — how cycle and baseline counts join the hub: tables, routes, and the observer taking counted units
// from count zones and count-mode scans.
import type { HubModules } from '../app.js';
import type { HubConfig } from '../config/schema.js';
import { countsObserver } from './observer.js';
import { countsRoutes } from './routes.js';
import { countsMigrations, type CountSettings } from './store.js';

export function countSettings(config: HubConfig): CountSettings {
  return { tolerances: config.counts.tolerances, baselineQuietMinutes: config.counts.baselineQuietMinutes };
}

export function countsModule(config: HubConfig): HubModules {
  return {
    migrations: [countsMigrations],
    api: [countsRoutes(countSettings(config), config.counts.abc, config.counts.everyDays)],
    attach(hub) {
      hub.doors.addObserver(countsObserver());
    },
  };
}
