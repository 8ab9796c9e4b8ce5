// hub/returns — how returns join the hub: routes only (a returns door's passes are the door rules' customer → returns).
import type { Room } from '../room.js';
import { returnsRoutes } from './routes.js';

export const returnsRoom: Room = {
  name: 'returns',
  dependencies: ['variances'],
  register: (app, { config, api }) => returnsRoutes(config.returns.maxWaitHours)(app, api),
};
