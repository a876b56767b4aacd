import { describe, expect, it } from 'vitest';
import { call, createOrg, signUp } from './helpers';

// PATCH /api/repositories/:id: the repository's setup settings (docs/setup.md), as an attacker sends them.

async function repo() {
  const owner = await signUp();
  const org = await createOrg(owner);
  const r = await call('/api/repositories', {
    cookie: owner.cookie,
    body: { organizationId: org, url: `https://github.com/acme/s-${crypto.randomUUID().slice(0, 8)}` },
  });
  expect(r.status).toBe(201);
  return { owner, org, id: r.json.repository.id as string, created: r.json.repository };
}

describe('repository setup settings', () => {
  it('defaults to no command, 30 minutes and prebuilds on; changes stick', async () => {
    const { owner, org, id, created } = await repo();
    expect(created).toMatchObject({ setupCommand: null, setupTimeoutMinutes: 30, prebuildsEnabled: true });
    const patch = (body: unknown) =>
      call(`/api/repositories/${id}`, { method: 'PATCH', cookie: owner.cookie, body });
    const r = await patch({
      setupCommand: 'npm ci && npm run build',
      setupTimeoutMinutes: 45,
      prebuildsEnabled: false,
    });
    expect(r.status).toBe(200);
    expect(r.json.repository).toMatchObject({
      setupCommand: 'npm ci && npm run build',
      setupTimeoutMinutes: 45,
      prebuildsEnabled: false,
      webhookSecret: created.webhookSecret,
    });
    // An empty command clears it.
    expect((await patch({ setupCommand: '   ' })).json.repository.setupCommand).toBeNull();
    const list = await call(`/api/repositories?organizationId=${org}`, { cookie: owner.cookie });
    expect(list.json.repositories[0]).toMatchObject({ setupCommand: null, setupTimeoutMinutes: 45 });
  });

  it('refuses bad input with 400 naming the field, and unknown repositories with 404', async () => {
    const { owner, id } = await repo();
    const patch = (body: unknown, path = id) =>
      call(`/api/repositories/${path}`, { method: 'PATCH', cookie: owner.cookie, body });
    const cases: [unknown, string][] = [
      [{ setupTimeoutMinutes: 0 }, 'setupTimeoutMinutes'],
      [{ setupTimeoutMinutes: 241 }, 'setupTimeoutMinutes'],
      [{ setupTimeoutMinutes: 1.5 }, 'setupTimeoutMinutes'],
      [{ setupTimeoutMinutes: '30' }, 'setupTimeoutMinutes'],
      [{ setupTimeoutMinutes: 1e308 }, 'setupTimeoutMinutes'],
      [{ prebuildsEnabled: 'yes' }, 'prebuildsEnabled'],
      [{ setupCommand: 'x'.repeat(10_001) }, 'setupCommand'],
      [{ setupCommand: 42 }, 'setupCommand'],
    ];
    for (const [body, field] of cases) {
      const r = await patch(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error.code).toBe('validation_error');
      expect(r.json.error.message).toContain(field);
    }
    expect((await patch({})).status).toBe(400);
    expect((await patch({ webhookSecret: 'mine' })).status).toBe(400);
    expect((await patch({ prebuildsEnabled: true }, crypto.randomUUID())).status).toBe(404);
    expect((await patch({ prebuildsEnabled: true }, 'not-a-uuid')).status).toBe(404);
    const raw = await call(`/api/repositories/${id}`, {
      method: 'PATCH',
      cookie: owner.cookie,
      rawBody: `{"setupCommand": "a\\u0000b"}`,
    });
    expect(raw.status).toBe(400);
  });
});
