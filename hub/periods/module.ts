// hub/periods — how period close joins the hub: its routes (GET /api/v1/periods, POST /api/v1/periods/close), and, when
// the hub stops, the archive's read-only connection closed (hub/ledger/archive.ts opens it on the first read of an
// archived move). The ledger's tables (ledger_period, the snapshot) are the core's; the downstream readers a close
// waits for are found by their tables (downstream.ts), so the room needs no other room before it.
import { closeArchiveReader } from '../ledger/archive.js';
import type { Room } from '../room.js';
import { periodRoutes } from './routes.js';

export const periodsRoom: Room = {
  name: 'periods',
  async register(app, { api }) {
    await periodRoutes(app, api);
    app.addHook('onClose', async () => closeArchiveReader(api.db));
  },
};
