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
}
export interface GatewayStatus { id: string; state: string; lastSeenAt: string | null; outbox: { depth: number | null }; readers: Array<{ id: string; state: string; reason: string | null }>; scanners: Array<{ id: string; state: string }> }
export interface Status {
  verdict: string;
  reasons: Array<{ level: string; code: string; subject: string; message: string }>;
  hub: { site: string };
  doors: DoorStatus[];
  gateways: GatewayStatus[];
  channels: Array<{ channel: string; mode: string; status: string; alerts: Array<{ message: string }> }>;
}
