// hub/shipping — how expected shipments join the hub: tables, routes, the outbound verification observer, and the
// door light stacks (sent through the hub's command topic).
import { componentLogger } from '../../protocols/logging/index.js';
import type { Room } from '../room.js';
import { listenForShipping } from './observer.js';
import { shippingRoutes } from './routes.js';
import { DoorSignals, signalsMigrations } from './signals.js';
import { shippingMigrations } from './store.js';

export const shippingRoom: Room = {
  name: 'shipping',
  // Counts claim count-mode scans first; shipping reads receiving's declared pallets and raises variances.
  dependencies: ['variances', 'counts', 'receiving'],
  migrations: [shippingMigrations, signalsMigrations],
  async register(app, { db, log, runtime, doors, ingest, sendCommand, api }) {
    const signals = new DoorSignals(db, componentLogger(log, 'door-signals'), undefined, runtime);
    await shippingRoutes(signals)(app, api);
    const stopHooks = listenForShipping(doors.hooks, db, signals);
    signals.start(sendCommand);
    const stopListening = ingest.onGatewayOnline((gateway) => signals.resend(gateway));
    app.addHook('onClose', async () => {
      stopListening();
      stopHooks();
      await signals.stop();
    });
  },
};
