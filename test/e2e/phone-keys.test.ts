import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, PHONE, SCREENSHOT_DIR, watchErrors } from './support/browser';
import {
  expectNoErrors,
  signUp,
  terminalText,
  uniqueEmail,
  waitForPrompt,
  waitForStatus,
} from './support/app';

// A phone at 390 px: the terminal gets a row of the keys its on-screen keyboard lacks while it has
// the focus, with Ctrl and Alt sticky for the next key. And the page `cw login` opens, on a phone.
const url = inject('e2eUrl');
const demoRepoUrl = inject('e2eDemoRepositoryUrl');

let browser: Browser;
let phone: BrowserContext;
let page: Page;
let errors: string[];
let org = '';

beforeAll(async () => {
  browser = await launchChromium();
  phone = await browser.newContext({ baseURL: url, viewport: PHONE, hasTouch: true, isMobile: true });
  page = await phone.newPage();
  errors = watchErrors(page);
});

afterAll(async () => {
  await browser?.close();
});

async function shot(name: string) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.waitForTimeout(200);
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.phone.png`) });
}

describe('a phone', () => {
  it('shows the extra keys while the terminal has the focus; Ctrl then c sends 0x03', async () => {
    await page.goto('/sign-up');
    await signUp(page, 'Katherine Johnson', uniqueEmail('kj'));
    await page.waitForURL(/\/new-org/);
    await page.getByLabel('Name').fill('Trajectories');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.waitForURL(/\/o\/trajectories\/workspaces$/);
    const orgs = await page.request.get(`${url}/api/auth/organization/list`, { headers: { origin: url } });
    org = (await orgs.json())[0].id as string;
    const repo = await page.request.post(`${url}/api/repositories`, {
      data: { organizationId: org, url: demoRepoUrl },
      headers: { origin: url },
    });
    const made = await page.request.post(`${url}/api/workspaces`, {
      data: { organizationId: org, repositoryId: (await repo.json()).repository.id, branch: 'main' },
      headers: { origin: url },
    });
    expect(made.status()).toBe(201);
    const id = (await made.json()).workspace.id as string;

    const sent: Buffer[] = [];
    page.on('websocket', (ws) =>
      ws.on('framesent', (f) => {
        if (typeof f.payload !== 'string') sent.push(f.payload);
      }),
    );
    await page.goto(`/o/trajectories/workspaces/${id}`);
    await waitForStatus(page, 'running');
    await page.locator('.terminal-view .xterm-rows').waitFor();
    await waitForPrompt(page);
    const keys = page.getByTestId('extra-keys');
    await page.getByTestId('terminal').tap();
    await keys.waitFor();

    // The shell reads one raw byte and prints it in hex: what Ctrl-c really sent.
    await page.keyboard.type('stty raw -echo; head -c1 | od -An -tx1; stty sane');
    await page.keyboard.press('Enter');
    await page.waitForTimeout(500);
    const ctrl = page.getByRole('button', { name: 'Control (for the next key)' });
    await ctrl.tap();
    expect(await ctrl.getAttribute('aria-pressed')).toBe('true');
    await shot('50-phone-extra-keys-ctrl');
    sent.length = 0;
    await page.keyboard.type('c');
    await expect
      .poll(async () => /^\s*03\s*$/m.test(await terminalText(page)), { timeout: 10_000 })
      .toBe(true);
    expect(sent.some((b) => b.length === 1 && b[0] === 0x03)).toBe(true);
    // Sticky for one key only: the modifier let go.
    expect(await ctrl.getAttribute('aria-pressed')).toBe('false');

    // The other keys: | ~ / type themselves, the up arrow recalls the last command.
    await waitForPrompt(page);
    await page.keyboard.type("echo 'a");
    await page.getByRole('button', { name: 'Pipe' }).tap();
    await page.keyboard.type('b');
    await page.getByRole('button', { name: 'Tilde' }).tap();
    await page.getByRole('button', { name: 'Slash' }).tap();
    await page.keyboard.type("c'");
    await page.keyboard.press('Enter');
    const count = async () => (await terminalText(page)).match(/a\|b~\/c/g)?.length ?? 0;
    await expect.poll(count).toBe(2);
    await page.getByRole('button', { name: 'Up arrow' }).tap();
    await expect.poll(count).toBe(3);
    await page.getByRole('button', { name: 'Escape' }).tap();
    await shot('51-phone-extra-keys');

    // Focus elsewhere: the row goes away.
    await page.evaluate('document.activeElement && document.activeElement.blur()');
    await expect.poll(() => keys.isVisible()).toBe(false);
    expectNoErrors(errors);
  }, 120_000);

  it("the page `cw login` opens makes a key and posts it to cw's loopback callback", async () => {
    const got: string[] = [];
    const cli = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        if (req.method === 'POST') got.push(`${req.method} ${req.url} ${body}`);
        res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>cw is signed in</h1>');
      });
    });
    await new Promise<void>((r) => cli.listen(0, '127.0.0.1', r));
    const port = (cli.address() as AddressInfo).port;
    const state = 'e2e-state-0123456789abcdef';
    await page.goto(`/cli-login?port=${port}&state=${state}&host=ada-laptop`);
    await page.getByTestId('cli-login').waitFor();
    expect(await page.getByTestId('cli-login').textContent()).toContain('cw on ada-laptop');
    await shot('52-cli-login');
    await page.getByRole('button', { name: 'Authorize cw' }).tap();
    await page.getByText('cw is signed in').waitFor();
    cli.close();
    expect(got).toHaveLength(1);
    const form = new URLSearchParams(got[0]!.split(' ')[2]);
    expect(got[0]).toMatch(/^POST \/callback /);
    expect(form.get('state')).toBe(state);
    const key = form.get('key')!;
    const me = await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${key}` } });
    expect(me.status).toBe(200);

    // A damaged link says so and posts nothing.
    await page.goto(`/cli-login?port=80&state=${state}`);
    await page.getByText('This sign-in link is incomplete or damaged').waitFor();
    expectNoErrors(errors);
  }, 60_000);
});
