// hub/receiving — how expected receipts join the hub: tables, routes, and the observer matching passes at receiving doors.
import type { Room } from '../room.js';
import { listenForReceiving } from './observer.js';
import { receivingRoutes } from './routes.js';
import { receivingMigrations } from './store.js';

export const receivingRoom: Room = {
  name: 'receiving',
  // Counts claim count-mode scans before receiving's observer sees them.
  dependencies: ['variances', 'counts'],
  migrations: [receivingMigrations],
  async register(app, { config, doors, api }) {
    const tolerances = config.receiving.tolerances;
    await receivingRoutes(tolerances)(app, api);
    const stop = listenForReceiving(doors.hooks, tolerances);
    app.addHook('onClose', async () => stop());
  },
};
