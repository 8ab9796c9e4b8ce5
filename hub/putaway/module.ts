// hub/putaway — the room: its route (it reads pallets from receiving's tables, so it runs beside receiving).
import type { Room } from '../room.js';
import { putawayRoutes } from './routes.js';

export const putawayRoom: Room = {
  name: 'putaway',
  dependencies: ['receiving'],
  register: (app, { api }) => putawayRoutes()(app, api),
};
