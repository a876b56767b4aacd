import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, newContext, screens, watchErrors } from './support/browser';
import {
  expectNoErrors,
  originWith,
  signUp,
  uniqueEmail,
  waitForStatus,
  waitForTerminalText,
} from './support/app';

// The repository's setup as a developer meets it: the Setup window live while provisioning, the failure
// banner with its log and "Run again", a malformed devcontainer.json named by line, and the settings page.
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

async function api(method: 'GET' | 'POST' | 'PATCH', path: string, data?: unknown) {
  const res = await page.request.fetch(url + path, { method, data, headers: { origin: url } });
  return { status: res.status(), json: await res.json().catch(() => null) };
}

const origin = (name: string, files: Record<string, string>) => originWith(demoRepoUrl, name, files);

async function workspaceOf(org: string, repoUrl: string, name: string) {
  const repo = await api('POST', '/api/repositories', { organizationId: org, url: repoUrl, name });
  expect(repo.status).toBe(201);
  const created = await api('POST', '/api/workspaces', {
    organizationId: org,
    repositoryId: repo.json.repository.id,
    branch: 'main',
    name,
  });
  expect(created.status).toBe(201);
  return { id: created.json.workspace.id as string, repositoryId: repo.json.repository.id as string };
}

describe('setup in the workspace', () => {
  it('shows the Setup window live, a failure with its log and Run again, and a malformed file by line', async () => {
    await page.goto('/sign-up');
    await signUp(page, 'Grace Hopper', uniqueEmail('grace'));
    await page.waitForURL(/\/new-org/);
    await page.getByLabel('Name').fill('Compilers');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.waitForURL(/\/o\/compilers\/workspaces$/);
    const org = (await api('GET', '/api/auth/organization/list')).json[0].id as string;

    const failing = origin('setup-fails', {
      '.devcontainer/devcontainer.json': `{
  // Codespaces builds this image; a VM ignores it and says so
  "image": "mcr.microsoft.com/devcontainers/javascript-node:22",
  "postCreateCommand": "echo 'Installing dependencies'; for i in 1 2 3 4 5 6; do echo \\"  package $i of 6\\"; sleep 0.5; done; test -f /root/.npmrc || { echo 'npm ERR! missing /root/.npmrc'; exit 3; }",
}`,
    });
    const w = await workspaceOf(org, failing, 'compiler');
    await page.goto(`/o/compilers/workspaces/${w.id}`);
    await waitForTerminalText(page, 'package 2 of 6', 20_000);
    expect(await page.locator('[data-testid="banner-provisioning"]').textContent()).toContain(
      'Running setup:',
    );
    await expect.poll(() => page.locator('.ws-page').getAttribute('data-status')).toBe('provisioning');
    await screens(page, 'setup-running');

    // Running, the page makes a first shell; a View log clicked while that is under way (held here, as
    // a loaded server would take its time) keeps the log on screen: the new shell does not take it.
    const made = /\/api\/workspaces\/[^/]+\/terminals$/;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    await page.route(made, async (route) => {
      if (route.request().method() === 'POST') await held;
      await route.fallback();
    });
    await page.locator('[data-testid="banner-setup-failed"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-testid="banner-setup-failed"]').textContent()).toContain(
      'Setup failed (exit 3)',
    );
    await waitForStatus(page, 'running');
    await page.getByRole('button', { name: 'View log' }).click();
    await waitForTerminalText(page, 'npm ERR! missing /root/.npmrc');
    release();
    await page.getByTestId('terminal-tab').filter({ hasText: 'Terminal 1' }).waitFor({ timeout: 20_000 });
    await page.unroute(made);
    expect(
      await page.getByTestId('terminal-tab').filter({ hasText: 'Terminal 1' }).getAttribute('aria-selected'),
    ).toBe('false');
    await waitForTerminalText(page, 'npm ERR! missing /root/.npmrc');
    await screens(page, 'setup-failed');

    // Fix it, then run it again from the banner.
    expect(
      (await api('POST', `/api/workspaces/${w.id}/exec`, { command: 'touch /root/.npmrc' })).status,
    ).toBe(200);
    await page.getByRole('button', { name: 'Run again' }).click();
    await page.locator('[data-testid="banner-setup-failed"]').waitFor({ state: 'detached', timeout: 10_000 });
    await waitForTerminalText(page, 'Setup finished.', 20_000);
    await expect
      .poll(async () => (await api('GET', `/api/workspaces/${w.id}`)).json.workspace.setup.status, {
        timeout: 10_000,
      })
      .toBe('succeeded');
    await screens(page, 'setup-succeeded');

    const malformed = origin('setup-malformed', {
      '.devcontainer.json': '{\n  "postCreateCommand": "npm ci"\n  "forwardPorts": [3000]\n}\n',
    });
    const m = await workspaceOf(org, malformed, 'malformed');
    await page.goto(`/o/compilers/workspaces/${m.id}`);
    await page.locator('[data-testid="banner-devcontainer"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-testid="banner-devcontainer"]').textContent()).toContain(
      '.devcontainer.json line 3, column 3',
    );
    await waitForStatus(page, 'running');
    await screens(page, 'setup-devcontainer-malformed');
    expectNoErrors(errors);
  });

  it('edits the setup command, timeout and prebuilds in the repository settings', async () => {
    await page.goto('/o/compilers/repositories');
    await page.getByRole('link', { name: 'Settings' }).first().click();
    await page.waitForURL(/\/repositories\/[0-9a-f-]+$/);
    await page.getByLabel('Setup command').fill('npm ci && npm run build');
    await page.getByLabel('Timeout (minutes)').fill('300');
    expect(await page.locator('.field-error').textContent()).toContain('from 1 to 240');
    await page.getByLabel('Timeout (minutes)').fill('45');
    await page.getByRole('switch').uncheck();
    await page.getByRole('button', { name: 'Save setup' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const id = page.url().split('/').pop()!;
    const org = (await api('GET', '/api/auth/organization/list')).json[0].id as string;
    const saved = (await api('GET', `/api/repositories?organizationId=${org}`)).json.repositories.find(
      (r: { id: string }) => r.id === id,
    );
    expect(saved).toMatchObject({
      setupCommand: 'npm ci && npm run build',
      setupTimeoutMinutes: 45,
      prebuildsEnabled: false,
    });
    await page.getByRole('switch').check();
    await screens(page, 'repository-settings');
    expectNoErrors(errors);
  });

  it('shows the prebuild building, ready and failed on the repository settings page', async () => {
    const org = (await api('GET', '/api/auth/organization/list')).json[0].id as string;
    const repoUrl = origin('prebuild-status', {
      '.devcontainer/devcontainer.json': JSON.stringify({ postCreateCommand: 'sleep 6; echo built' }),
    });
    const repo = await api('POST', '/api/repositories', {
      organizationId: org,
      url: repoUrl,
      name: 'compiler',
    });
    expect(repo.status).toBe(201);
    const id = repo.json.repository.id as string;
    await page.goto(`/o/compilers/repositories/${id}`);
    await page.locator('[data-prebuild="stopped"]').waitFor();
    // A change of the setup settings builds the prebuild in the background (the builder).
    await page.getByLabel('Timeout (minutes)').fill('20');
    await page.getByRole('button', { name: 'Save setup' }).click();
    await page.locator('[data-prebuild="provisioning"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('.prebuild-status').textContent()).toContain('in the background');
    await screens(page, 'repository-settings-prebuild-building');
    await page.locator('[data-prebuild="running"]').waitFor({ timeout: 60_000 });
    expect(await page.locator('.prebuild-status').textContent()).toMatch(
      /New workspaces start from commit [0-9a-f]{7}/,
    );
    await screens(page, 'repository-settings-prebuild-ready');
    // A setup command that fails: the badge says so with its exit code.
    const plain = await api('POST', '/api/repositories', {
      organizationId: org,
      url: origin('prebuild-fails', { 'README.md': 'no dev container\n' }),
      name: 'linker',
    });
    await page.goto(`/o/compilers/repositories/${plain.json.repository.id}`);
    await page.locator('[data-prebuild="stopped"]').waitFor();
    await page.getByLabel('Setup command').fill('echo linking; exit 3');
    await page.getByRole('button', { name: 'Save setup' }).click();
    await page.locator('[data-prebuild="error"]').waitFor({ timeout: 60_000 });
    expect(await page.locator('.prebuild-status').textContent()).toContain('Failed (exit 3)');
    await screens(page, 'repository-settings-prebuild-failed');
    expectNoErrors(errors);
  });
});
