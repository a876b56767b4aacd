import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, newContext, SCREENSHOT_DIR, screens, watchErrors } from './support/browser';
import { expectNoErrors, waitForPrompt, waitForStatus } from './support/app';

// The workspace page shows the VM's memory, disk and CPU at a glance, live from the room's health
// message (no polling), and a banner when the disk fills. Screens go to docs/screenshots/ too.
const url = inject('e2eUrl');
let browser: Browser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  browser = await launchChromium();
  const context = await newContext(browser, url);
  page = await context.newPage();
  errors = watchErrors(page);
});
afterAll(async () => {
  await browser?.close();
});

async function api(path: string, body?: unknown) {
  const res = body
    ? await page.request.post(path, { data: body, headers: { origin: url } })
    : await page.request.get(path, { headers: { origin: url } });
  expect(res.status(), `${path}: ${await res.text()}`).toBeLessThan(300);
  return res.json();
}

/** `DOC_SCREENSHOTS=1` refreshes docs/screenshots; a plain test run leaves the tree clean. */
function keep(name: string) {
  if (process.env.DOC_SCREENSHOTS !== '1') return;
  const dir = join(process.cwd(), 'docs/screenshots');
  mkdirSync(dir, { recursive: true });
  for (const size of ['desktop', 'phone'])
    copyFileSync(join(SCREENSHOT_DIR, `${name}.${size}.png`), join(dir, `${name}.${size}.png`));
}

describe('resource meters on the workspace page', () => {
  it('shows memory, disk and CPU live, and warns when the disk is 90% full', async () => {
    await api('/api/auth/sign-in/email', { email: 'demo@cloud-workspaces.local', password: 'demo-password' });
    const me = await api('/api/me');
    const org = me.organizations[0];
    const { repositories } = await api(`/api/repositories?organizationId=${org.id}`);
    const { workspace } = await api('/api/workspaces', {
      organizationId: org.id,
      repositoryId: repositories[0].id,
      branch: 'main',
      name: 'Meters',
    });
    await page.goto(`/o/${org.slug}/workspaces/${workspace.id}`);
    await waitForStatus(page, 'running');
    await waitForPrompt(page);
    // Someone connected: the room checks within 10 s and pushes the meters.
    const meters = page.locator('[data-testid="health-meters"]:visible');
    await meters.waitFor({ timeout: 20_000 });
    expect(
      await meters.locator('[data-meter]').evaluateAll((els) => els.map((e) => e.getAttribute('data-meter'))),
    ).toEqual(['memory', 'disk', 'cpu']);
    expect(await meters.locator('[data-meter="disk"] .meter-text').textContent()).toMatch(/ \/ 16 GiB$/);
    expect(await meters.locator('[data-meter="memory"] .meter-text').textContent()).toMatch(/ \/ 4 GiB$/);

    // Reserve 15 GiB without writing it (fallocate): the disk is past 90%.
    await page.keyboard.type('fallocate -l 15G /workspace/reserved && echo reserved');
    await page.keyboard.press('Enter');
    const banner = page.getByTestId('banner-health');
    await banner.waitFor({ timeout: 20_000 });
    expect(await banner.textContent()).toMatch(/Disk 9\d% full \(15\.\d of 16 GiB\)/);
    await meters.locator('[data-meter="disk"].meter-warn').waitFor();
    await screens(page, '20-workspace-health');
    keep('20-workspace-health');
    expectNoErrors(errors);
  });
});
