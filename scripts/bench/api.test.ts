// scripts/bench — the REST timer behind the api and growth benches, against real HTTP servers: in turn, request by
// request, the first of each turn rotating; the warmup asked but not timed; a status other than 200 fails the run.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { timeHttpInterleaved } from './api.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A server that records each request's path (with its name) in `log` and answers `status`. */
async function serve(name: string, log: string[], status = 200): Promise<string> {
  const s = createServer((req, res) => {
    log.push(`${name}${req.url}`);
    res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

describe('timeHttpInterleaved', () => {
  it('asks the targets in turn, the first of each turn rotating, and times only the requests after the warmup', async () => {
    const log: string[] = [];
    const counter = () => {
      let i = 0;
      return () => `/${i++}`;
    };
    const targets = [
      { url: await serve('a', log), paths: counter() },
      { url: await serve('b', log), paths: counter() },
      { url: await serve('c', log), paths: counter() },
    ];
    const out = await timeHttpInterleaved(targets, 3, 1);
    expect(log).toEqual(['a/0', 'b/0', 'c/0', 'b/1', 'c/1', 'a/1', 'c/2', 'a/2', 'b/2', 'a/3', 'b/3', 'c/3']);
    expect(out.map((o) => o.length)).toEqual([3, 3, 3]);
    for (const ms of out.flat()) expect(ms).toBeGreaterThan(0);
  });

  it('fails on an answer other than 200, naming the request', async () => {
    const log: string[] = [];
    const targets = [
      { url: await serve('a', log), paths: () => '/fine' },
      { url: await serve('b', log, 404), paths: () => '/missing' },
    ];
    await expect(timeHttpInterleaved(targets, 2, 0)).rejects.toThrow(/GET http:\/\/127\.0\.0\.1:\d+\/missing answered 404/);
  });
});
