import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import { createDemoRepository, git } from '../../../scripts/local/demo-repo';

export const PASSWORD = 'correct-horse-battery';

export function uniqueEmail(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}@example.test`;
}

/** Server work a test waits for (a sign-up's password hashing, a workspace starting): 60 s, as waitForStatus. */
export const SERVER_WAIT_MS = 60_000;

/**
 * Signs up through the form and waits for its answer: the page leaves /sign-up, or the form shows its
 * error (thrown as such, not as a timeout). The answer is the server's work (scrypt, the session, the
 * organizations), which a loaded machine does slowly; Playwright's default 30 s was no deliberate wait.
 */
export async function signUp(page: Page, name: string, email: string) {
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  const alert = page.locator('form [role="alert"]').first();
  const failed = await Promise.race([
    page
      .waitForURL((u) => !u.pathname.startsWith('/sign-up'), { timeout: SERVER_WAIT_MS })
      .then(
        () => null,
        () => `still on the sign-up page after ${SERVER_WAIT_MS / 1000} s`,
      ),
    alert.waitFor({ timeout: SERVER_WAIT_MS }).then(
      async () => `the form says: ${await alert.textContent()}`,
      () => new Promise<null>(() => {}), // no alert: the other one answers
    ),
  ]);
  if (failed) throw new Error(`sign-up of ${email} failed: ${failed}`);
}

/** Opens the verification link in the local outbox (/api/dev/outbox), as a developer would. */
export async function verifyFromOutbox(page: Page, email: string) {
  await page.goto('/api/dev/outbox');
  const mail = page.locator('article', { hasText: `to ${email}` }).filter({ hasText: 'Verify' });
  await mail.first().locator('a').first().click();
}

const ROWS = '.terminal-view:not(.terminal-view-hidden) .xterm-rows > div';

/** The visible terminal's rows as text, one line per row. */
export async function terminalLines(page: Page): Promise<string[]> {
  return page.locator(ROWS).allTextContents();
}

export async function terminalText(page: Page): Promise<string> {
  return (await terminalLines(page)).join('\n');
}

export async function waitForTerminalText(page: Page, text: string, timeout = 15_000) {
  await expect
    .poll(async () => (await terminalLines(page)).some((row) => row.includes(text)), { timeout })
    .toBe(true);
}

/** A shell prompt (`...$ ` or `...# `) on the visible screen. */
export async function waitForPrompt(page: Page, timeout = 20_000) {
  await expect
    .poll(async () => (await terminalLines(page)).some((row) => /[$#]\s*$/.test(row)), { timeout })
    .toBe(true);
}

export async function waitForStatus(page: Page, status: string, timeout = SERVER_WAIT_MS) {
  await page.locator(`.ws-page[data-status="${status}"]`).waitFor({ timeout });
}

/** Lines of the terminal that are exactly `text` (the output, not the typed command). */
export async function outputLines(page: Page, text: string): Promise<number> {
  return (await terminalLines(page)).filter((l) => l.trim() === text).length;
}

export function expectNoErrors(errors: string[]) {
  expect(errors, `browser console errors:\n${errors.join('\n')}`).toEqual([]);
}

/** An origin beside the demo repository (a folder every VM may read) with these files on main. */
export function originWith(demoRepoUrl: string, name: string, files: Record<string, string>): string {
  const bare = createDemoRepository(
    join(dirname(demoRepoUrl.replace('file://', '')), `${name}-${Date.now()}.git`),
  );
  const work = mkdtempSync(join(tmpdir(), 'cw-e2e-origin-'));
  try {
    git(work, 'clone', '-q', bare, '.');
    for (const [f, content] of Object.entries(files)) {
      mkdirSync(dirname(join(work, f)), { recursive: true });
      writeFileSync(join(work, f), content);
    }
    git(work, 'add', '.');
    git(work, 'commit', '-q', '-m', 'Dev container');
    git(work, 'push', '-q', 'origin', 'HEAD:main');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return `file://${bare}`;
}
