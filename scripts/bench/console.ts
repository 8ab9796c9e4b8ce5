// scripts/bench — the ops console on a cheap tablet: page weight (bytes over the wire for the first load: page, script,
// styles, and the API answers the first screen needs) and time to interactive under CPU throttling (CDP
// Emulation.setCPUThrottlingRate 4: a low-end Android tablet's CPU next to this machine's core), in real headless
// Chromium against a real hub with 3 doors and 300 open variances. "Interactive": the doors screen drawn with its tiles
// and the live stream connected; the variances screen: its 300 rows drawn with their actions. Median of 5 loads each;
// the same loads without throttling are the baseline, and so is an empty page (a bare HTML document over HTTP from this
// process) loaded the same way: the weight and time any page costs here, the floor under the console's.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { chromium, type Page } from 'playwright-core';
import { hubModules } from '../../hub/modules.js';
import { clientAssets } from '../../hub/dashboard/assets.js';
import { epc, passDraft } from '../../hub/status/test-support.js';
import { startTestHub, TestGateway } from '../../hub/testing/harness.js';
import type { Bench, BenchRow } from './report.js';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const TOKEN = 'bench-operator-token';
const THROTTLE = 4;
const LOADS = 5;
const VARIANCES = 300;
const TARGET_MS = 3000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timeTo(page: Page, url: string, ready: string): Promise<{ ms: number; bytes: number }> {
  let bytes = 0;
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.clearBrowserCache'); // every load a first load: the bundle's ETag would otherwise get 304s
  cdp.on('Network.loadingFinished', (e: { encodedDataLength: number }) => {
    bytes += e.encodedDataLength;
  });
  await page.goto('about:blank');
  const t0 = Date.now();
  await page.goto(url);
  await page.waitForFunction(ready, undefined, { timeout: 60_000, polling: 20 });
  const ms = Date.now() - t0;
  await cdp.detach();
  return { ms, bytes };
}

export const bench: Bench = {
  name: 'console',
  async run(): Promise<BenchRow[]> {
    const t = await startTestHub({ modulesFor: hubModules, env: { DOCKGATE_API_TOKENS: `bench:operator:${TOKEN}` } });
    const gw = await TestGateway.connect(t.mqttUrl);
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
    const empty = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>empty</title><p>empty</p>'));
    await new Promise<void>((ok) => empty.listen(0, '127.0.0.1', ok));
    const emptyUrl = `http://127.0.0.1:${(empty.address() as AddressInfo).port}/`;
    try {
      // Tags the hub has no item for: each pass at door-1 raises an unknown_tag variance.
      for (let i = 0; i < VARIANCES; i += 50) {
        await gw.send(Array.from({ length: 50 }, (_, j) => passDraft('door-1', epc(String(1_000 + i + j)), 'in')));
      }
      const page = await browser.newPage({ viewport: { width: 800, height: 1280 } });
      await page.goto(`${t.hub.url}/`);
      await page.evaluate(`sessionStorage.setItem('dockgate.token', ${JSON.stringify(TOKEN)})`);
      const cdp = await page.context().newCDPSession(page);
      const doorsReady = "document.querySelectorAll('.tile').length === 3 && document.body.dataset.live === 'true'";
      const variancesReady = `document.querySelectorAll('#variances [data-action="dismiss"]').length === ${VARIANCES}`;
      const run = async (rate: number) => {
        await cdp.send('Emulation.setCPUThrottlingRate', { rate });
        const doors: number[] = [];
        const variances: number[] = [];
        const blank: number[] = [];
        let bytes = 0;
        let blankBytes = 0;
        for (let i = 0; i < LOADS; i++) {
          const e = await timeTo(page, emptyUrl, "document.readyState === 'complete' && document.querySelector('p') !== null");
          blank.push(e.ms);
          blankBytes = e.bytes;
          const d = await timeTo(page, `${t.hub.url}/#/doors`, doorsReady);
          doors.push(d.ms);
          bytes = d.bytes;
          variances.push((await timeTo(page, `${t.hub.url}/#/variances`, variancesReady)).ms);
        }
        return { doors: median(doors), variances: median(variances), bytes, blank: median(blank), blankBytes };
      };
      const fast = await run(1);
      const slow = await run(THROTTLE);
      const { js, css } = await clientAssets();
      const gz = gzipSync(js).length + gzipSync(css).length;
      return [
        { name: 'console page weight, first load (doors screen)', value: slow.bytes / 1024, unit: 'KiB', baseline: { name: 'empty page', value: slow.blankBytes / 1024 }, note: `script ${(js.length / 1024).toFixed(1)} KiB + styles ${(css.length / 1024).toFixed(1)} KiB (${(gz / 1024).toFixed(1)} KiB gzipped), page and API answers; no request leaves the hub` },
        { name: `console time to interactive, doors, CPU ÷${THROTTLE}`, value: slow.doors, unit: 'ms', baseline: { name: 'unthrottled', value: fast.doors }, target: `< ${TARGET_MS} ms`, met: slow.doors < TARGET_MS },
        { name: `console time to interactive, doors, CPU ÷${THROTTLE}, over an empty page`, value: slow.doors, unit: 'ms', baseline: { name: `empty page, CPU ÷${THROTTLE}`, value: slow.blank } },
        { name: `console variances screen, ${VARIANCES} open, CPU ÷${THROTTLE}`, value: slow.variances, unit: 'ms', baseline: { name: 'unthrottled', value: fast.variances }, target: `< ${TARGET_MS} ms`, met: slow.variances < TARGET_MS },
      ];
    } finally {
      await browser.close();
      await new Promise((ok) => empty.close(ok));
      await gw.close();
      await t.stop();
    }
  },
};
