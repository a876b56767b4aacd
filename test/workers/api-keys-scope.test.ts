import { describe, expect, it } from 'vitest';
import { addMember, call, createApiKey, createOrg, signUp } from './helpers';

// API keys as an attacker holding one: one organization, its permissions, an expiry, no new keys.
describe('scoped API keys', () => {
  it('acts in its own organization only: another organization of the owner answers 404', async () => {
    const user = await signUp();
    const [a, b] = [await createOrg(user), await createOrg(user)];
    const key = await createApiKey(user, a, ['read']);
    expect((await call(`/api/workspaces?organizationId=${a}`, { apiKey: key })).status).toBe(200);
    const other = await call(`/api/workspaces?organizationId=${b}`, { apiKey: key });
    expect(other.status).toBe(404);
    expect((await call(`/api/repositories?organizationId=${b}`, { apiKey: key })).status).toBe(404);
  });

  it('cannot create keys, even with admin permission, nor revoke another key', async () => {
    const user = await signUp();
    const org = await createOrg(user);
    const key = await createApiKey(user, org, ['admin']);
    const made = await call('/api/api-keys', { apiKey: key, body: { name: 'more', organizationId: org } });
    expect(made.status).toBe(403);
    expect(made.json.error.code).toBe('forbidden');
    const second = await call('/api/api-keys', {
      cookie: user.cookie,
      body: { name: 'b', organizationId: org },
    });
    const del = await call(`/api/api-keys/${second.json.id}`, { apiKey: key, method: 'DELETE' });
    expect(del.status).toBe(403);
  });

  it('expires after 90 days by default, never only when asked, and lists scope and last use', async () => {
    const user = await signUp();
    const org = await createOrg(user);
    const made = await call('/api/api-keys', {
      cookie: user.cookie,
      body: { name: 'd', organizationId: org },
    });
    expect(made.status).toBe(201);
    const days = (new Date(made.json.expiresAt).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThan(90.1);
    expect(made.json.permissions).toEqual(['exec']);
    const forever = await call('/api/api-keys', {
      cookie: user.cookie,
      body: { name: 'f', organizationId: org, expiresInDays: 'never', permissions: ['read'] },
    });
    expect(forever.json.expiresAt).toBeNull();
    expect((await call('/api/api-keys', { apiKey: made.json.key })).status).toBe(200);
    const list = (await call('/api/api-keys', { cookie: user.cookie })).json.apiKeys;
    const used = list.find((k: any) => k.id === made.json.id);
    expect(used).toMatchObject({ organizationId: org, permissions: ['exec'] });
    expect(used.lastRequest).not.toBeNull();
    expect(list.find((k: any) => k.id === forever.json.id)).toMatchObject({
      expiresAt: null,
      lastRequest: null,
    });
  });

  it('refuses a key for an organization the caller is not in, and a bad expiry', async () => {
    const user = await signUp();
    const stranger = await signUp();
    const theirs = await createOrg(stranger);
    const r = await call('/api/api-keys', {
      cookie: user.cookie,
      body: { name: 'x', organizationId: theirs },
    });
    expect(r.status).toBe(404);
    const mine = await createOrg(user);
    const bad = await call('/api/api-keys', {
      cookie: user.cookie,
      body: { name: 'x', organizationId: mine, expiresInDays: 0 },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.field).toBe('expiresInDays');
  });

  it("a member's admin key is no more than the member: managing repositories stays 403", async () => {
    const owner = await signUp();
    const org = await createOrg(owner);
    const member = await signUp();
    await addMember(owner, org, member);
    const key = await createApiKey(member, org, ['admin']);
    const r = await call('/api/repositories', {
      apiKey: key,
      body: { organizationId: org, url: 'https://github.com/acme/x' },
    });
    expect(r.status).toBe(403);
  });
});
