// hub/shipping — how expected shipments join the hub: tables, routes, the outbound verification observer, and the
// door light stacks (sent through the hub's command topic).
import type { HubModules } from '../app.js';
import { componentLogger } from '../../protocols/logging/index.js';
import { shippingObserver } from './observer.js';
import { shippingRoutes } from './routes.js';
import { DoorSignals, signalsMigrations } from './signals.js';
import { shippingMigrations } from './store.js';

export function shippingModule(): HubModules & { signals(): DoorSignals | undefined } {
  let signals: DoorSignals | undefined;
  return {
    signals: () => signals,
    migrations: [shippingMigrations, signalsMigrations],
    api: [
      async (app, ctx) => {
        signals ??= new DoorSignals(ctx.db, componentLogger(ctx.log, 'door-signals'), undefined, ctx.runtime);
        await shippingRoutes(signals)(app, ctx);
      },
    ],
    attach(hub) {
      const s = (signals ??= new DoorSignals(hub.db, componentLogger(hub.log, 'door-signals'), undefined, hub.runtime));
      hub.doors.addObserver(shippingObserver(hub.db, s));
      s.start(hub.sendCommand);
      hub.ingest.onGatewayOnline((gateway) => s.resend(gateway));
      hub.onStop(() => s.stop());
    },
  };
}
