import { describe, expect, inject, it } from 'vitest';
import { pageApi, screens, useBrowserPage } from './support/browser';
import { expectNoErrors, signUp, uniqueEmail } from './support/app';

// The owner's view of what the organization used and what happened in it.
const url = inject('e2eUrl');
const demoRepoUrl = inject('e2eDemoRepositoryUrl');

const b = useBrowserPage(url);

const api = (method: 'GET' | 'POST', path: string, data?: unknown) =>
  pageApi(b.page, url, method, path, data);

describe('usage and audit pages', () => {
  it('shows running and paused time with a chart and a CSV, and the audit trail', async () => {
    await b.page.goto('/sign-up');
    await signUp(b.page, 'Mary Somerville', uniqueEmail('mary'));
    await b.page.waitForURL(/\/new-org/);
    await b.page.getByLabel('Name').fill('Connexion Sciences');
    await b.page.getByRole('button', { name: 'Create organization' }).click();
    await b.page.waitForURL(/\/o\/connexion-sciences\/workspaces$/);

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
      await b.page.waitForTimeout(200);
    }
    await b.page.waitForTimeout(1200);
    expect((await api('POST', `/api/workspaces/${id}/pause`)).status).toBe(200);
    await b.page.waitForTimeout(600);
    expect((await api('POST', `/api/workspaces/${id}/resume`)).status).toBe(200);

    await b.page.getByRole('link', { name: 'Usage' }).click();
    await b.page.waitForURL(/\/usage$/);
    await b.page.locator('svg.usage-chart').waitFor();
    expect(await b.page.locator('svg.usage-chart').textContent()).toContain('orbits');
    expect(await b.page.locator('.usage-table tbody tr').count()).toBe(1);
    await screens(b.page, '30-usage');
    const csv = await b.page.getByRole('link', { name: 'Download CSV' }).getAttribute('href');
    const download = await b.page.request.get(url + csv!);
    expect(download.status()).toBe(200);
    expect((await download.text()).split('\r\n')[0]).toBe(
      'workspace,label,running_seconds,paused_seconds,running_hours,paused_hours',
    );
    await b.page.getByLabel('Group by').selectOption('day');
    await b.page.locator('.usage-table th', { hasText: 'Day' }).waitFor();
    await screens(b.page, '31-usage-by-day');

    await b.page.getByRole('link', { name: 'Audit log' }).click();
    await b.page.waitForURL(/\/audit$/);
    await b.page.getByRole('list', { name: 'Audit log' }).waitFor();
    const rows = await b.page.locator('.audit-row .list-item-title').allTextContents();
    expect(rows[0]).toContain('Mary Somerville resumed orbits');
    expect(rows).toContainEqual(expect.stringContaining('Mary Somerville created orbits'));
    await screens(b.page, '32-audit');
    expectNoErrors(b.errors);
  });
});
