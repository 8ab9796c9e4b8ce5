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
  code: Type.String({ description: 'database, broker, gateway_down, reader_not_reading, scanner_not_open, outbox_backlog, no_gateway, channel_alert, mqtt_refused, unknown_door, open_exceptions, clock, disk_space, stream_gaps, ledger' }),
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
  ledger: Type.Union([
    Type.Object({
      verifiedSeq: Type.Integer({ description: 'moves up to this seq are verified by the ledger check' }),
      verifiedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'when the point last moved; null: never' }),
      lagMoves: Type.Integer({ description: 'moves posted after the verified point' }),
      fault: Type.Union([Type.String(), Type.Null()], { description: 'the last failing check\'s first difference, until a check of its scope passes' }),
    }),
    Type.Null(),
  ], { description: 'the ledger self-check; null while the database is down' }),
  broker: Type.Object({
    mode: Type.Union([Type.Literal('embedded'), Type.Literal('external')]),
    up: Type.Boolean(),
    connectedClients: Type.Union([Type.Integer(), Type.Null()]),
    clients: Type.Array(Type.Object({ clientId: Type.String(), principal: Type.String() })),
    refusals: Type.Array(
      Type.Object({
        gateway: Type.String({ description: 'the gateway id the client claimed (username, else what its client id names)' }),
        cause: Type.String({ description: 'why, in words: wrong password, site id … does not match …, client id … held by …' }),
        clientId: Type.String(),
        address: NStr,
        at: Type.String(),
        firstAt: Type.String(),
        count: Type.Integer({ description: 'refusals with this cause since firstAt' }),
        connectedSince: Type.Boolean({ description: 'the gateway got in after this refusal' }),
      }),
      { description: "the embedded broker's last refusal per claimed gateway id, newest first" },
    ),
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
      openExceptions: Type.Integer({ description: 'open door exceptions that are no variance (unexpected_location, unknown_unit, door_off …)' }),
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
  partnerDeliveries: Type.Union([
    Type.Object({
      pending: Type.Integer(),
      failing: Type.Array(Type.Object({ key: Type.String(), partner: Type.String(), kind: Type.String(), attempts: Type.Integer(), lastError: Type.Union([Type.String(), Type.Null()]) })),
    }),
    Type.Null(),
  ], { description: 'the partner outbox (EDI advice, EPCIS capture, ERP hand-off); null when the hub runs without it' }),
  warnings: Type.Array(
    Type.Object({ code: Type.String({ description: 'plain_mqtt, plain_http, anonymous_mqtt' }), subject: Type.String(), message: Type.String() }),
    { description: 'what the hub serves in plain text on the network' },
  ),
});
export type StatusReportBody = Static<typeof StatusReport>;
