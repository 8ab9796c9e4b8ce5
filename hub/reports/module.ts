// hub/reports — how the KPI report joins the hub: a route.
import type { Room } from '../room.js';
import { reportsRoutes } from './routes.js';

export const reportsRoom: Room = {
  name: 'reports',
  dependencies: ['counts', 'receiving', 'shipping', 'variances'],
  register: (app, { config, api }) => reportsRoutes(config.currency, config.reports)(app, api),
};
