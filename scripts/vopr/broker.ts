// scripts/vopr — the simulated MQTT broker of the whole-chain simulator: persistent sessions and QoS 1 delivery
// (a message stays queued for a subscriber until it acknowledges it, and goes again on its next connection), retained
// messages, and the faults a real network and a real broker give, each decided by the run's seeded randomness:
// - latency: every packet (PUBLISH, PUBACK, SUBACK, delivery) travels 0..latencyMs, so deliveries overtake each other;
// - a PUBLISH lost on the way in (no PUBACK: the sender's slot stays taken until its connection breaks);
// - a delivery sent twice (a subscriber sees the same message again, as after a redelivery);
// - connections broken at random (each side sees `closed`; what was in flight is delivered again later);
// - a crash: every connection breaks and the broker comes back with what it had saved at its last autosave, so
//   messages it PUBACKed since, and retained messages set since, are gone (what Mosquitto killed -9 does).
//   Subscriptions are saved as they are made: a broker that restores a session with only some of its subscriptions
//   answers CONNACK sessionPresent, mqtt.js then does not subscribe again, and a hub would stay deaf to the lost
//   filter (a real gap, reported to the lead: with subscriptions saved at autosave like messages, some seeds end with
//   the hub subscribed to status only and every event stuck). Not simulated.
// Everything runs on the simulated runtime's timers; nothing here reads a clock or Math.random.
import type { SimulatedRuntime } from '../../runtime/testing/simulated-runtime.js';

export interface BrokerFaults {
  /** Each packet takes 0..latencyMs (uniform). */
  latencyMs: number;
  /** Probability that a client's PUBLISH is lost before the broker takes it (no PUBACK). */
  dropPublish: number;
  /** Probability that a delivery to a subscriber is sent twice. */
  duplicateDelivery: number;
  /** Autosave period: a crash loses what came after the last save. */
  saveEveryMs: number;
}

/** What a connection tells its client. Called on the simulated runtime's timers, never re-entrantly. */
export interface ConnectionSink {
  connected(sessionPresent: boolean): void;
  /** The connection is gone (broken, refused or ended); no more calls follow. */
  closed(): void;
  /** A QoS 1 delivery; `ack()` is the subscriber's PUBACK (it may be lost if the connection breaks first). */
  message(topic: string, payload: Buffer, ack: () => void): void;
}

interface Queued {
  id: number;
  topic: string;
  payload: Buffer;
}

interface Session {
  subs: Set<string>;
  /** Deliveries not yet acknowledged by the client, oldest first. */
  queue: Queued[];
  conn: Connection | undefined;
}

/** MQTT topic filter match with `+` and a trailing `#`. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

export interface BrokerStats {
  crashes: number;
  /** Messages the broker had PUBACKed (or retained) and lost in a crash. */
  lostInCrash: number;
  droppedPublishes: number;
  duplicatedDeliveries: number;
  brokenLinks: number;
}

export class SimBroker {
  private up = true;
  private sessions = new Map<string, Session>();
  private retained = new Map<string, Buffer>();
  private saved: { sessions: Map<string, { subs: Set<string>; queue: Queued[] }>; retained: Map<string, Buffer> } = {
    sessions: new Map(),
    retained: new Map(),
  };
  private nextId = 1;
  private faultsOn = true;
  readonly stats: BrokerStats = { crashes: 0, lostInCrash: 0, droppedPublishes: 0, duplicatedDeliveries: 0, brokenLinks: 0 };

  constructor(
    private readonly rt: SimulatedRuntime,
    private readonly faults: BrokerFaults,
  ) {
    this.autosave();
  }

  get isUp(): boolean {
    return this.up;
  }

  /** Faults off (latency stays): the heal phase of a run. */
  heal(): void {
    this.faultsOn = false;
  }

  /** Open a connection for `clientId` (persistent session); the sink hears `connected` or `closed` after a latency. */
  connect(clientId: string, sink: ConnectionSink): Connection {
    const conn = new Connection(this, clientId, sink);
    this.later(() => {
      if (!conn.alive) return;
      if (!this.up) return conn.break();
      const session = this.session(clientId);
      const present = session.queue.length > 0 || session.subs.size > 0;
      session.conn?.break();
      session.conn = conn;
      conn.sink.connected(present);
      this.pump(session);
    });
    return conn;
  }

  /** Every connection breaks; the broker restarts after `downMs` with what it saved last. */
  crash(downMs: number): void {
    if (!this.up) return;
    this.up = false;
    this.stats.crashes++;
    for (const s of this.sessions.values()) s.conn?.break();
    const before = this.queuedCount() + this.retained.size;
    this.sessions = new Map([...this.saved.sessions].map(([id, s]) => [id, { subs: new Set(s.subs), queue: [...s.queue], conn: undefined }]));
    this.retained = new Map(this.saved.retained);
    this.stats.lostInCrash += Math.max(0, before - this.queuedCount() - this.retained.size);
    this.rt.setTimer(downMs, () => {
      this.up = true;
    });
  }

  /** Messages queued for subscribers and not yet acknowledged. */
  queuedCount(): number {
    let n = 0;
    for (const s of this.sessions.values()) n += s.queue.length;
    return n;
  }

  /** Break every live connection (their clients reconnect). */
  breakAll(): void {
    for (const s of this.sessions.values()) s.conn?.break();
  }

  /** Break one live connection chosen by `pick` in [0, 1). */
  breakOne(pick: number): void {
    const live = [...this.sessions.values()].filter((s) => s.conn?.alive);
    const s = live[Math.floor(pick * live.length)];
    if (!s) return;
    this.stats.brokenLinks++;
    s.conn!.break();
  }

  // --- for Connection ---------------------------------------------------------------------------------------------

  /** Run `fn` one packet's latency from now. */
  later(fn: () => void): void {
    this.rt.setTimer(Math.floor(this.rt.random() * (this.faults.latencyMs + 1)), fn);
  }

  chance(p: number): boolean {
    return this.faultsOn && p > 0 && this.rt.random() < p;
  }

  /** A PUBLISH arrived from `from` on a live connection: route it, then PUBACK (unless it was lost on the way). */
  received(from: Connection, stamp: number, topic: string, payload: Buffer, retain: boolean, puback: () => void): void {
    if (!this.up || !from.reaches(stamp)) return;
    if (this.chance(this.faults.dropPublish)) {
      this.stats.droppedPublishes++;
      return;
    }
    if (retain) {
      if (payload.length === 0) this.retained.delete(topic);
      else this.retained.set(topic, payload);
    }
    for (const s of this.sessions.values()) {
      if (![...s.subs].some((f) => topicMatches(f, topic))) continue;
      s.queue.push({ id: this.nextId++, topic, payload });
      this.pump(s);
    }
    this.later(() => from.alive && puback());
  }

  subscribed(from: Connection, filter: string, suback: () => void): void {
    if (!this.up || !from.alive) return;
    const s = this.session(from.clientId);
    s.subs.add(filter);
    // Subscriptions are saved at once (see the top of this file), messages only at autosave.
    const saved = this.saved.sessions.get(from.clientId) ?? { subs: new Set<string>(), queue: [] };
    saved.subs.add(filter);
    this.saved.sessions.set(from.clientId, saved);
    for (const [topic, payload] of this.retained) if (topicMatches(filter, topic)) s.queue.push({ id: this.nextId++, topic, payload });
    this.pump(s);
    this.later(() => from.alive && suback());
  }

  unsubscribed(clientId: string, filter: string): void {
    this.session(clientId).subs.delete(filter);
    this.saved.sessions.get(clientId)?.subs.delete(filter);
  }

  /**
   * Send every queued message not yet in flight on the session's live connection. They travel together and arrive in
   * one turn of the subscriber's event loop, as a backlog read from a socket in one chunk does (mqtt.js emits every
   * packet of a chunk before returning): the hub's ingest takes such a turn as one group transaction. A second copy of
   * a delivery travels on its own.
   */
  pump(s: Session): void {
    const conn = s.conn;
    if (!conn?.alive || !this.up) return;
    const train: Queued[] = [];
    for (const q of s.queue) {
      if (conn.inFlight.has(q.id)) continue;
      conn.inFlight.add(q.id);
      train.push(q);
      if (!this.chance(this.faults.duplicateDelivery)) continue;
      this.stats.duplicatedDeliveries++;
      this.later(() => this.deliver(s, conn, q));
    }
    if (train.length > 0) this.later(() => train.forEach((q) => this.deliver(s, conn, q)));
  }

  private deliver(s: Session, conn: Connection, q: Queued): void {
    if (!conn.alive) return;
    conn.sink.message(q.topic, q.payload, () => {
      const stamp = conn.stamp();
      this.later(() => {
        if (!conn.reaches(stamp)) return; // the PUBACK died with the connection: delivered again on the next one
        const i = s.queue.indexOf(q);
        if (i >= 0) s.queue.splice(i, 1);
      });
    });
  }

  /** The connection broke: what was in flight goes again on the next one. */
  detached(conn: Connection): void {
    const s = this.sessions.get(conn.clientId);
    if (s?.conn === conn) s.conn = undefined;
  }

  private session(clientId: string): Session {
    let s = this.sessions.get(clientId);
    if (!s) {
      s = { subs: new Set(), queue: [], conn: undefined };
      this.sessions.set(clientId, s);
    }
    return s;
  }

  private autosave(): void {
    this.rt.setTimer(this.faults.saveEveryMs, () => {
      if (this.up) {
        this.saved = {
          sessions: new Map([...this.sessions].map(([id, s]) => [id, { subs: new Set(s.subs), queue: [...s.queue] }])),
          retained: new Map(this.retained),
        };
      }
      this.autosave();
    });
  }
}

/** One client connection to the SimBroker. */
export class Connection {
  alive = true;
  /** Ids of queued messages sent on this connection and not acknowledged. */
  readonly inFlight = new Set<number>();
  /** Packets the client has sent on this connection, and how many of them still arrive after it broke. */
  private sent = 0;
  private flushedThrough = 0;

  constructor(
    private readonly broker: SimBroker,
    readonly clientId: string,
    readonly sink: ConnectionSink,
  ) {}

  /** QoS 1 PUBLISH; `puback` runs when the broker's PUBACK arrives (never if the PUBLISH or the PUBACK is lost). */
  publish(topic: string, payload: Buffer, retain: boolean, puback: () => void): void {
    if (!this.alive) return;
    const stamp = this.stamp();
    this.broker.later(() => this.broker.received(this, stamp, topic, payload, retain, puback));
  }

  /** Number a packet the client sends (a PUBLISH, or a PUBACK of a delivery). */
  stamp(): number {
    return ++this.sent;
  }

  /** Does the client's packet `stamp` reach the broker: the link is up, or it was sent before a flushing close. */
  reaches(stamp: number): boolean {
    return this.alive || stamp <= this.flushedThrough;
  }

  subscribe(filter: string, suback: () => void): void {
    if (!this.alive) return;
    this.broker.later(() => this.broker.subscribed(this, filter, suback));
  }

  /**
   * Broken from either side: the client hears `closed` on the next turn. `flushSent`: what the client had already
   * written still reaches the broker (a process killed with its socket's send buffer intact; the kernel sends it before
   * the FIN); otherwise it is lost with the link (a network failure, or a reset).
   */
  break(flushSent = false): void {
    if (!this.alive) return;
    this.alive = false;
    if (flushSent) this.flushedThrough = this.sent;
    this.inFlight.clear();
    this.broker.detached(this);
    this.broker.later(() => this.sink.closed());
  }
}
