// scripts/e2e/site — a TCP relay between the gateways and the broker, so the simulator can cut a gateway off from the
// broker (refusing and dropping its connections) and restore it, without touching either process.
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export class TcpRelay {
  private server?: Server;
  private readonly pairs = new Set<[Socket, Socket]>();
  private cutOff = false;
  port = 0;

  constructor(private readonly targetPort: () => number) {}

  async start(port = 0): Promise<this> {
    this.server = createServer((client) => {
      if (this.cutOff) return void client.destroy();
      const upstream = createConnection({ host: '127.0.0.1', port: this.targetPort() });
      const pair: [Socket, Socket] = [client, upstream];
      this.pairs.add(pair);
      const end = () => {
        this.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((res, rej) => this.server!.once('error', rej).listen(port, '127.0.0.1', () => res()));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  get isCut(): boolean {
    return this.cutOff;
  }

  /** Drop every connection and refuse new ones until restore(). */
  cut(): void {
    this.cutOff = true;
    for (const [a, b] of this.pairs) {
      a.destroy();
      b.destroy();
    }
    this.pairs.clear();
  }

  restore(): void {
    this.cutOff = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
