import { describe, expect, it } from 'vitest';
import { call, createOrg, demoRepoUrl, signUp } from './helpers';

async function workspaceOf(user: Awaited<ReturnType<typeof signUp>>) {
  const org = await createOrg(user);
  const repo = await call('/api/repositories', {
    cookie: user.cookie,
    body: { organizationId: org, url: demoRepoUrl() },
  });
  const ws = await call('/api/workspaces', {
    cookie: user.cookie,
    body: { organizationId: org, repositoryId: repo.json.repository.id, branch: 'main' },
  });
  return ws.json.workspace.id as string;
}

describe('PATCH /api/sessions/:id', () => {
  it("records the desktop's local folder on its own session, and nobody else's", async () => {
    const user = await signUp();
    const workspaceId = await workspaceOf(user);
    const opened = await call(`/api/workspaces/${workspaceId}/sessions`, {
      cookie: user.cookie,
      body: { clientType: 'desktop', clientInfo: 'Desktop 0.1.0' },
    });
    expect(opened.status).toBe(201);
    const id = opened.json.sessionId;

    const set = await call(`/api/sessions/${id}`, {
      method: 'PATCH',
      cookie: user.cookie,
      body: { localWorktreePath: '/home/ada/code/demo', localSyncEnabled: true },
    });
    expect(set.status).toBe(200);
    expect(set.json.session).toMatchObject({
      localWorktreePath: '/home/ada/code/demo',
      localSyncEnabled: true,
    });
    const listed = await call(`/api/workspaces/${workspaceId}`, { cookie: user.cookie });
    expect(listed.json.sessions).toEqual([
      expect.objectContaining({ id, localWorktreePath: '/home/ada/code/demo', localSyncEnabled: true }),
    ]);

    const off = await call(`/api/sessions/${id}`, {
      method: 'PATCH',
      cookie: user.cookie,
      body: { localSyncEnabled: false },
    });
    expect(off.json.session).toMatchObject({
      localWorktreePath: '/home/ada/code/demo',
      localSyncEnabled: false,
    });

    expect(
      (await call(`/api/sessions/${id}`, { method: 'PATCH', cookie: user.cookie, body: {} })).status,
    ).toBe(400);
    const bad = await call(`/api/sessions/${id}`, {
      method: 'PATCH',
      cookie: user.cookie,
      body: { localSyncEnabled: 'yes' },
    });
    expect(bad.json.error.field).toBe('localSyncEnabled');
    const stranger = await signUp();
    const theirs = await call(`/api/sessions/${id}`, {
      method: 'PATCH',
      cookie: stranger.cookie,
      body: { localWorktreePath: '/tmp/evil' },
    });
    expect(theirs.status).toBe(404);
    expect(
      (await call(`/api/sessions/${id}`, { method: 'PATCH', body: { localSyncEnabled: true } })).status,
    ).toBe(401);
  });
});
