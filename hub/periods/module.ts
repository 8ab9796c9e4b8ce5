// hub/periods — how period close joins the hub: its routes (GET /api/v1/periods, POST /api/v1/periods/close). The
// ledger's tables (ledger_period, the snapshot) are the core's; the downstream readers a close waits for are found by
// their tables (downstream.ts), so the room needs no other room before it.
import type { Room } from '../room.js';
import { periodRoutes } from './routes.js';

export const periodsRoom: Room = {
  name: 'periods',
  register: (app, { api }) => periodRoutes(app, api),
};
