// The console's bundle over real HTTP from a real hub: gzipped when the client takes gzip (the same bytes once
// unzipped), plain when it does not, and a reload that names the ETag gets 304 with no body.
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubModules } from '../modules.js';
import { startTestHub, type TestHub } from '../testing/harness.js';

describe('console bundle over HTTP', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ modulesFor: hubModules });
  });
  afterAll(async () => {
    await t?.stop();
  });

  for (const [path, type] of [['/dashboard/app.js', 'text/javascript'], ['/dashboard/app.css', 'text/css']] as const) {
    it(`${path}: gzip for a client that takes it, plain otherwise, 304 for the ETag it has`, async () => {
      const plain = await fetch(t.hub.url + path, { headers: { 'accept-encoding': 'identity' } });
      expect(plain.status).toBe(200);
      expect(plain.headers.get('content-type')).toContain(type);
      expect(plain.headers.get('content-encoding')).toBeNull();
      expect(plain.headers.get('vary')).toContain('accept-encoding');
      const text = await plain.text();
      expect(text.length).toBeGreaterThan(100);
      const etag = plain.headers.get('etag')!;
      expect(etag).toMatch(/^"[\w-]+"$/);

      // undici's fetch would unzip by itself: read the raw bytes through node:http instead
      const { request } = await import('node:http');
      const zipped = await new Promise<{ status: number; encoding: string | undefined; etag: string | undefined; body: Buffer }>((ok, fail) => {
        request(t.hub.url + path, { headers: { 'accept-encoding': 'gzip, deflate, br' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => ok({ status: res.statusCode!, encoding: res.headers['content-encoding'], etag: res.headers.etag, body: Buffer.concat(chunks) }));
        }).on('error', fail).end();
      });
      expect(zipped.status).toBe(200);
      expect(zipped.encoding).toBe('gzip');
      expect(zipped.etag).toBe(etag);
      expect(gunzipSync(zipped.body).toString('utf8')).toBe(text);
      expect(zipped.body.length).toBeLessThan(Buffer.byteLength(text));

      const again = await fetch(t.hub.url + path, { headers: { 'if-none-match': etag } });
      expect(again.status).toBe(304);
      expect(await again.text()).toBe('');
      const other = await fetch(t.hub.url + path, { headers: { 'if-none-match': '"something-else"', 'accept-encoding': 'identity' } });
      expect(other.status).toBe(200);
      expect(await other.text()).toBe(text);
    });
  }
});
