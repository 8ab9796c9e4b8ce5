// hub/periods — how period close joins the hub: its routes (GET /api/v1/periods, POST and GET /api/v1/periods/close)
// and the close they run (job.ts); when the hub stops, a running close ends between two steps (the archive's read-only
// connection is closed with the database, hub/app.ts). The ledger's tables (ledger_period, the snapshot) are the
// core's; the downstream readers a close waits for are found by their tables (downstream.ts), so the room needs no
// other room before it.
import { componentLogger } from '../../protocols/logging/index.js';
import type { Room } from '../room.js';
import { PeriodCloser } from './job.js';
import { periodRoutes } from './routes.js';

export const periodsRoom: Room = {
  name: 'periods',
  async register(app, { api, db, runtime, log }) {
    const closer = new PeriodCloser(db, runtime, componentLogger(log, 'periods'));
    await periodRoutes(app, api, closer);
    app.addHook('onClose', () => closer.stop());
  },
};
