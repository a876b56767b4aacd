import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BASE, call, createOrg, signUp, unique } from './helpers';

// Headers a client chooses itself, sent to the app origin or a preview host: X-Forwarded-Host and
// X-Forwarded-Proto name neither where mail links point nor which site answers. Only the Host
// header picks a preview host (worker/preview), and only BETTER_AUTH_URL builds links.

const evil = { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' };

async function mailTo(email: string, has: string) {
  const { json } = await call(`/api/dev/outbox.json?to=${encodeURIComponent(email)}`);
  return (json.mail as { to: string; text: string }[]).filter((m) => m.to === email && m.text.includes(has));
}

describe('client-chosen forwarding headers', () => {
  it('do not move the links of verification and invitation mail to another host', async () => {
    const email = `user-${unique()}@example.test`;
    const res = await SELF.fetch(`${BASE}/api/auth/sign-up/email`, {
      method: 'POST',
      headers: { origin: BASE, 'content-type': 'application/json', ...evil },
      body: JSON.stringify({ name: 'Victim', email, password: 'correct-horse-battery' }),
    });
    expect(res.status).toBe(200);
    await res.body?.cancel();
    const [verify] = await mailTo(email, 'verify-email');
    expect(verify!.text).toContain(`${BASE}/api/auth/verify-email`);
    expect(verify!.text).not.toContain('evil.example');

    const owner = await signUp();
    const org = await createOrg(owner);
    const invitee = `invitee-${unique()}@example.test`;
    const inv = await call('/api/auth/organization/invite-member', {
      cookie: owner.cookie,
      headers: evil,
      body: { email: invitee, role: 'member', organizationId: org },
    });
    expect(inv.status).toBe(200);
    const [invite] = await mailTo(invitee, '/invite/');
    expect(invite!.text).toContain(`${BASE}/invite/`);
    expect(invite!.text).not.toContain('evil.example');
  });

  it('do not turn the app origin into a preview host, or a preview host into the app', async () => {
    const ws = crypto.randomUUID();
    const app = await SELF.fetch(`${BASE}/api/health`, {
      headers: { 'x-forwarded-host': `3000-${ws}.localhost` },
    });
    expect(app.status).toBe(200);
    expect(((await app.json()) as { ok?: unknown }).ok).toBeTypeOf('boolean');
    // A preview host naming the app origin: still the preview host (no such workspace: its 404).
    const preview = await SELF.fetch(`http://3000-${ws}.localhost/api/health`, {
      headers: { 'x-forwarded-host': new URL(BASE).host },
    });
    expect(preview.status).toBe(404);
    expect(await preview.text()).not.toContain('vmHost');
  });
});
