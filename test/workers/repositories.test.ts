import { describe, expect, it } from 'vitest';
import { addMember, call, createApiKey, createOrg, demoRepoUrl, signUp } from './helpers';

describe('repositories', () => {
  it('adds a GitHub repository, normalising its URL, with a webhook secret for the organization', async () => {
    const owner = await signUp();
    const org = await createOrg(owner);
    const r = await call('/api/repositories', {
      cookie: owner.cookie,
      body: { organizationId: org, url: 'https://github.com/acme/widgets' },
    });
    expect(r.status).toBe(201);
    expect(r.json.repository).toMatchObject({
      url: 'https://github.com/acme/widgets.git',
      fullName: 'acme/widgets',
      name: 'widgets',
      defaultBranch: 'main',
      // Each repository's own URL (was the shared /webhooks/github): its secret is tried first.
      webhookUrl: `http://cloud-workspaces.test/webhooks/github/${r.json.repository.id}`,
    });
    expect(r.json.repository.webhookSecret).toMatch(/^[0-9a-f]{64}$/);

    const list = await call(`/api/repositories?organizationId=${org}`, { cookie: owner.cookie });
    expect(list.json.repositories.map((x: { id: string }) => x.id)).toEqual([r.json.repository.id]);
  });

  it('accepts a local repository in local mode, by file:// URL or absolute path', async () => {
    const owner = await signUp();
    const org = await createOrg(owner);
    const byUrl = await call('/api/repositories', {
      cookie: owner.cookie,
      body: { organizationId: org, url: demoRepoUrl(), defaultBranch: 'main' },
    });
    expect(byUrl.status).toBe(201);
    expect(byUrl.json.repository).toMatchObject({ url: demoRepoUrl(), name: 'demo', fullName: null });
    const byPath = await call('/api/repositories', {
      cookie: owner.cookie,
      body: { organizationId: org, url: '/srv/git/other.git' },
    });
    expect(byPath.status).toBe(201);
    expect(byPath.json.repository.url).toBe('file:///srv/git/other.git');
  });

  it('refuses a duplicate, a bad URL and a missing field with clear errors', async () => {
    const owner = await signUp();
    const org = await createOrg(owner);
    const body = { organizationId: org, url: 'https://github.com/acme/dup' };
    expect((await call('/api/repositories', { cookie: owner.cookie, body })).status).toBe(201);
    const dup = await call('/api/repositories', { cookie: owner.cookie, body });
    expect(dup.status).toBe(409);
    expect(dup.json.error.code).toBe('conflict');

    const bad = await call('/api/repositories', {
      cookie: owner.cookie,
      body: { organizationId: org, url: 'https://gitlab.com/a/b; rm -rf /' },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.field).toBe('url');
    const dots = await call('/api/repositories', {
      cookie: owner.cookie,
      body: { organizationId: org, url: '/srv/../etc' },
    });
    expect(dots.status).toBe(400);

    const missing = await call('/api/repositories', {
      cookie: owner.cookie,
      body: { url: 'https://github.com/a/b' },
    });
    expect(missing.status).toBe(400);
    expect(missing.json.error.field).toBe('organizationId');
    const noQuery = await call('/api/repositories', { cookie: owner.cookie });
    expect(noQuery.status).toBe(400);
    expect(noQuery.json.error.field).toBe('organizationId');
  });

  it("hides another organization's repositories behind 404s", async () => {
    const owner = await signUp();
    const org = await createOrg(owner);
    const repo = await call('/api/repositories', {
      cookie: owner.cookie,
      body: { organizationId: org, url: 'https://github.com/acme/secret' },
    });
    const stranger = await signUp();
    await createOrg(stranger);

    const list = await call(`/api/repositories?organizationId=${org}`, { cookie: stranger.cookie });
    expect(list.status).toBe(404);
    const add = await call('/api/repositories', {
      cookie: stranger.cookie,
      body: { organizationId: org, url: 'https://github.com/evil/x' },
    });
    expect(add.status).toBe(404);
    const del = await call(`/api/repositories/${repo.json.repository.id}`, {
      method: 'DELETE',
      cookie: stranger.cookie,
    });
    expect(del.status).toBe(404);
    // A made-up id answers the same as someone else's: nothing to learn from the difference.
    const bogus = await call('/api/repositories/not-a-uuid', { method: 'DELETE', cookie: stranger.cookie });
    expect(bogus.status).toBe(404);
    expect(
      (await call(`/api/repositories?organizationId=${org}`, { cookie: owner.cookie })).json.repositories,
    ).toHaveLength(1);
  });

  // Was "members": managing repositories is for admins and owners since roles (core/policy.ts).
  it('lets admins and their admin API keys manage repositories', async () => {
    const owner = await signUp();
    const org = await createOrg(owner);
    const member = await signUp();
    await addMember(owner, org, member, 'admin');
    const key = await createApiKey(member, org, ['admin']);

    const added = await call('/api/repositories', {
      apiKey: key,
      body: { organizationId: org, url: 'https://github.com/acme/shared' },
    });
    expect(added.status).toBe(201);
    const list = await call(`/api/repositories?organizationId=${org}`, { cookie: owner.cookie });
    expect(list.json.repositories).toHaveLength(1);
    const del = await call(`/api/repositories/${added.json.repository.id}`, {
      method: 'DELETE',
      cookie: member.cookie,
    });
    expect(del.status).toBe(204);
    expect(
      (await call(`/api/repositories?organizationId=${org}`, { apiKey: key })).json.repositories,
    ).toEqual([]);
  });
});
