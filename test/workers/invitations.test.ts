import { describe, expect, it } from 'vitest';
import { call, createOrg, signUp } from './helpers';

describe('GET /api/invitations', () => {
  it("lists the caller's pending invitations with the organization's name, until accepted", async () => {
    const owner = await signUp('Owner');
    const org = await createOrg(owner, 'Acme Research');
    const invitee = await signUp('Invitee');
    const bystander = await signUp('Bystander');
    const inv = await call('/api/auth/organization/invite-member', {
      cookie: owner.cookie,
      body: { email: invitee.email.toUpperCase(), role: 'member', organizationId: org },
    });
    expect(inv.status).toBe(200);

    const mine = await call('/api/invitations', { cookie: invitee.cookie });
    expect(mine.status).toBe(200);
    expect(mine.json.invitations).toEqual([
      expect.objectContaining({
        id: inv.json.id,
        organizationId: org,
        organizationName: 'Acme Research',
        inviterName: 'Owner',
      }),
    ]);
    expect((await call('/api/invitations', { cookie: bystander.cookie })).json.invitations).toEqual([]);
    expect((await call('/api/invitations')).status).toBe(401);

    const accepted = await call('/api/auth/organization/accept-invitation', {
      cookie: invitee.cookie,
      body: { invitationId: inv.json.id },
    });
    expect(accepted.status).toBe(200);
    expect((await call('/api/invitations', { cookie: invitee.cookie })).json.invitations).toEqual([]);
  });
});
