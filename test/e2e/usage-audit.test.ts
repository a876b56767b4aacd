import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, newContext, screens, watchErrors } from './support/browser';
import { expectNoErrors, signUp, uniqueEmail } from './support/app';

// The owner's view of what the organization used and what happened in it.
const url = inject('e2eUrl');
const demoRepoUrl = inject('e2eDemoRepositoryUrl');

let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];

beforeAll(async () => {
  browser = await launchChromium();
  context = await newContext(browser, url);
  page = await context.newPage();
  errors = watchErrors(page);
});

afterAll(async () => {
  await browser?.close();
});

async function api(method: 'GET' | 'POST', path: string, data?: unknown) {
  const res = await page.request.fetch(url + path, { method, data, headers: { origin: url } });
  return { status: res.status(), json: await res.json().catch(() => null) };
}

describe('usage and audit pages', () => {
  it('shows running and paused time with a chart and a CSV, and the audit trail', async () => {
    await page.goto('/sign-up');
    await signUp(page, 'Mary Somerville', uniqueEmail('mary'));
    await page.waitForURL(/\/new-org/);
    await page.getByLabel('Name').fill('Connexion Sciences');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.waitForURL(/\/o\/connexion-sciences\/workspaces$/);

    const orgs = await api('GET', '/api/auth/organization/list');
    const org = orgs.json[0].id as string;
    const repo = await api('POST', '/api/repositories', { organizationId: org, url: demoRepoUrl });
    const created = await api('POST', '/api/workspaces', {
      organizationId: org,
      repositoryId: repo.json.repository.id,
      branch: 'main',
      name: 'orbits',
    });
    const id = created.json.workspace.id as string;
    for (let i = 0; i < 150; i++) {
      if ((await api('GET', `/api/workspaces/${id}`)).json.workspace.status === 'running') break;
      await page.waitForTimeout(200);
    }
    await page.waitForTimeout(1200);
    expect((await api('POST', `/api/workspaces/${id}/pause`)).status).toBe(200);
    await page.waitForTimeout(600);
    expect((await api('POST', `/api/workspaces/${id}/resume`)).status).toBe(200);

    await page.getByRole('link', { name: 'Usage' }).click();
    await page.waitForURL(/\/usage$/);
    await page.locator('svg.usage-chart').waitFor();
    expect(await page.locator('svg.usage-chart').textContent()).toContain('orbits');
    expect(await page.locator('.usage-table tbody tr').count()).toBe(1);
    await screens(page, '30-usage');
    const csv = await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href');
    const download = await page.request.get(url + csv!);
    expect(download.status()).toBe(200);
    expect((await download.text()).split('\r\n')[0]).toBe(
      'workspace,label,running_seconds,paused_seconds,running_hours,paused_hours',
    );
    await page.getByLabel('Group by').selectOption('day');
    await page.locator('.usage-table th', { hasText: 'Day' }).waitFor();
    await screens(page, '31-usage-by-day');

    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.waitForURL(/\/audit$/);
    await page.getByRole('list', { name: 'Audit log' }).waitFor();
    const rows = await page.locator('.audit-row .list-item-title').allTextContents();
    expect(rows[0]).toContain('Mary Somerville resumed orbits');
    expect(rows).toContainEqual(expect.stringContaining('Mary Somerville created orbits'));
    await screens(page, '32-audit');
    expectNoErrors(errors);
  });
});
