// gateway/llrp — one TCP link to a reader: framing, request/response matched by message id with timeouts while
// reports and events flow at any moment, KEEPALIVE answered at once, and a watchdog that declares a silent link
// dead. It knows nothing of the configuration sequence (client.ts does that).
import { Socket } from 'node:net';
import type { Logger } from 'pino';
import { repeatTimer, type Runtime, type Timer } from '../../runtime/runtime.js';
import { FrameSplitter, MessageType, decodeMessage, encodeMessage, frameId, frameType, type LlrpMessage, type LlrpObject } from '../../protocols/llrp/index.js';

export interface ConnectionHandlers {
  /** A whole RO_ACCESS_REPORT frame (decoded by the caller's hot path). */
  report(frame: Uint8Array): void;
  /** Any other unsolicited message (READER_EVENT_NOTIFICATION, stray responses …). */
  message(msg: LlrpMessage): void;
}

interface Pending {
  name: string;
  responseType: number;
  resolve(m: LlrpMessage): void;
  reject(e: Error): void;
  timer: Timer;
}

/** Response type of each request the client sends. */
const RESPONSE_OF: Record<string, number> = {
  GET_READER_CAPABILITIES: MessageType.GET_READER_CAPABILITIES_RESPONSE,
  GET_READER_CONFIG: MessageType.GET_READER_CONFIG_RESPONSE,
  SET_READER_CONFIG: MessageType.SET_READER_CONFIG_RESPONSE,
  CLOSE_CONNECTION: MessageType.CLOSE_CONNECTION_RESPONSE,
  ADD_ROSPEC: MessageType.ADD_ROSPEC_RESPONSE,
  DELETE_ROSPEC: MessageType.DELETE_ROSPEC_RESPONSE,
  START_ROSPEC: MessageType.START_ROSPEC_RESPONSE,
  STOP_ROSPEC: MessageType.STOP_ROSPEC_RESPONSE,
  ENABLE_ROSPEC: MessageType.ENABLE_ROSPEC_RESPONSE,
  DISABLE_ROSPEC: MessageType.DISABLE_ROSPEC_RESPONSE,
  GET_ROSPECS: MessageType.GET_ROSPECS_RESPONSE,
  DELETE_ACCESSSPEC: MessageType.DELETE_ACCESSSPEC_RESPONSE,
  GET_ACCESSSPECS: MessageType.GET_ACCESSSPECS_RESPONSE,
};

export class LlrpConnection {
  private readonly socket: Socket;
  private readonly splitter: FrameSplitter;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private lastRxMs: number;
  private watchdog: Timer | undefined;
  private closedReason: string | undefined;
  /** Resolves with the reason once the link is closed, whatever closed it. */
  readonly closed: Promise<string>;
  private resolveClosed!: (reason: string) => void;

  private constructor(
    socket: Socket,
    private readonly handlers: ConnectionHandlers,
    private readonly log: Logger,
    private readonly runtime: Pick<Runtime, 'now' | 'setTimer'>,
    maxMessageLength: number,
  ) {
    this.socket = socket;
    this.splitter = new FrameSplitter(maxMessageLength);
    this.lastRxMs = runtime.now();
    this.closed = new Promise((r) => (this.resolveClosed = r));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => this.close(`socket error: ${e.message}`));
    socket.on('close', () => this.close('connection closed by the reader'));
    socket.on('end', () => this.close('connection ended by the reader'));
  }

  /** Open a TCP link with a timeout. Rejects with a clear reason. */
  static open(
    host: string,
    port: number,
    timeoutMs: number,
    handlers: ConnectionHandlers,
    log: Logger,
    runtime: Pick<Runtime, 'now' | 'setTimer'>,
    maxMessageLength?: number,
  ): Promise<LlrpConnection> {
    return new Promise((resolve, reject) => {
      const socket = new Socket();
      const timer = runtime.setTimer(timeoutMs, () => {
        socket.destroy();
        reject(new Error(`connect to ${host}:${port} timed out after ${timeoutMs} ms`));
      });
      socket.once('error', (e) => {
        timer.cancel();
        reject(new Error(`connect to ${host}:${port} failed: ${e.message}`));
      });
      socket.connect(port, host, () => {
        timer.cancel();
        socket.removeAllListeners('error');
        resolve(new LlrpConnection(socket, handlers, log, runtime, maxMessageLength ?? 4 * 1024 * 1024));
      });
    });
  }

  get isOpen(): boolean {
    return this.closedReason === undefined;
  }

  get reason(): string | undefined {
    return this.closedReason;
  }

  /** Declare the link dead after `silentMs` without any received byte. */
  startWatchdog(silentMs: number): void {
    this.watchdog?.cancel();
    this.lastRxMs = this.runtime.now();
    const tick = Math.max(10, Math.min(1000, silentMs / 4));
    // cancelled by close(), which every end of the link reaches
    this.watchdog = repeatTimer(this.runtime, tick, () => {
      const quiet = this.runtime.now() - this.lastRxMs;
      if (quiet > silentMs) this.close(`link silent for ${Math.round(quiet)} ms (no keepalive)`);
    });
  }

  /** Send a message that has no response. */
  send(name: string, body: LlrpObject = {}, id = this.takeId()): void {
    if (!this.isOpen) return;
    this.socket.write(encodeMessage(name, id, body));
  }

  /** Send a request and wait for its response (or an ERROR_MESSAGE with its id). */
  request(name: string, body: LlrpObject, timeoutMs: number): Promise<LlrpMessage> {
    const responseType = RESPONSE_OF[name];
    if (responseType === undefined) throw new Error(`llrp: ${name} is not a request this client sends`);
    if (!this.isOpen) return Promise.reject(new Error(`${name}: link closed (${this.closedReason})`));
    const id = this.takeId();
    const frame = encodeMessage(name, id, body);
    return new Promise<LlrpMessage>((resolve, reject) => {
      const timer = this.runtime.setTimer(timeoutMs, () => {
        this.pending.delete(id);
        reject(new Error(`${name} (id ${id}): no response within ${timeoutMs} ms`));
      });
      this.pending.set(id, { name, responseType, resolve, reject, timer });
      this.socket.write(frame);
    });
  }

  /** Close the link (idempotent); pending requests fail with the reason. */
  close(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    this.log.debug({ reason, pending: this.pending.size }, 'llrp link closed');
    this.watchdog?.cancel();
    for (const [id, p] of this.pending) {
      p.timer.cancel();
      p.reject(new Error(`${p.name} (id ${id}): ${reason}`));
    }
    this.pending.clear();
    this.socket.destroy();
    this.resolveClosed(reason);
  }

  /** Half-close politely after CLOSE_CONNECTION_RESPONSE, then close. */
  end(reason: string): Promise<void> {
    return new Promise((resolve) => {
      if (!this.isOpen) return resolve();
      const t = this.runtime.setTimer(500, () => this.close(reason));
      this.socket.end(() => {
        t.cancel();
        this.close(reason);
      });
      void this.closed.then(() => resolve());
    });
  }

  private takeId(): number {
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    return id;
  }

  private onData(chunk: Buffer): void {
    this.lastRxMs = this.runtime.now();
    const err = this.splitter.push(chunk, (frame) => this.onFrame(frame));
    if (err) this.close(`malformed LLRP stream: ${err.message}`);
  }

  private onFrame(frame: Uint8Array): void {
    if (!this.isOpen) return;
    const type = frameType(frame);
    if (type === MessageType.RO_ACCESS_REPORT) {
      this.handlers.report(frame);
      return;
    }
    if (type === MessageType.KEEPALIVE) {
      this.send('KEEPALIVE_ACK', {}, frameId(frame)); // answered at once, with the keepalive's id
      return;
    }
    const m = decodeMessage(frame);
    if (!m.ok) {
      this.close(`malformed ${type} message: ${m.error.message}`);
      return;
    }
    const msg = m.value;
    let p = this.pending.get(msg.id);
    if (!p && msg.type === MessageType.ERROR_MESSAGE && msg.id === 0 && this.pending.size === 1) {
      p = [...this.pending.values()][0]; // some readers answer an unparseable request with id 0
    }
    if (p && (msg.type === p.responseType || msg.type === MessageType.ERROR_MESSAGE)) {
      for (const [id, q] of this.pending) if (q === p) this.pending.delete(id);
      p.timer.cancel();
      p.resolve(msg);
      return;
    }
    this.handlers.message(msg);
  }
}
