import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}

/** Every console error and uncaught page error of a page, so a test can assert there were none. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  return errors;
}

export async function newContext(
  browser: Browser,
  baseURL: string,
  storageState?: Awaited<ReturnType<BrowserContext['storageState']>>,
): Promise<BrowserContext> {
  // `storageState`: the same person on a second device (their cookies), not a new visitor.
  const context = await browser.newContext({ baseURL, viewport: DESKTOP, storageState });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
  return context;
}

export const SCREENSHOT_DIR = join(process.cwd(), 'test-results/screenshots');

/** Saves the current screen at desktop and phone size: `<name>.desktop.png`, `<name>.phone.png`. */
export async function screens(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const original = page.viewportSize() ?? DESKTOP;
  await page.setViewportSize(DESKTOP);
  await page.waitForTimeout(150);
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.desktop.png`) });
  await page.setViewportSize(PHONE);
  await page.waitForTimeout(250);
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.phone.png`) });
  await page.setViewportSize(original);
  await page.waitForTimeout(100);
}

export interface BrowserPage {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** The page's console and uncaught errors (`watchErrors`). */
  errors: string[];
}

/**
 * One Chromium with one page on the app for a whole test file: opened before its tests, closed after.
 * The fields are set once `beforeAll` has run, so read them inside tests and hooks.
 */
export function useBrowserPage(url: string): BrowserPage {
  const s = {} as BrowserPage;
  beforeAll(async () => {
    s.browser = await launchChromium();
    s.context = await newContext(s.browser, url);
    s.page = await s.context.newPage();
    s.errors = watchErrors(s.page);
  });
  afterAll(async () => {
    await s.browser?.close();
  });
  return s;
}

/** A JSON call to the app's API with the page's cookies and the app's own Origin (CSRF). */
export async function pageApi(page: Page, url: string, method: string, path: string, data?: unknown) {
  const res = await page.request.fetch(url + path, { method, data, headers: { origin: url } });
  return { status: res.status(), json: await res.json().catch(() => null) };
}
