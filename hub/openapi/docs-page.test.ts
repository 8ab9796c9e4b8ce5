// /docs (Swagger UI) and the dashboard render in a real headless Chromium over plain HTTP on a LAN address (where a
// Content-Security-Policy with upgrade-insecure-requests sends every asset to https:// and leaves a blank page) and
// over HTTPS.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lanAddress } from '../broker/test-support.js';
import { startTestHub, type TestHub } from '../testing/harness.js';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TOKENS = { DOCKGATE_API_TOKENS: 'wall:viewer:wall-token-1' };

describe('/docs and the dashboard over HTTP on a LAN address and over HTTPS', () => {
  const lan = lanAddress();
  let dir: string;
  let plain: TestHub;
  let tls: TestHub;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dockgate-docs-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=hub.lan',
      '-addext', `subjectAltName=DNS:hub.lan,IP:${lan}`, '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    plain = await startTestHub({ http: `{ host: ${lan}, port: 0 }`, env: TOKENS });
    tls = await startTestHub({ http: `{ host: ${lan}, port: 0, tls: { certFile: ${join(dir, 'cert.pem')}, keyFile: ${join(dir, 'key.pem')} } }`, env: TOKENS });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await plain?.stop();
    await tls?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const base = (t: TestHub) => t.hub.url;

  for (const which of ['http', 'https'] as const) {
    it(`renders Swagger UI at /docs over ${which}`, async () => {
      const t = which === 'http' ? plain : tls;
      expect(base(t).startsWith(`${which}://${lan}:`)).toBe(true);
      const page = await browser.newPage({ ignoreHTTPSErrors: true });
      const failed: string[] = [];
      page.on('requestfailed', (r) => failed.push(r.url()));
      try {
        const res = await page.goto(`${base(t)}/docs`);
        expect(res!.status()).toBe(200);
        const csp = res!.headers()['content-security-policy'] ?? '';
        if (which === 'http') expect(csp).not.toMatch(/upgrade-insecure-requests/);
        await page.waitForSelector('.swagger-ui .info .title', { timeout: 15_000 });
        expect(await page.textContent('.swagger-ui .info .title')).toContain('dockgate hub REST API');
        expect(await page.locator('.opblock').count()).toBeGreaterThan(10);
        expect(failed).toEqual([]);
      } finally {
        await page.close();
      }
    });

    it(`runs the dashboard over ${which}`, async () => {
      const t = which === 'http' ? plain : tls;
      const page = await browser.newPage({ ignoreHTTPSErrors: true });
      try {
        await page.goto(`${base(t)}/`);
        await page.waitForSelector('label[for="token"]:has-text("Sign in with your API token")');
        await page.fill('#token', 'wall-token-1');
        await page.click('#signin button[type="submit"]');
        await page.waitForSelector('body[data-live="true"]');
        expect(await page.locator('.tile').count()).toBe(3);
      } finally {
        await page.close();
      }
    });
  }
});
