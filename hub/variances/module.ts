// hub/variances — how the variances room joins the hub: its table, its routes, and the bridge from door exceptions.
import type { HubModules } from '../app.js';
import { doorExceptionVariances } from './door-exceptions.js';
import { variancesRoutes } from './routes.js';
import { variancesMigrations } from './store.js';

export function variancesModule(): HubModules {
  return {
    migrations: [variancesMigrations],
    api: [variancesRoutes],
    attach(hub) {
      hub.doors.addObserver(doorExceptionVariances());
    },
  };
}
