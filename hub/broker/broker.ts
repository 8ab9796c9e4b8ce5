// hub/broker — the embedded MQTT broker: aedes with TCP, optional TLS and WebSocket listeners, gateway
// credentials and ACLs, and the hub's in-process client whose handlers run before the PUBACK.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { Aedes, type AuthenticateError, type Client, type PublishPacket } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { isValidId } from '../../protocols/events/index.js';
import { componentLogger, type Logger } from '../../protocols/logging/index.js';
import { isLoopback } from '../auth/bind.js';
import { clientIdOwner, describePrincipal, publishRefusal, subscribeRefusal, willRefusal, type Principal } from './acl.js';
import { parseSecretHash, verifySecret, type ParsedHash } from '../../protocols/secrets/secret-hash.js';
import type { HubMqtt, MessageHandler, PublishOptions } from './hub-mqtt.js';
import { DEFAULT_MAX_PACKET_BYTES, limitPacketSize } from './packet-limit.js';
import { PreAckRouter } from './pre-ack-router.js';
import { claimedGateway, RefusalLog, type Refusal } from './refusals.js';
import { systemRuntime } from '../../runtime/runtime.js';

export interface BrokerConfig {
  site: string;
  /** Bind address of the plain TCP listener (and of the others unless they name their own); default all interfaces. */
  host?: string;
  /** Plain MQTT over TCP; 0 picks a free port (tests). */
  port: number;
  tls?: { host?: string; port: number; certFile: string; keyFile: string; caFile?: string };
  /** MQTT over WebSocket (ws package + aedes.handle on the socket stream). */
  ws?: { host?: string; port: number; path?: string };
  /** Username = gateway id; secretHash from hashSecret(). */
  gateways: ReadonlyArray<{ id: string; secretHash: string }>;
  /** Hub-side tools (dashboards, bridges) with full rights. */
  hubClients?: ReadonlyArray<{ username: string; secretHash: string }>;
  /** Development only: clients without a username are let in with full rights, on loopback listeners. Default false. */
  allowAnonymous?: boolean;
  /** A packet longer than this closes its connection at its header, before its body is buffered. Default DEFAULT_MAX_PACKET_BYTES. */
  maxPacketBytes?: number;
  /** With allowAnonymous: let anonymous clients in on listeners other than loopback too. Anyone on the network may then read every topic and command every gateway. */
  insecureAllowAnonymousOnNetwork?: boolean;
  /** Clock for the refusal log; default the system runtime's. */
  clock?: () => number;
}

export interface ConnectedClient {
  clientId: string;
  principal: string;
}

export interface RunningBroker {
  aedes: Aedes;
  port: number;
  tlsPort?: number;
  wsPort?: number;
  /** The hub's own in-process client: full rights, handlers acknowledged only when they call done(). */
  mqtt: HubMqtt;
  connectedClients(): ConnectedClient[];
  /** Ids of the gateways holding a connection now. */
  connectedGateways(): Set<string>;
  /** The last refusal of each claimed gateway id (connect refused, publish refused), newest first. */
  refusals(): Array<Refusal & { connectedSince: boolean }>;
  /** Counters for metrics. */
  stats(): BrokerStats;
  close(): Promise<void>;
}

export interface BrokerStats {
  authFailures: number;
  publishRefused: number;
  subscribeRefused: number;
  notReady: number;
  /** Connections closed for a packet over maxPacketBytes. */
  oversizedPackets: number;
}

interface Account {
  principal: Principal;
  hash: ParsedHash;
}

const BAD_CREDENTIALS = 4;
const NOT_AUTHORIZED = 5;
const IDENTIFIER_REJECTED = 2;

/** Which listener a connection came in on. */
interface Listener {
  name: 'tcp' | 'tls' | 'websocket';
  host: string;
  loopback: boolean;
  address: string | null;
}

function authError(message: string, returnCode: number): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

/** Check the broker config; throws naming the key and the problem. */
export function loadAccounts(config: BrokerConfig): Map<string, Account> {
  if (!isValidId(config.site)) throw new Error(`broker.site ${JSON.stringify(config.site)} is not a valid id ([a-z0-9-]+)`);
  const accounts = new Map<string, Account>();
  const add = (key: string, username: string, principal: Principal, secretHash: string) => {
    if (accounts.has(username)) throw new Error(`${key}: username ${username} is configured twice`);
    let hash: ParsedHash;
    try {
      hash = parseSecretHash(secretHash);
    } catch (err) {
      throw new Error(`${key}.secretHash: ${(err as Error).message}`);
    }
    accounts.set(username, { principal, hash });
  };
  config.gateways.forEach((g, i) => {
    if (!isValidId(g.id)) throw new Error(`broker.gateways[${i}].id ${JSON.stringify(g.id)} is not a valid id ([a-z0-9-]+)`);
    add(`broker.gateways[${i}]`, g.id, { role: 'gateway', gateway: g.id }, g.secretHash);
  });
  (config.hubClients ?? []).forEach((h, i) => {
    if (h.username.length === 0) throw new Error(`broker.hubClients[${i}].username must not be empty`);
    add(`broker.hubClients[${i}]`, h.username, { role: 'hub', username: h.username }, h.secretHash);
  });
  return accounts;
}

function samePrincipal(a: Principal, b: Principal): boolean {
  return a.role === 'gateway' ? b.role === 'gateway' && a.gateway === b.gateway : b.role === 'hub' && a.username === b.username;
}

function listen(server: NetServer | TlsServer | HttpServer, port: number, host: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: NetServer | TlsServer | HttpServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function readConfigFile(key: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`${key}: cannot read ${path}: ${(err as Error).message}`);
  }
}

export async function startBroker(config: BrokerConfig, logger: Logger): Promise<RunningBroker> {
  const log = componentLogger(logger, 'broker');
  const accounts = loadAccounts(config);
  const tlsOptions = config.tls && {
    cert: readConfigFile('broker.tls.certFile', config.tls.certFile),
    key: readConfigFile('broker.tls.keyFile', config.tls.keyFile),
    ...(config.tls.caFile ? { ca: readConfigFile('broker.tls.caFile', config.tls.caFile) } : {}),
  };
  // An unknown username is checked against this dummy so its answer takes as long as a wrong password's.
  const first = accounts.values().next().value?.hash;
  const dummy: ParsedHash = { N: first?.N ?? 16384, r: first?.r ?? 8, p: first?.p ?? 1, salt: Buffer.alloc(16), key: Buffer.alloc(first?.key.length ?? 32) };
  const principals = new WeakMap<Client, Principal>();
  const router = new PreAckRouter();
  const counters: BrokerStats = { authFailures: 0, publishRefused: 0, subscribeRefused: 0, notReady: 0, oversizedPackets: 0 };
  const maxPacketBytes = config.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES;
  /** Every listener hands its connections here: aedes takes them with the packet size limit in place. */
  const handle = (conn: Parameters<Aedes['handle']>[0] & { destroy(): void }, req?: Parameters<Aedes['handle']>[1]) => {
    const client = aedes.handle(conn, req);
    limitPacketSize(client, conn, maxPacketBytes, (bytes) => {
      counters.oversizedPackets++;
      log.warn({ clientId: client.id || undefined, bytes, limit: maxPacketBytes }, 'mqtt packet over the size limit: connection closed before reading it');
    });
  };
  const HUB_SELF: Principal = { role: 'hub', username: '(broker)' };
  const gatewayIds = new Set(config.gateways.map((g) => g.id));
  const refusals = new RefusalLog();
  const clock = config.clock ?? systemRuntime.now;
  const listenerOf = new WeakMap<object, Listener>();
  const listener = (name: Listener['name'], host: string | undefined) => (conn: object, address: string | undefined) =>
    listenerOf.set(conn, { name, host: host ?? '0.0.0.0', loopback: host !== undefined && isLoopback(host), address: address ?? null });
  if (config.allowAnonymous) {
    if (config.insecureAllowAnonymousOnNetwork) log.warn('INSECURE: broker.insecureAllowAnonymousOnNetwork is set: anyone who reaches a broker port may read every topic and command every gateway');
    else log.warn('broker.allowAnonymous is set: anonymous clients are let in on loopback listeners only');
  }

  const aedes = await Aedes.createBroker({
    drainTimeout: 30_000,
    authenticate(client, username, password, done) {
      const via = listenerOf.get(client.conn as object);
      const refuse = (reason: string, code: number) => {
        counters.authFailures++;
        const gateway = claimedGateway(username, client.id);
        refusals.note({ gateway, cause: reason, clientId: client.id, address: via?.address ?? null }, clock());
        log.warn({ clientId: client.id, username, gateway, address: via?.address, listener: via?.name, reason }, 'mqtt connect refused');
        done(authError(reason, code), false);
      };
      const owner = clientIdOwner(client.id, gatewayIds);
      if (username === undefined || username === '') {
        if (!config.allowAnonymous) return refuse('no username: every client must log in (anonymous clients are not allowed)', BAD_CREDENTIALS);
        if (via && !via.loopback && !config.insecureAllowAnonymousOnNetwork) {
          return refuse(`no username on the ${via.name} listener at ${via.host}, which is not loopback: anonymous clients are let in on loopback listeners only (broker.insecureAllowAnonymousOnNetwork is not set)`, BAD_CREDENTIALS);
        }
        if (owner) return refuse(`client id ${client.id} belongs to gateway ${owner}: an anonymous client may not take it`, IDENTIFIER_REJECTED);
        principals.set(client, { role: 'hub', username: '(anonymous)' });
        return done(null, true);
      }
      const account = accounts.get(username);
      verifySecret(password ?? Buffer.alloc(0), account?.hash ?? dummy).then(
        (ok) => {
          if (!account) return refuse(`unknown gateway ${username}: not in broker.gateways of this hub`, BAD_CREDENTIALS);
          if (!ok) return refuse(password === undefined || password.length === 0 ? 'no password' : 'wrong password', BAD_CREDENTIALS);
          const will = (client as unknown as { _will?: { topic: string } })._will;
          const willProblem = will ? willRefusal(config.site, account.principal, will.topic) : undefined;
          if (willProblem) return refuse(willProblem, NOT_AUTHORIZED);
          // A gateway's client id is bound to it: nobody else may hold it off the broker or take its session.
          const p = account.principal;
          if (owner && !(p.role === 'gateway' && p.gateway === owner)) {
            return refuse(`client id ${client.id} belongs to gateway ${owner}, not to ${describePrincipal(p)}`, IDENTIFIER_REJECTED);
          }
          // A client id held by someone else may not be taken over (aedes would disconnect the holder).
          const holder = (aedes as unknown as { clients: Record<string, Client> }).clients[client.id];
          const holderPrincipal = holder && holder !== client ? principals.get(holder) : undefined;
          if (holderPrincipal && !samePrincipal(holderPrincipal, account.principal)) {
            return refuse(`client id ${client.id} held by ${describePrincipal(holderPrincipal)}`, IDENTIFIER_REJECTED);
          }
          if (p.role === 'gateway') refusals.accepted(p.gateway);
          principals.set(client, account.principal);
          log.info({ clientId: client.id, principal: describePrincipal(account.principal) }, 'mqtt client authenticated');
          done(null, true);
        },
        (err: Error) => refuse(`secret check failed: ${err.message}`, BAD_CREDENTIALS),
      );
    },
    authorizePublish(client: Client | null, packet: PublishPacket, done) {
      // client is null only for a Last Will the broker restores without its client: that is the broker itself.
      const who = client ? principals.get(client) : HUB_SELF;
      if (!who) return done(new Error('publish before authentication'));
      const refusal = publishRefusal(config.site, who, packet.topic);
      if (refusal) {
        counters.publishRefused++;
        if (who.role === 'gateway') refusals.note({ gateway: who.gateway, cause: `publish to ${packet.topic} refused: ${refusal}`, clientId: client?.id ?? '', address: (client && listenerOf.get(client.conn as object)?.address) ?? null }, clock());
        log.warn({ clientId: client?.id, topic: packet.topic, reason: refusal }, 'mqtt publish refused');
        return done(new Error(refusal));
      }
      const handlers = router.match(packet.topic);
      if (handlers.length === 0 && who.role === 'gateway') {
        // Nothing would take it: refusing (no PUBACK) keeps it in the gateway's outbox until the hub is ready.
        counters.notReady++;
        return done(new Error(`hub is not ready to take ${packet.topic}`));
      }
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
      router.dispatch(packet.topic, payload, handlers, (err) => {
        if (err) log.warn({ clientId: client?.id, topic: packet.topic, err: err.message }, 'hub handler did not take the message: not acknowledged');
        done(err ?? null);
      });
    },
    authorizeSubscribe(client, sub, done) {
      const who = principals.get(client);
      const refusal = who ? subscribeRefusal(config.site, who, sub.topic) : 'subscribe before authentication';
      if (refusal) {
        counters.subscribeRefused++;
        log.warn({ clientId: client.id, filter: sub.topic, reason: refusal }, 'mqtt subscribe refused');
        return done(null, null);
      }
      done(null, sub);
    },
  });
  aedes.on('clientDisconnect', (client) => log.info({ clientId: client.id }, 'mqtt client disconnected'));
  aedes.on('clientError', (client, err) => log.debug({ clientId: client.id, err: err.message }, 'mqtt client error'));
  aedes.on('connectionError', (client, err) => log.debug({ clientId: client?.id, err: err.message }, 'mqtt connection error'));

  const servers: Array<NetServer | TlsServer | HttpServer> = [];
  let wss: WebSocketServer | undefined;
  const closeAll = async () => {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    if (wss) {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss!.close(() => resolve()));
    }
    await Promise.all(servers.map(closeServer));
  };

  let port: number;
  let tlsPort: number | undefined;
  let wsPort: number | undefined;
  try {
    // No Nagle: PUBACKs and commands are small and latency-bound; with delayed ACKs on the peer each would wait ~40 ms.
    const onTcp = listener('tcp', config.host);
    const tcp = createNetServer((socket) => {
      socket.setNoDelay(true);
      onTcp(socket, socket.remoteAddress);
      handle(socket);
    });
    servers.push(tcp);
    port = await listen(tcp, config.port, config.host);
    if (config.tls && tlsOptions) {
      const onTls = listener('tls', config.tls.host ?? config.host);
      const tls = createTlsServer(tlsOptions, (socket) => {
        socket.setNoDelay(true);
        onTls(socket, socket.remoteAddress);
        handle(socket);
      });
      servers.push(tls);
      tlsPort = await listen(tls, config.tls.port, config.tls.host ?? config.host);
    }
    if (config.ws) {
      const http = createHttpServer((_req, res) => res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only\n'));
      servers.push(http);
      wss = new WebSocketServer({ server: http, path: config.ws.path ?? '/mqtt' });
      const onWs = listener('websocket', config.ws.host ?? config.host);
      wss.on('connection', (ws, req) => {
        const stream = createWebSocketStream(ws);
        onWs(stream, req.socket.remoteAddress);
        stream.on('error', (err) => log.debug({ err: err.message }, 'websocket stream error'));
        handle(stream, req);
      });
      wsPort = await listen(http, config.ws.port, config.ws.host ?? config.host);
    }
  } catch (err) {
    await closeAll();
    throw new Error(`broker could not listen: ${(err as Error).message}`);
  }
  log.info({ port, tlsPort, wsPort, gateways: config.gateways.length }, 'embedded mqtt broker listening');

  const mqtt: HubMqtt = {
    mode: 'embedded',
    subscribe(filter: string, handler: MessageHandler) {
      router.add(filter, handler);
      return Promise.resolve();
    },
    unsubscribe(filter: string) {
      router.remove(filter);
      return Promise.resolve();
    },
    detach(filter: string) {
      router.remove(filter);
    },
    publish(topic: string, payload: string | Buffer, options: PublishOptions) {
      return new Promise<void>((resolve, reject) => {
        const packet = { cmd: 'publish', topic, payload: Buffer.isBuffer(payload) ? payload : Buffer.from(payload), qos: options.qos, retain: options.retain, dup: false } as PublishPacket;
        aedes.publish(packet, (err) => (err ? reject(err) : resolve()));
      });
    },
    close() {
      return Promise.resolve();
    },
  };

  let closing: Promise<void> | undefined;
  return {
    aedes,
    port,
    ...(tlsPort !== undefined ? { tlsPort } : {}),
    ...(wsPort !== undefined ? { wsPort } : {}),
    mqtt,
    connectedClients() {
      const clients = (aedes as unknown as { clients: Record<string, Client> }).clients;
      return Object.values(clients)
        .filter((c) => c.connected)
        .map((c) => {
          const p = principals.get(c);
          return { clientId: c.id, principal: p ? describePrincipal(p) : '(unauthenticated)' };
        });
    },
    connectedGateways() {
      const out = new Set<string>();
      for (const c of Object.values((aedes as unknown as { clients: Record<string, Client> }).clients)) {
        const p = c.connected ? principals.get(c) : undefined;
        if (p?.role === 'gateway') out.add(p.gateway);
      }
      return out;
    },
    refusals: () => refusals.list(),
    stats: () => ({ ...counters }),
    close() {
      closing ??= closeAll().then(() => log.info('embedded mqtt broker closed'));
      return closing;
    },
  };
}
