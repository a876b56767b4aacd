import { describe, expect, inject, it } from 'vitest';
import { screens, useBrowserPage } from './support/browser';
import { expectNoErrors, signUp, uniqueEmail } from './support/app';

// Secrets as an owner meets them: the organization's page, a repository's, and their own. A value
// typed in is stored and never shown again; the pages say changes reach new shells only.
const url = inject('e2eUrl');
const demoRepoUrl = inject('e2eDemoRepositoryUrl');

const b = useBrowserPage(url);

async function addSecret(name: string, value: string) {
  await b.page.getByLabel('Name', { exact: true }).fill(name);
  await b.page.getByLabel('Value', { exact: true }).fill(value);
  await b.page.getByRole('button', { name: 'Save secret' }).click();
  await b.page.locator('[data-testid="secret-row"]', { hasText: name }).waitFor();
  await b.page.getByLabel('Value', { exact: true }).blur();
  expect(await b.page.content()).not.toContain(value);
}

describe('secrets pages', () => {
  it('adds organization, repository and personal secrets without ever showing a value', async () => {
    await b.page.goto('/sign-up');
    await signUp(b.page, 'Grace Hopper', uniqueEmail('grace'));
    await b.page.waitForURL(/\/new-org/);
    await b.page.getByLabel('Name').fill('Compiler Works');
    await b.page.getByRole('button', { name: 'Create organization' }).click();
    await b.page.waitForURL(/\/o\/compiler-works\/workspaces$/);
    const orgs = await b.page.request.get(`${url}/api/auth/organization/list`, { headers: { origin: url } });
    const org = (await orgs.json())[0].id as string;
    const repo = await b.page.request.post(`${url}/api/repositories`, {
      data: { organizationId: org, url: demoRepoUrl },
      headers: { origin: url },
    });
    expect(repo.status()).toBe(201);

    await b.page.getByRole('link', { name: 'Secrets', exact: true }).click();
    await b.page.waitForURL(/\/o\/compiler-works\/secrets$/);
    await b.page.getByText('No organization secrets').waitFor();
    await b.page.getByLabel('Name', { exact: true }).fill('9LIVES');
    await b.page.getByRole('button', { name: 'Save secret' }).click();
    await b.page.getByText(/The name must be letters, digits and underscores/).waitFor();
    await addSecret('NPM_TOKEN', 'npm_value_never_shown_1');
    await addSecret('SENTRY_DSN', 'https://dsn.example/never-shown-2');
    expect(await b.page.getByTestId('secrets-note').textContent()).toContain('new terminal windows');
    await screens(b.page, '40-organization-secrets');

    await b.page.getByRole('link', { name: 'Repositories' }).click();
    await b.page.getByRole('button', { name: 'Secrets' }).click();
    await b.page.getByTestId('repository-secrets').waitFor();
    await addSecret('DATABASE_URL', 'postgres://never-shown-3');
    await screens(b.page, '41-repository-secrets');

    await b.page.getByRole('link', { name: 'Personal secrets' }).click();
    await b.page.waitForURL(/\/settings\/secrets$/);
    await addSecret('GITHUB_TOKEN', 'ghp_never_shown_4');
    await b.page.getByRole('button', { name: 'Delete GITHUB_TOKEN' }).click();
    await b.page.getByRole('button', { name: 'Delete secret' }).click();
    await b.page.getByText('No personal secrets').waitFor();
    await addSecret('GITHUB_TOKEN', 'ghp_never_shown_5');
    await screens(b.page, '42-personal-secrets');
    expectNoErrors(b.errors);
  }, 120_000);
});
