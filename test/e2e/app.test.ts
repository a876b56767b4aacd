import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, newContext, PHONE, screens, watchErrors } from './support/browser';
import {
  expectNoErrors,
  outputLines,
  signUp,
  verifyFromOutbox,
  terminalText,
  uniqueEmail,
  waitForStatus,
  waitForPrompt,
  waitForTerminalText,
} from './support/app';

// One story through the real product in Chromium: Ada signs up, sets up an organization and a workspace,
// works in its terminal, invites Grace who joins the same shell, and they pause, resume and recover a
// broken workspace. Every screen is saved at desktop and phone size in test-results/screenshots/.
const url = inject('e2eUrl');
const demoRepoUrl = inject('e2eDemoRepositoryUrl');
const token = `hello-${Math.random().toString(36).slice(2, 8)}`;

let browser: Browser;
let ada: BrowserContext;
let page: Page;
let errors: string[];
let orgPath = '';
let workspacePath = '';

beforeAll(async () => {
  browser = await launchChromium();
  ada = await newContext(browser, url);
  page = await ada.newPage();
  errors = watchErrors(page);
});

afterAll(async () => {
  await browser?.close();
});

describe('web app in a real browser', () => {
  it('signs up and creates an organization', async () => {
    const res = await page.goto('/');
    // The app cannot be framed (clickjacking a terminal) and runs only its own scripts.
    expect(res!.headers()['x-frame-options']).toBe('DENY');
    expect(res!.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res!.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.waitForURL(/\/sign-in/);
    await screens(page, '01-sign-in');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.waitForURL(/\/sign-up/);
    await screens(page, '02-sign-up');
    await signUp(page, 'Ada Lovelace', uniqueEmail('ada'));
    await page.waitForURL(/\/new-org/);
    await screens(page, '03-new-org');
    await page.getByLabel('Name').fill('Analytical Engines');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.waitForURL(/\/o\/analytical-engines\/workspaces$/);
    orgPath = '/o/analytical-engines';
    await page.getByText('Add a repository first').waitFor();
    await screens(page, '04-workspaces-empty');
    expectNoErrors(errors);
  });

  it('adds the demo repository and shows its webhook URL and secret', async () => {
    await page.getByRole('link', { name: 'Repositories', exact: true }).click();
    await page.getByText('No repositories yet').waitFor();
    await screens(page, '05-repositories-empty');
    await page.getByRole('button', { name: 'Add repository' }).first().click();
    await page.getByLabel('Repository URL').fill(demoRepoUrl);
    await screens(page, '06-add-repository');
    await page.getByRole('dialog').getByRole('button', { name: 'Add repository' }).click();
    await page.getByTestId('repository-card').waitFor();
    await page.getByRole('button', { name: 'Webhook' }).click();
    // Each repository's own URL (its secret is tried first), since issue 12.
    expect(await page.getByTestId('webhook-url').textContent()).toMatch(
      new RegExp(`^${url}/webhooks/github/[0-9a-f-]{36}$`),
    );
    await page.getByRole('button', { name: 'Show' }).click();
    expect(await page.getByTestId('webhook-secret').textContent()).toMatch(/^[0-9a-f]{64}$/);
    await page.getByRole('button', { name: 'Copy webhook secret' }).click();
    await page.getByRole('button', { name: 'Hide' }).click();
    await screens(page, '07-repositories');
    expectNoErrors(errors);
  });

  it('creates an API key shown once, lists and revokes it', async () => {
    await page.getByRole('link', { name: 'API keys', exact: true }).click();
    await page.getByText('No API keys').waitFor();
    await page.getByLabel('Key name').fill('CI');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = await page.getByTestId('new-api-key').textContent();
    expect(key).toMatch(/^cw_/);
    await page.getByTestId('api-key-row').waitFor();
    await screens(page, '08-api-keys');
    // The key works against the API and is gone after revoking.
    const ok = await fetch(`${url}/api/api-keys`, { headers: { authorization: `Bearer ${key}` } });
    expect(ok.status).toBe(200);
    await page.getByRole('button', { name: 'Revoke' }).click();
    await screens(page, '09-api-keys-revoke');
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke key' }).click();
    await page.getByText('No API keys').waitFor();
    const revoked = await fetch(`${url}/api/api-keys`, { headers: { authorization: `Bearer ${key}` } });
    expect(revoked.status).toBe(401);
    expectNoErrors(errors);
  });

  it('shows the limits note after a failed request, retried and again on reopening', async () => {
    await page.getByRole('link', { name: 'Workspaces', exact: true }).click();
    const limitsRoute = '**/api/organizations/*/limits';
    const failing = (fail: () => boolean) =>
      page.route(limitsRoute, (route) =>
        fail()
          ? route.fulfill({
              status: 500,
              contentType: 'application/json',
              body: JSON.stringify({ error: { code: 'internal', message: 'Something went wrong.' } }),
            })
          : route.fallback(),
      );
    const note = page.getByTestId('limits-note');
    const dialog = page.getByRole('dialog');
    // One failed request: the note comes a retry later, not never.
    let asked = 0;
    await failing(() => ++asked === 1);
    await page.getByRole('button', { name: 'New workspace' }).first().click();
    await dialog.waitFor();
    expect(await note.textContent({ timeout: 5000 })).toBe('0 of 20 workspaces · 0 of 5 running');
    expect(asked).toBe(2);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await page.unroute(limitsRoute);
    // Every try fails while it is open: no note; opened again with the server back, it has one.
    asked = 0;
    await failing(() => ++asked > 0);
    await page.getByRole('button', { name: 'New workspace' }).first().click();
    await expect.poll(() => asked, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    expect(await note.count()).toBe(0);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await page.unroute(limitsRoute);
    await page.getByRole('button', { name: 'New workspace' }).first().click();
    expect(await note.textContent({ timeout: 5000 })).toBe('0 of 20 workspaces · 0 of 5 running');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    // The browser logs each 500 it was given; nothing else went wrong.
    expectNoErrors(errors.splice(0).filter((e) => !/status of 500/.test(e)));
  });

  it('creates a workspace, waits for it to run and types in its terminal', async () => {
    await page.getByRole('link', { name: 'Workspaces', exact: true }).click();
    await page.getByRole('button', { name: 'New workspace' }).first().click();
    await page.getByRole('dialog').waitFor();
    // Where people create workspaces they see the organization's usage against its limits.
    expect(await page.getByTestId('limits-note').textContent()).toBe('0 of 20 workspaces · 0 of 5 running');
    await screens(page, '10-new-workspace');
    await page.getByLabel('Branch').fill('feature/greeting');
    await page.getByLabel('Name').fill('Greeting work');
    await page.getByRole('dialog').getByRole('button', { name: 'Create workspace' }).click();
    await page.waitForURL(/\/workspaces\/[0-9a-f-]{36}$/);
    workspacePath = new URL(page.url()).pathname;
    await screens(page, '11-workspace-provisioning');
    await waitForStatus(page, 'running');
    await page.locator('.terminal-view .xterm-rows').waitFor();
    await waitForPrompt(page);
    // Keyboard focus is already in the terminal: no click needed.
    await page.keyboard.type(`echo ${token}`);
    await page.keyboard.press('Enter');
    await expect.poll(() => outputLines(page, token), { timeout: 15_000 }).toBe(1);
    await page.getByTestId('connected-count').filter({ hasText: '1 connected' }).waitFor();
    await screens(page, '12-workspace-terminal');
    expectNoErrors(errors);
  });

  it('opens, renames and closes terminal tabs', async () => {
    await page.getByRole('button', { name: 'New terminal' }).click();
    await page.getByTestId('terminal-tab').nth(1).waitFor();
    await waitForPrompt(page);
    expect(await terminalText(page)).not.toContain(token);
    await page.getByRole('button', { name: 'Rename Terminal 2' }).click();
    await page.getByLabel('Terminal name').fill('server');
    await page.getByLabel('Terminal name').press('Enter');
    await page.getByTestId('terminal-tab').filter({ hasText: 'server' }).waitFor();
    await screens(page, '13-terminal-tabs');
    // The name is the workspace's, not this browser's: a second device sees it.
    const other = await newContext(browser, url, await ada.storageState());
    const otherPage = await other.newPage();
    await otherPage.goto(workspacePath);
    await otherPage.getByTestId('terminal-tab').filter({ hasText: 'server' }).waitFor();
    await other.close();
    await page.getByRole('button', { name: 'Close server' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Close terminal' }).click();
    await expect.poll(() => page.getByTestId('terminal-tab').count()).toBe(1);
    await waitForTerminalText(page, token);
    expectNoErrors(errors);
  });

  it('searches the scrollback', async () => {
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByLabel('Search terminal').fill(token);
    await page.getByLabel('Search terminal').press('Enter');
    await expect.poll(() => page.locator('.xterm-decoration').count()).toBeGreaterThan(0);
    await screens(page, '14-terminal-search');
    await page.getByLabel('Close search').click();
    expectNoErrors(errors);
  });

  it('runs a command through the exec API and shows stdout, stderr and the exit code', async () => {
    await page.locator('#runner-input').fill('echo out-$((6*7)); echo err-line >&2; exit 3');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.getByTestId('exit-code').waitFor();
    expect(await page.getByTestId('stdout').textContent()).toBe('out-42\n');
    expect(await page.getByTestId('stderr').textContent()).toBe('err-line\n');
    expect(await page.getByTestId('exit-code').textContent()).toBe('exit 3');
    await screens(page, '15-command-runner');
    // On a phone the runner is one tap away from the terminal.
    await page.setViewportSize(PHONE);
    await page.getByRole('button', { name: 'Run command' }).click();
    await page.getByTestId('command-result').waitFor();
    await page.waitForTimeout(400); // the navigation drawer's slide-out after the resize
    await page.screenshot({ path: 'test-results/screenshots/16-command-runner-open.phone.png' });
    await page.getByRole('button', { name: 'Terminal' }).click();
    await page.setViewportSize({ width: 1280, height: 800 });
    expectNoErrors(errors);
  });

  it('lets an invited member join the same terminal, and both see "2 connected"', async () => {
    await page.goto(`${orgPath}/members`);
    const graceEmail = uniqueEmail('grace');
    await page.getByLabel('Email address').fill(graceEmail);
    await page.getByRole('button', { name: 'Send invite' }).click();
    const link = (await page.getByTestId('invite-link').textContent())!;
    await page.getByTestId('invitation-row').waitFor();
    await screens(page, '17-members');
    // Ada goes back to her terminal; Grace joins her there.
    await page.goto(workspacePath);
    await waitForTerminalText(page, token);

    const grace = await newContext(browser, url);
    const gracePage = await grace.newPage();
    const graceErrors = watchErrors(gracePage);
    await gracePage.goto(link);
    await screens(gracePage, '18-invite-anonymous');
    await gracePage.getByRole('link', { name: 'Create an account' }).click();
    await signUp(gracePage, 'Grace Hopper', graceEmail);
    // An invitation waits for a verified address (issue 12): Grace opens the mailed link.
    await gracePage.getByTestId('verify-email').waitFor();
    await screens(gracePage, '18b-invite-verify-email');
    await verifyFromOutbox(gracePage, graceEmail);
    await gracePage.getByRole('button', { name: 'Accept invitation' }).waitFor();
    await screens(gracePage, '19-invite-accept');
    await gracePage.getByRole('button', { name: 'Accept invitation' }).click();
    await gracePage.waitForURL(/\/o\/analytical-engines\/workspaces$/);
    await gracePage.getByTestId('workspace-row').waitFor();
    await screens(gracePage, '20-workspaces-list');

    await gracePage.getByTestId('workspace-row').click();
    await waitForStatus(gracePage, 'running');
    await waitForTerminalText(gracePage, token);
    await gracePage.getByTestId('connected-count').filter({ hasText: '2 connected' }).waitFor();
    await page.getByTestId('connected-count').filter({ hasText: '2 connected' }).waitFor();

    // Grace types; Ada sees it in the same shell.
    const second = `${token}-grace`;
    await gracePage.keyboard.type(`echo ${second}`);
    await gracePage.keyboard.press('Enter');
    await waitForTerminalText(page, second);
    await screens(gracePage, '21-second-viewer');
    expectNoErrors(graceErrors);
    await grace.close();
    await page.getByTestId('connected-count').filter({ hasText: '1 connected' }).waitFor({ timeout: 30_000 });
    expectNoErrors(errors);
  });

  it('shows a person who signs up on their own the invitations waiting for them', async () => {
    await page.goto(`${orgPath}/members`);
    const linusEmail = uniqueEmail('linus');
    await page.getByLabel('Email address').fill(linusEmail);
    await page.getByRole('button', { name: 'Send invite' }).click();
    await page.getByTestId('invite-link').waitFor();

    const linus = await newContext(browser, url);
    const linusPage = await linus.newPage();
    const linusErrors = watchErrors(linusPage);
    await linusPage.goto('/sign-up');
    await signUp(linusPage, 'Linus', linusEmail);
    await linusPage.waitForURL(/\/new-org/);
    await verifyFromOutbox(linusPage, linusEmail);
    await linusPage.waitForURL(/\/new-org/);
    const card = linusPage.getByTestId('pending-invitations');
    await card.getByText('Analytical Engines').waitFor();
    await screens(linusPage, '20b-pending-invitations');
    await card.getByRole('button', { name: 'Join' }).click();
    await linusPage.waitForURL(/\/o\/analytical-engines\/workspaces$/);
    await linusPage.getByTestId('workspace-row').waitFor();
    expectNoErrors(linusErrors);
    await linus.close();
    await page.goto(workspacePath);
    await waitForTerminalText(page, token);
  });

  it('restores the screen after a reload', async () => {
    const before = (await terminalText(page)).trimEnd();
    await page.reload();
    await waitForStatus(page, 'running');
    await waitForTerminalText(page, `${token}-grace`);
    expect((await terminalText(page)).trimEnd()).toBe(before);
    await screens(page, '22-after-reload');
    expectNoErrors(errors);
  });

  it('pauses, then resumes when the workspace is opened again', async () => {
    await page.locator('[data-action=pause]').click();
    await waitForStatus(page, 'paused');
    await page.getByTestId('banner-paused').waitFor();
    await screens(page, '23-paused');
    await page.getByRole('link', { name: 'All workspaces' }).click();
    await page.getByTestId('workspace-row').filter({ hasText: 'Paused' }).waitFor();
    await screens(page, '24-workspaces-paused');
    await page.getByTestId('workspace-row').click();
    await page.getByTestId('banner-resuming').waitFor();
    await waitForStatus(page, 'running');
    await waitForTerminalText(page, `${token}-grace`);
    // The shell survived the pause: it still answers.
    await page.keyboard.type('echo resumed-$((1+1))');
    await page.keyboard.press('Enter');
    await waitForTerminalText(page, 'resumed-2');
    expectNoErrors(errors);
  });

  it('shows an error workspace with its message, and Retry recovers it', async () => {
    await page.goto(`${orgPath}/workspaces?new=1`);
    await page.getByRole('dialog').waitFor();
    await page.getByLabel('Branch').fill('later-branch');
    await page.getByRole('dialog').getByRole('button', { name: 'Create workspace' }).click();
    await waitForStatus(page, 'error', 90_000);
    expect(await page.getByTestId('error-message').textContent()).toContain('later-branch');
    await screens(page, '25-workspace-error');
    await page.getByRole('button', { name: 'View details' }).click();
    expect(await page.getByTestId('error-details').textContent()).toContain('later-branch');
    await screens(page, '26-error-details');
    await page.keyboard.press('Escape');

    // Fix the cause (the branch now exists), then Retry.
    const repoPath = fileURLToPath(demoRepoUrl);
    execFileSync('git', ['-C', repoPath, 'branch', 'later-branch', 'main']);
    await page.getByTestId('banner-error').getByRole('button', { name: 'Retry' }).click();
    await waitForStatus(page, 'running', 60_000);
    await waitForPrompt(page);
    await screens(page, '27-retried');
    expectNoErrors(errors);
  });

  it('stops and deletes a workspace after confirmation', async () => {
    await page.locator('[data-action=pause]').click();
    await waitForStatus(page, 'paused');
    await page.locator('[data-action=stop]').click();
    await screens(page, '28-confirm-stop');
    await page.getByRole('dialog').getByRole('button', { name: 'Stop' }).click();
    await waitForStatus(page, 'stopped');
    await page.getByTestId('banner-stopped').waitFor();
    await screens(page, '29-stopped');
    await page.locator('[data-action=delete]').click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete workspace' }).click();
    await page.waitForURL(/\/workspaces$/);
    await expect.poll(() => page.getByTestId('workspace-row').count()).toBe(1);
    expectNoErrors(errors);
  });

  it('signs out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in$/);
    await page.goto(workspacePath);
    await page.waitForURL(/\/sign-in\?redirect=/);
    expectNoErrors(errors);
  });
});
