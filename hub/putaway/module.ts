// hub/putaway — the room: its route (it reads pallets from receiving's tables, so it runs beside receiving).
import type { HubModules } from '../app.js';
import { putawayRoutes } from './routes.js';

export function putawayModule(): HubModules {
  return { api: [putawayRoutes()] };
}
