// hub/dashboard — for the console's browser tests only: real headless Chromium (Debian's), signing in through the page,
// and a screenshot of the screen shown at tablet (portrait) and desktop size into test-artifacts/console/.
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';

export const ARTIFACTS = 'test-artifacts/console';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** A screenshot of the current screen at tablet (portrait) and desktop size; neither may scroll sideways. */
export async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const was = page.viewportSize();
  for (const [size, w, h] of [['tablet', 800, 1280], ['desktop', 1440, 900]] as const) {
    await page.setViewportSize({ width: w, height: h });
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'), `${name} at ${size}: no sideways scrolling`).toBe(true);
    await page.screenshot({ path: `${ARTIFACTS}/${name}-${size}.png`, fullPage: true });
  }
  if (was) await page.setViewportSize(was);
}

/** Sign in through the page with `token` (a fresh tab session), landing on `screen`. */
export async function signIn(page: Page, hubUrl: string, token: string, screen = 'doors'): Promise<void> {
  if (!page.url().startsWith(hubUrl)) await page.goto(`${hubUrl}/`);
  await page.evaluate('sessionStorage.clear()');
  await page.goto('about:blank');
  await page.goto(`${hubUrl}/#/${screen}`);
  await page.fill('#token', token);
  await page.click('#signin button[type="submit"]');
  await page.waitForSelector('#whoami');
}
