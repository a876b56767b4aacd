import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { APIRequestContext, Browser, BrowserContext } from 'playwright-core';
import { launchChromium, newContext, screens, watchErrors } from './support/browser';
import { expectNoErrors, PASSWORD, uniqueEmail, waitForPrompt, waitForStatus } from './support/app';

// What a plain member is not shown (issue 12): adding or deleting repositories and their webhook
// secrets, stopping or deleting a teammate's workspace. The owner's view of the same screens beside it.
const url = inject('e2eUrl');
const demoRepoUrl = inject('e2eDemoRepositoryUrl');
const headers = { origin: url };

let browser: Browser;
let owner: BrowserContext;
let member: BrowserContext;

beforeAll(async () => {
  browser = await launchChromium();
  owner = await newContext(browser, url);
  member = await newContext(browser, url);
});

afterAll(async () => {
  await browser?.close();
});

/** Signs up through the API in this browser context (its cookie) and follows the mailed link. */
async function account(req: APIRequestContext, name: string): Promise<string> {
  const email = uniqueEmail(name.toLowerCase());
  const r = await req.post('/api/auth/sign-up/email', { data: { name, email, password: PASSWORD }, headers });
  expect(r.status()).toBe(200);
  const mail = await (await req.get(`/api/dev/outbox.json?to=${encodeURIComponent(email)}`)).json();
  const link = (mail.mail as { text: string }[])
    .find((m) => m.text.includes('verify-email'))!
    .text.match(/https?:\/\/\S+/)![0];
  await req.get(link, { headers, maxRedirects: 0 });
  return email;
}

describe("a member's view", () => {
  it('hides repository management and stopping or deleting a teammate’s workspace', async () => {
    const o = owner.request;
    await account(o, 'Owner');
    const slug = `team-${Math.random().toString(36).slice(2, 8)}`;
    const org = (
      await (await o.post('/api/auth/organization/create', { data: { name: 'Team', slug }, headers })).json()
    ).id as string;
    const repo = await o.post('/api/repositories', {
      data: { organizationId: org, url: demoRepoUrl },
      headers,
    });
    expect(repo.status()).toBe(201);
    const made = await o.post('/api/workspaces', {
      data: {
        organizationId: org,
        repositoryId: (await repo.json()).repository.id,
        branch: 'main',
        name: 'owners-ws',
      },
      headers,
    });
    const id = (await made.json()).workspace.id as string;

    const m = member.request;
    const memberEmail = await account(m, 'Member');
    const inv = await o.post('/api/auth/organization/invite-member', {
      data: { email: memberEmail, role: 'member', organizationId: org },
      headers,
    });
    const accepted = await m.post('/api/auth/organization/accept-invitation', {
      data: { invitationId: (await inv.json()).id },
      headers,
    });
    expect(accepted.status()).toBe(200);

    const ownerPage = await owner.newPage();
    const memberPage = await member.newPage();
    const errors = [...[ownerPage, memberPage].map(watchErrors)];

    // Repositories: the owner adds, deletes and reads the webhook secret; the member only sees the list.
    await ownerPage.goto(`/o/${slug}/repositories`);
    await ownerPage.getByTestId('repository-card').waitFor();
    // The role loads after the page: what it allows appears then.
    await ownerPage.getByRole('button', { name: 'Add repository' }).first().waitFor();
    await ownerPage.getByRole('button', { name: 'Remove demo' }).waitFor();
    await ownerPage.getByRole('button', { name: 'Webhook' }).click();
    await ownerPage.getByTestId('webhook-secret').waitFor();
    await screens(ownerPage, '60-owner-repositories');
    await memberPage.goto(`/o/${slug}/repositories`);
    await memberPage.getByTestId('repository-card').waitFor();
    // Members see the webhook's URL, never its secret.
    await memberPage.getByRole('button', { name: 'Webhook' }).click();
    await memberPage.getByTestId('webhook-url').waitFor();
    expect(await memberPage.getByRole('button', { name: 'Add repository' }).count()).toBe(0);
    expect(await memberPage.getByTestId('webhook-secret').count()).toBe(0);
    expect(await memberPage.getByRole('link', { name: 'Audit log' }).count()).toBe(0);
    expect(await memberPage.getByRole('button', { name: 'Remove demo' }).count()).toBe(0);
    await screens(memberPage, '61-member-repositories');

    // The owner's workspace: the owner may pause and delete it (and stop it once paused); the member
    // may use it (Connect, pause, resume) but not delete or stop it. Opening it resumes a paused one,
    // so both views are of it running.
    await ownerPage.goto(`/o/${slug}/workspaces/${id}`);
    await waitForStatus(ownerPage, 'running');
    await waitForPrompt(ownerPage);
    await ownerPage.locator('[data-action="pause"]').waitFor();
    await ownerPage
      .getByRole('button', { name: /Delete/ })
      .first()
      .waitFor();
    await screens(ownerPage, '62-owner-workspace-actions');
    await ownerPage.close();
    await memberPage.goto(`/o/${slug}/workspaces/${id}`);
    await waitForStatus(memberPage, 'running');
    await waitForPrompt(memberPage);
    await memberPage.locator('[data-action="pause"]').waitFor();
    await memberPage.locator('[data-action="connect"]').waitFor();
    expect(await memberPage.getByRole('button', { name: /Delete/ }).count()).toBe(0);
    await screens(memberPage, '63-member-workspace-actions');
    await memberPage.locator('[data-action="pause"]').click();
    await waitForStatus(memberPage, 'paused');
    await memberPage.locator('[data-action="resume"]').first().waitFor();
    expect(await memberPage.locator('[data-action="stop"]').count()).toBe(0);
    expect(await memberPage.getByRole('button', { name: /Delete/ }).count()).toBe(0);
    await screens(memberPage, '64-member-workspace-paused');
    // Hidden is not all: the API refuses the member too.
    expect((await m.post(`/api/workspaces/${id}/stop`, { headers })).status()).toBe(403);
    expect((await m.delete(`/api/workspaces/${id}`, { headers })).status()).toBe(403);
    for (const e of errors) expectNoErrors(e);
  }, 120_000);
});
