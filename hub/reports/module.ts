// hub/reports — how the KPI report joins the hub: a route.
import type { HubModules } from '../app.js';
import type { HubConfig } from '../config/schema.js';
import { reportsRoutes } from './routes.js';

export function reportsModule(config: HubConfig): HubModules {
  return { api: [reportsRoutes(config.currency, config.reports)] };
}
