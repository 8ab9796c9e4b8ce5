// hub/dashboard/client — the shape of GET /api/v1/status that the screens read (hub/status/schemas.ts).
export interface Pass { at: string; epc: string | null; sku: string | null; direction: string | null; outcome: string }
export interface DoorStatus {
  id: string;
  mode: string;
  gateway: string;
  reading: boolean;
  sensor: string | null;
  lastPass: Pass | null;
  work: { kind: string; id: string; reference: string; expected: number; done: number } | null;
  openVariances: number;
  /** Open door exceptions that are no variance (unknown_unit, unexpected_location, door_off …). */
  openExceptions: number;
}
export interface GatewayStatus { id: string; state: string; lastSeenAt: string | null; outbox: { depth: number | null }; readers: Array<{ id: string; state: string; reason: string | null }>; scanners: Array<{ id: string; state: string }> }
/** The embedded broker's last refusal of a claimed gateway id: why, in words. */
export interface Refusal { gateway: string; cause: string; clientId: string; address: string | null; at: string; count: number; connectedSince: boolean }
export interface Status {
  verdict: string;
  reasons: Array<{ level: string; code: string; subject: string; message: string }>;
  hub: { site: string };
  doors: DoorStatus[];
  gateways: GatewayStatus[];
  channels: Array<{ channel: string; mode: string; status: string; alerts: Array<{ message: string }> }>;
  broker: { refusals: Refusal[] };
  /** What the hub serves in plain text on the network. */
  warnings: Array<{ code: string; subject: string; message: string }>;
}
