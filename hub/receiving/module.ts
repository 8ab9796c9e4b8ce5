// hub/receiving — how expected receipts join the hub: tables, routes, and the observer matching passes at receiving doors.
import type { HubModules } from '../app.js';
import type { HubConfig } from '../config/schema.js';
import { receivingObserver } from './observer.js';
import { receivingRoutes } from './routes.js';
import { receivingMigrations } from './store.js';

export function receivingModule(config: HubConfig): HubModules {
  const tolerances = config.receiving.tolerances;
  return {
    migrations: [receivingMigrations],
    api: [receivingRoutes(tolerances)],
    attach(hub) {
      hub.doors.addObserver(receivingObserver(tolerances));
    },
  };
}
