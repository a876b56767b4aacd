import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, newContext, screens } from './support/browser';
import { signUp, uniqueEmail } from './support/app';

// With Postgres down the API used to answer 401 and the app signed the user out. Now it answers 503
// `service_unavailable` (test/workers/degraded.test.ts); here the browser sees exactly that answer, or
// no answer at all, and must keep the session and say it is retrying.
const url = inject('e2eUrl');

let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
  page = await (await newContext(browser, url)).newPage();
});
afterAll(async () => {
  await browser?.close();
});

const serverDown = (page: Page, how: 'unavailable' | 'network') =>
  page.route('**/api/**', (route) =>
    how === 'network'
      ? route.abort('connectionrefused')
      : route.fulfill({
          status: 503,
          headers: { 'content-type': 'application/json', 'retry-after': '5' },
          body: JSON.stringify({
            error: { code: 'service_unavailable', message: 'The database is unavailable right now.' },
          }),
        }),
  );

describe('when the server cannot be reached', () => {
  it('keeps the session, says it is retrying, and carries on once the server is back', async () => {
    await page.goto('/sign-up');
    await signUp(page, 'Barbara Liskov', uniqueEmail('barbara'));
    await page.waitForURL(/\/new-org/);
    await page.getByLabel('Name').fill('Substitution');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.waitForURL(/\/o\/substitution\/workspaces$/);

    for (const how of ['unavailable', 'network'] as const) {
      await serverDown(page, how);
      await page.reload();
      const banner = page.getByTestId('banner-unreachable');
      await banner.waitFor({ timeout: 10_000 });
      expect(await banner.textContent()).toContain("Can't reach the server, retrying");
      await page.waitForTimeout(4000); // a retry or two later: still not sent to sign-in
      expect(page.url()).toMatch(/\/o\/substitution\/workspaces$/);
      if (how === 'unavailable') await screens(page, 'unreachable');
      await page.unrouteAll();
      await banner.waitFor({ state: 'detached', timeout: 10_000 });
      expect(page.url()).toMatch(/\/o\/substitution\/workspaces$/);
    }
    // A request that fails while the page is open does the same, without a reload.
    await serverDown(page, 'unavailable');
    await page
      .getByRole('link', { name: /Repositories/ })
      .first()
      .click();
    await page.getByTestId('banner-unreachable').waitFor({ timeout: 10_000 });
    await screens(page, 'unreachable-in-app');
    await page.unrouteAll();
    await page.getByTestId('banner-unreachable').waitFor({ state: 'detached', timeout: 10_000 });
    expect(page.url()).not.toContain('/sign-in');
  });
});
