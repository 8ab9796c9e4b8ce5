// fleet/testing — a real NATS JetStream cluster for tests: `nats-server` (Debian) nodes with routes between them on
// free loopback ports, each with its own store dir under a temp dir. A node can be killed -9 and started again.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './ports.js';

export const NATS_SERVER = process.env.NATS_SERVER ?? '/usr/sbin/nats-server';

export interface NatsNode {
  name: string;
  port: number;
  clusterPort: number;
  url: string;
  process?: ChildProcess;
}

export interface NatsCluster {
  nodes: NatsNode[];
  /** Client URLs of every node. */
  servers: string[];
  kill(i: number): Promise<void>;
  start(i: number): Promise<void>;
  stop(): Promise<void>;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tcp(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Start `size` nodes (3 for a real quorum) and wait until JetStream answers on every one. */
export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'dockgate-nats-'));
  const nodes: NatsNode[] = [];
  for (let i = 0; i < size; i++) {
    const port = await freePort();
    nodes.push({ name: `n${i + 1}`, port, clusterPort: await freePort(), url: `nats://127.0.0.1:${port}` });
  }
  const routes = nodes.map((n) => `nats-route://127.0.0.1:${n.clusterPort}`);
  // no_advertise: clients learn no node addresses beyond those they were given, so a test's proxy in front of a node
  // (a site cut off from the fleet) cannot be bypassed through the cluster's gossip.
  for (const n of nodes) {
    const store = join(dir, n.name);
    mkdirSync(store, { recursive: true });
    const conf = [
      `server_name: ${n.name}`,
      `listen: 127.0.0.1:${n.port}`,
      `jetstream { store_dir: "${store}", max_memory_store: 64MB, max_file_store: 1GB }`,
      ...(size > 1 ? [`cluster { name: dockgate-test, listen: 127.0.0.1:${n.clusterPort}, no_advertise: true, routes: [${routes.join(', ')}] }`] : []),
    ].join('\n');
    writeFileSync(join(dir, `${n.name}.conf`), conf);
  }
  const cluster: NatsCluster = {
    nodes,
    servers: nodes.map((n) => n.url),
    async start(i) {
      const n = nodes[i]!;
      const p = spawn(NATS_SERVER, ['-c', join(dir, `${n.name}.conf`)], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      p.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
      n.process = p;
      await waitFor(`nats-server ${n.name} on ${n.port} (${err})`, () => listening(n.port));
    },
    async kill(i) {
      const p = nodes[i]!.process;
      if (!p || p.exitCode !== null) return;
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGKILL');
      await exited;
      nodes[i]!.process = undefined;
    },
    async stop() {
      for (let i = 0; i < nodes.length; i++) await cluster.kill(i);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await Promise.all(nodes.map((_, i) => cluster.start(i)));
    // JetStream's meta group needs a leader before streams can be made.
    await waitFor('a JetStream meta leader', async () => {
      const res = await fetchVarz(nodes[0]!.port);
      return res;
    }, 30_000);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}

/** True once a JetStream API request answers (any stream list reply) on this node. */
async function fetchVarz(port: number): Promise<boolean> {
  const { connect } = await import('@nats-io/transport-node');
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const nc = await connect({ servers: `nats://127.0.0.1:${port}`, timeout: 2000 });
  try {
    const jsm = await jetstreamManager(nc, { timeout: 2000 });
    await jsm.getAccountInfo();
    return true;
  } finally {
    await nc.close();
  }
}
