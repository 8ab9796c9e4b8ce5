// hub/status — the response schemas of /health, /ready and /api/v1/status (TypeBox: types and OpenAPI from one source).
import { Type, type Static } from '@sinclair/typebox';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const NStr = Nullable(Type.String());
const NNum = Type.Union([Type.Number(), Type.Null()]);

export const Health = Type.Object({ status: Type.Literal('alive'), uptimeS: Type.Number() });

export const Ready = Type.Object({
  ready: Type.Boolean(),
  database: Type.Object({ ok: Type.Boolean(), error: Type.Optional(Type.String()) }),
  broker: Type.Object({ ok: Type.Boolean(), mode: Type.Union([Type.Literal('embedded'), Type.Literal('external')]), detail: Type.Optional(Type.String()) }),
});

export const Reason = Type.Object({
  level: Type.Union([Type.Literal('down'), Type.Literal('degraded')]),
  code: Type.String({ description: 'database, broker, gateway_down, reader_not_reading, scanner_not_open, outbox_backlog, no_gateway, channel_alert, stream_gaps' }),
  subject: Type.String(),
  message: Type.String(),
});

export const DoorWork = Type.Object({
  kind: Type.Union([Type.Literal('receipt'), Type.Literal('shipment'), Type.Literal('count')]),
  id: Type.String(),
  reference: Type.String(),
  expected: Type.Number(),
  done: Type.Number(),
});

export const ChannelHealthSchema = Type.Object(
  {
    channel: Type.String(),
    mode: Type.String(),
    status: Type.Union([Type.Literal('ok'), Type.Literal('warn'), Type.Literal('alert')]),
    alerts: Type.Array(Type.Object({ code: Type.String(), level: Type.String(), message: Type.String() })),
  },
  { additionalProperties: true, description: 'hub/channels ChannelHealth (sync times, unsynced, drift …)' },
);

export const StatusReport = Type.Object({
  verdict: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('down')]),
  reasons: Type.Array(Reason),
  at: Type.String({ format: 'date-time' }),
  hub: Type.Object({ site: Type.String(), version: Type.String(), startedAt: Type.String(), uptimeS: Type.Number() }),
  database: Type.Object({ ok: Type.Boolean(), error: Type.Optional(Type.String()) }),
  broker: Type.Object({
    mode: Type.Union([Type.Literal('embedded'), Type.Literal('external')]),
    up: Type.Boolean(),
    connectedClients: Type.Union([Type.Integer(), Type.Null()]),
    clients: Type.Array(Type.Object({ clientId: Type.String(), principal: Type.String() })),
  }),
  gateways: Type.Array(
    Type.Object({
      id: Type.String(),
      state: Type.Union([Type.Literal('online'), Type.Literal('down')]),
      reportedOnline: Type.Boolean(),
      lastSeenAt: NStr,
      silentS: NNum,
      version: NStr,
      outbox: Type.Object({ depth: NNum, oldestAgeS: NNum, dropped: NNum }),
      clockOffsetMs: NNum,
      readers: Type.Array(Type.Object({ id: Type.String(), state: Type.String(), reason: NStr, lastReport: NStr, readsPerSecond: NNum })),
      scanners: Type.Array(Type.Object({ id: Type.String(), state: Type.String(), lastScan: NStr })),
    }),
  ),
  doors: Type.Array(
    Type.Object({
      id: Type.String(),
      mode: Type.String(),
      gateway: Type.String(),
      reading: Type.Boolean(),
      sensor: NStr,
      lastPass: Type.Union([Type.Object({ at: Type.String(), epc: NStr, sku: NStr, direction: NStr, outcome: Type.String() }), Type.Null()]),
      work: Type.Union([DoorWork, Type.Null()]),
      openVariances: Type.Integer(),
    }),
  ),
  ingest: Type.Object({
    eventsPerSecond: Type.Number(),
    lagMs: NNum,
    applied: Type.Integer(),
    deadLetters: Type.Integer(),
    streamGaps: Type.Object({ missing: Type.Integer(), reported: Type.Integer() }),
  }),
  channels: Type.Array(ChannelHealthSchema),
});
export type StatusReportBody = Static<typeof StatusReport>;
