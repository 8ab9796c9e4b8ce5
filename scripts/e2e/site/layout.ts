// scripts/e2e/site — the simulated site's layout and its configuration files: doors (mode, reader, gateway), the
// SKUs the trucks bring, hub.yaml, each gateway.yaml and mosquitto.conf. Pure: strings in, strings out.
import { hashSecret } from '../../../protocols/secrets/secret-hash.js';
import { decodeEpc } from '../../../protocols/epc/index.js';
import { withCheckDigit } from '../../../protocols/gs1/check-digit.js';
import { sgtin96 } from '../../sim/scenario.js';

export const SITE = 'sim';
export type DoorMode = 'receiving' | 'shipping' | 'returns';

export interface SimDoor {
  id: string;
  mode: DoorMode;
  /** The door's reader (one per door), also the LLRP simulator's reader id. */
  reader: string;
  gateway: string;
}

export interface SimGateway {
  id: string;
  password: string;
  doors: SimDoor[];
  /** The gateway whose outbox is deliberately filled to its cap (tiny maxRows, broker cut off by a proxy). */
  capped: boolean;
}

export interface SimSku {
  sku: string;
  gtin: string;
  itemRef: number;
}

export const SKUS: SimSku[] = [812345, 100017, 250042, 377001].map((itemRef) => {
  const d = decodeEpc(sgtin96(614141, itemRef, 1));
  if (!d.ok || !d.gtin) throw new Error(`layout: SGTIN for item reference ${itemRef} does not decode`);
  return { sku: `SKU-${itemRef}`, gtin: d.gtin, itemRef };
});

/** The SKU of one of our EPCs (the simulator makes every EPC from SKUS). */
export function skuOfEpc(epc: string): string {
  const d = decodeEpc(epc);
  const s = d.ok ? SKUS.find((k) => k.gtin === d.gtin) : undefined;
  if (!s) throw new Error(`layout: EPC ${epc} is not one of the simulator's SKUs`);
  return s.sku;
}

export const UNIT_COST = 1250;

/** Quantity-tracked SKUs (cartons of small parts, no RFID): received by scanning their GS1 barcode at a door. */
export const QTY_SKUS: Array<{ sku: string; gtin: string }> = [90001, 90002].map((ref) => ({ sku: `QTY-${ref}`, gtin: withCheckDigit(`00614141${ref}`) }));

/** The serial barcode scanner on a real pseudo-terminal (socat), at the first gateway's first receiving door. */
export interface SimScanner {
  id: string;
  gateway: string;
  door: string;
  /** The end the gateway opens (socat's link). */
  path: string;
  /** The end the operator's scans are written into. */
  wire: string;
}

/** A GS1-128 barcode as a serial scanner sends it: symbology identifier, (01) GTIN, (30) count, CR. */
export function gs1Scan(gtin: string, qty: number): string {
  return `]C101${gtin}30${qty}\r`;
}

/** `doors` doors over `gateways` gateways (contiguous blocks); modes cycle receiving, shipping, receiving, returns, shipping. */
export function siteLayout(doors: number, gateways: number, withCappedGateway: boolean): { doors: SimDoor[]; gateways: SimGateway[] } {
  if (doors < 3) throw new RangeError('layout: the site needs at least 3 doors (receiving, shipping, returns)');
  if (gateways < 1 || gateways > doors) throw new RangeError(`layout: gateways must be 1..${doors}, got ${gateways}`);
  const cycle: DoorMode[] = ['receiving', 'shipping', 'returns', 'receiving', 'shipping'];
  const all: SimDoor[] = Array.from({ length: doors }, (_, i) => ({
    id: `door-${i + 1}`,
    mode: cycle[i % cycle.length]!,
    reader: `r${i + 1}`,
    gateway: `gw-${1 + Math.floor((i * gateways) / doors)}`,
  }));
  const gws: SimGateway[] = Array.from({ length: gateways }, (_, g) => ({
    id: `gw-${g + 1}`,
    password: `gw-${g + 1}-secret`,
    doors: all.filter((d) => d.gateway === `gw-${g + 1}`),
    capped: false,
  }));
  if (withCappedGateway) {
    const d: SimDoor = { id: 'door-cap', mode: 'receiving', reader: 'rcap', gateway: 'gw-cap' };
    all.push(d);
    gws.push({ id: 'gw-cap', password: 'gw-cap-secret', doors: [d], capped: true });
  }
  return { doors: all, gateways: gws };
}

export interface HubYamlOptions {
  dbPath: string;
  httpPort: number;
  broker: { type: 'embedded'; port: number } | { type: 'external'; url: string };
  gateways: SimGateway[];
  doors: SimDoor[];
  webhookUrl: string;
  webhookSecret: string;
  /** A second channel on a local Shopify stand-in (same stock, same rule). */
  shopify?: { url: string; token: string };
  logLevel?: string;
}

export const SHOP_LOCATION = 'gid://shopify/Location/1';
/** The Shopify inventory item of one of our SKUs. */
export const shopItem = (s: SimSku): string => `gid://shopify/InventoryItem/${s.itemRef}`;

/** Cheap scrypt for the simulator's throwaway passwords (the hub checks one per connect). */
const hashes = new Map<string, string>();
function cheapHash(secret: string): string {
  let h = hashes.get(secret);
  if (!h) hashes.set(secret, (h = hashSecret(secret, { N: 1024 })));
  return h;
}

export function hubYaml(o: HubYamlOptions): string {
  const broker =
    o.broker.type === 'embedded'
      ? `broker:
  type: embedded
  tcp: { host: 127.0.0.1, port: ${o.broker.port} }
  allowAnonymous: true
  gateways:
${o.gateways.map((g) => `    - { id: ${g.id}, passwordHash: "${cheapHash(g.password)}" }`).join('\n')}`
      : `broker: { type: external, url: "${o.broker.url}", clientId: dockgate-hub-sim, username: hub, keepaliveS: 5, reconnectPeriodMs: 200 }`;
  return `# generated by scripts/e2e/sim.ts
site: ${SITE}
logLevel: ${o.logLevel ?? 'warn'}
database: { path: ${o.dbPath} }
${broker}
http: { host: 127.0.0.1, port: ${o.httpPort} }
locations:
  - { id: dc, kind: zone }
${o.doors.map((d) => `  - { id: dock-${d.id.slice(5)}, kind: door, parent: dc }`).join('\n')}
  - { id: receiving, kind: receiving, parent: dc }
  - { id: stock, kind: stock, parent: dc, sellable: true }
  - { id: reserve, kind: stock, parent: dc }
  - { id: returns, kind: returns, parent: dc }
doors:
${o.doors.map((d) => `  - { id: ${d.id}, mode: ${d.mode}, gateway: ${d.gateway}, location: dock-${d.id.slice(5)} }`).join('\n')}
channels:
  - id: web
    connector: webhook
    locations: [stock]
    rule: { pct: 1 }
    skus:
${SKUS.map((s) => `      ${s.sku}: { item: ${s.sku.toLowerCase()} }`).join('\n')}
    webhook: { url: "${o.webhookUrl}", secret: ${o.webhookSecret} }
    http: { timeoutMs: 1500, maxTries: 3, backoffBaseMs: 100, backoffMaxMs: 1000 }
${
  o.shopify
    ? `  - id: shop
    connector: shopify
    locations: [stock]
    rule: { pct: 1 }
    skus:
${SKUS.map((s) => `      ${s.sku}: { item: "${shopItem(s)}" }`).join('\n')}
    shopify: { endpoint: "${o.shopify.url}", accessToken: ${o.shopify.token}, locationId: "${SHOP_LOCATION}" }
    http: { timeoutMs: 1500, maxTries: 3, backoffBaseMs: 100, backoffMaxMs: 1000 }
`
    : ''
}`;
}

export interface GatewayYamlOptions {
  gateway: SimGateway;
  scanner?: SimScanner;
  mqttUrl: string;
  outboxPath: string;
  readerPorts: Map<string, number>;
  maxRows?: number;
  metricsPort?: number;
  logLevel?: string;
  /** The gateways' backlog drain ceiling, events/s (default 20000); 'default': the key left out, the product's default. */
  drainRatePerSecond?: number | 'default';
}

export function gatewayYaml(o: GatewayYamlOptions): string {
  const g = o.gateway;
  return `# generated by scripts/e2e/sim.ts
site: ${SITE}
gateway: ${g.id}
logLevel: ${o.logLevel ?? 'warn'}
readers:
${g.doors
  .map(
    (d) => `  - id: ${d.reader}
    host: 127.0.0.1
    port: ${o.readerPorts.get(d.reader)}
    keepaliveMs: 1000
    missedKeepalives: 3
    connectTimeoutMs: 3000
    reconnect: { initialMs: 100, maxMs: 1000 }
    antennas:
      - { id: 1, door: ${d.id}, side: outside }
      - { id: 2, door: ${d.id}, side: inside }`,
  )
  .join('\n')}
${o.scanner ? `scanners:\n  - { id: ${o.scanner.id}, type: serial, path: ${o.scanner.path}, door: ${o.scanner.door} }\n` : ''}portal:
  doors:
${g.doors.map((d) => `    - { id: ${d.id} }`).join('\n')}
mqtt:
  url: ${o.mqttUrl}
  password: ${g.password}
  keepaliveS: 5
  connectTimeoutMs: 3000
  batch: { maxEvents: 500, lingerMs: 20 }
${o.drainRatePerSecond === 'default' ? '' : `  drainRatePerSecond: ${o.drainRatePerSecond ?? 20000}\n`}  reconnect: { initialMs: 100, maxMs: 1000 }
outbox:
  path: ${o.outboxPath}
${o.maxRows ? `  maxRows: ${o.maxRows}\n` : ''}${o.metricsPort !== undefined ? `metrics: { host: 127.0.0.1, port: ${o.metricsPort} }\n` : ''}`;
}

export function mosquittoConf(port: number, dir: string): string {
  return [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'persistence true',
    `persistence_location ${dir}/`,
    // Save the in-memory store every second (saving after every change rewrites the whole store per message and
    // stalls the broker). A kill -9 can therefore lose up to a second of acknowledged messages: the simulator reports it.
    'autosave_interval 1',
    'max_queued_messages 0',
    'max_inflight_messages 100',
    'log_dest none',
    '',
  ].join('\n');
}
