// hub/variances — how the variances room joins the hub: its table, its routes, and the bridge from door exceptions.
import type { Room } from '../room.js';
import { listenForDoorExceptions } from './door-exceptions.js';
import { variancesRoutes } from './routes.js';
import { variancesMigrations } from './store.js';

export const variancesRoom: Room = {
  name: 'variances',
  migrations: [variancesMigrations],
  async register(app, { doors, api }) {
    await variancesRoutes(app, api);
    const stop = listenForDoorExceptions(doors.hooks);
    app.addHook('onClose', async () => stop());
  },
};
