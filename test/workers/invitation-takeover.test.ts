import { describe, expect, it } from 'vitest';
import { call, createOrg, signUp, unique, verifyEmail } from './helpers';

// The attack of issue 12: sign up with the invitee's address (no proof of owning it), list, accept.
describe('invitations need a verified, matching address', () => {
  it("refuses an account that has not verified the invitee's address, then accepts once it has", async () => {
    const owner = await signUp('Owner');
    const org = await createOrg(owner, 'Victim Co');
    const email = `invitee-${unique()}@example.test`;
    const inv = await call('/api/auth/organization/invite-member', {
      cookie: owner.cookie,
      body: { email, role: 'member', organizationId: org },
    });
    expect(inv.status).toBe(200);

    const squatter = await signUp('Squatter', { email, verified: false });
    expect((await call('/api/invitations', { cookie: squatter.cookie })).json.invitations).toEqual([]);
    const taken = await call('/api/auth/organization/accept-invitation', {
      cookie: squatter.cookie,
      body: { invitationId: inv.json.id },
    });
    expect(taken.status).toBe(403);
    const peek = await call(`/api/workspaces?organizationId=${org}`, { cookie: squatter.cookie });
    expect(peek.status).toBe(404);

    // Whoever can read the mailbox proves it, and only then joins.
    await verifyEmail(email);
    const accepted = await call('/api/auth/organization/accept-invitation', {
      cookie: squatter.cookie,
      body: { invitationId: inv.json.id },
    });
    expect(accepted.status).toBe(200);
  });

  it('refuses a verified account whose address is not the invited one', async () => {
    const owner = await signUp();
    const org = await createOrg(owner);
    const inv = await call('/api/auth/organization/invite-member', {
      cookie: owner.cookie,
      body: { email: `someone-${unique()}@example.test`, role: 'member', organizationId: org },
    });
    const other = await signUp();
    const r = await call('/api/auth/organization/accept-invitation', {
      cookie: other.cookie,
      body: { invitationId: inv.json.id },
    });
    expect(r.status).toBe(403);
  });

  it('mails the verification link to the outbox locally, and the invitation too', async () => {
    const owner = await signUp();
    const org = await createOrg(owner);
    const email = `mailed-${unique()}@example.test`;
    await call('/api/auth/organization/invite-member', {
      cookie: owner.cookie,
      body: { email, role: 'member', organizationId: org },
    });
    const box = await call(`/api/dev/outbox.json?to=${encodeURIComponent(email)}`);
    expect(box.json.mail[0].text).toContain('/invite/');
    const page = await call('/api/dev/outbox');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
  });
});
