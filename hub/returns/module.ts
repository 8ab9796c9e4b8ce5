// hub/returns — how returns join the hub: routes only (a returns door's passes are the door rules' customer → returns).
import type { HubModules } from '../app.js';
import type { HubConfig } from '../config/schema.js';
import { returnsRoutes } from './routes.js';

export function returnsModule(config: HubConfig): HubModules {
  return { api: [returnsRoutes(config.returns.maxWaitHours)] };
}
