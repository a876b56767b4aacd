import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, newContext, screens, watchErrors } from './support/browser';
import { expectNoErrors, signUp, uniqueEmail } from './support/app';

// Secrets as an owner meets them: the organization's page, a repository's, and their own. A value
// typed in is stored and never shown again; the pages say changes reach new shells only.
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

async function addSecret(name: string, value: string) {
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Value', { exact: true }).fill(value);
  await page.getByRole('button', { name: 'Save secret' }).click();
  await page.locator('[data-testid="secret-row"]', { hasText: name }).waitFor();
  await page.getByLabel('Value', { exact: true }).blur();
  expect(await page.content()).not.toContain(value);
}

describe('secrets pages', () => {
  it('adds organization, repository and personal secrets without ever showing a value', async () => {
    await page.goto('/sign-up');
    await signUp(page, 'Grace Hopper', uniqueEmail('grace'));
    await page.waitForURL(/\/new-org/);
    await page.getByLabel('Name').fill('Compiler Works');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.waitForURL(/\/o\/compiler-works\/workspaces$/);
    const orgs = await page.request.get(`${url}/api/auth/organization/list`, { headers: { origin: url } });
    const org = (await orgs.json())[0].id as string;
    const repo = await page.request.post(`${url}/api/repositories`, {
      data: { organizationId: org, url: demoRepoUrl },
      headers: { origin: url },
    });
    expect(repo.status()).toBe(201);

    await page.getByRole('link', { name: 'Secrets', exact: true }).click();
    await page.waitForURL(/\/o\/compiler-works\/secrets$/);
    await page.getByText('No organization secrets').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('9LIVES');
    await page.getByRole('button', { name: 'Save secret' }).click();
    await page.getByText(/The name must be letters, digits and underscores/).waitFor();
    await addSecret('NPM_TOKEN', 'npm_value_never_shown_1');
    await addSecret('SENTRY_DSN', 'https://dsn.example/never-shown-2');
    expect(await page.getByTestId('secrets-note').textContent()).toContain('new terminal windows');
    await screens(page, '40-organization-secrets');

    await page.getByRole('link', { name: 'Repositories' }).click();
    await page.getByRole('button', { name: 'Secrets' }).click();
    await page.getByTestId('repository-secrets').waitFor();
    await addSecret('DATABASE_URL', 'postgres://never-shown-3');
    await screens(page, '41-repository-secrets');

    await page.getByRole('link', { name: 'Personal secrets' }).click();
    await page.waitForURL(/\/settings\/secrets$/);
    await addSecret('GITHUB_TOKEN', 'ghp_never_shown_4');
    await page.getByRole('button', { name: 'Delete GITHUB_TOKEN' }).click();
    await page.getByRole('button', { name: 'Delete secret' }).click();
    await page.getByText('No personal secrets').waitFor();
    await addSecret('GITHUB_TOKEN', 'ghp_never_shown_5');
    await screens(page, '42-personal-secrets');
    expectNoErrors(errors);
  }, 120_000);
});
