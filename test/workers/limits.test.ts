import { describe, expect, it } from 'vitest';
import {
  addMember,
  call,
  createApiKey,
  createOrg,
  demoRepoUrl,
  signUp,
  waitStatus,
  type TestUser,
} from './helpers';

async function setup(limits: Record<string, number>) {
  const owner = await signUp('Limits Owner');
  const org = await createOrg(owner);
  const set = await call(`/api/organizations/${org}/limits`, {
    cookie: owner.cookie,
    method: 'PATCH',
    body: limits,
  });
  expect(set.status).toBe(200);
  const repo = await call('/api/repositories', {
    cookie: owner.cookie,
    body: { organizationId: org, url: demoRepoUrl() },
  });
  const create = (u: TestUser = owner) =>
    call('/api/workspaces', {
      cookie: u.cookie,
      body: { organizationId: org, repositoryId: repo.json.repository.id, branch: 'main' },
    });
  return { owner, org, create };
}

describe('organization limits', () => {
  it('refuses a workspace past the running and the total limit, naming the limit and the count', async () => {
    const { owner, org, create } = await setup({ workspaces: 2, running: 1 });
    const first = await create();
    expect(first.status).toBe(201);
    const tooMany = await create();
    expect(tooMany.status).toBe(409);
    expect(tooMany.json.error).toMatchObject({
      code: 'quota_exceeded',
      message: '1 of 1 workspaces are running; stop one or ask an admin to raise the limit.',
      limit: { name: 'running', max: 1, current: 1 },
    });
    await waitStatus(owner, first.json.workspace.id);
    const pause = (id: string) =>
      call(`/api/workspaces/${id}/pause`, { cookie: owner.cookie, method: 'POST' });
    expect((await pause(first.json.workspace.id)).status).toBe(200);
    const second = await create();
    expect(second.status).toBe(201);
    const third = await create();
    expect(third.json.error).toMatchObject({
      code: 'quota_exceeded',
      limit: { name: 'workspaces', max: 2, current: 2 },
    });
    // Resuming counts as starting one.
    await waitStatus(owner, second.json.workspace.id);
    const resume = await call(`/api/workspaces/${first.json.workspace.id}/resume`, {
      cookie: owner.cookie,
      method: 'POST',
    });
    expect(resume.status).toBe(409);
    expect(resume.json.error).toMatchObject({
      code: 'quota_exceeded',
      limit: { name: 'running', max: 1, current: 1 },
    });
    const view = await call(`/api/organizations/${org}/limits`, { cookie: owner.cookie });
    expect(view.json).toMatchObject({
      limits: { workspaces: 2, running: 1 },
      usage: { workspaces: 2, running: 1 },
    });
  });

  it('holds against racing requests', async () => {
    const { create } = await setup({ running: 2 });
    const results = await Promise.all(Array.from({ length: 6 }, () => create()));
    expect(results.filter((r) => r.status === 201)).toHaveLength(2);
    expect(results.filter((r) => r.status === 409 && r.json.error.code === 'quota_exceeded')).toHaveLength(4);
  });

  it('caps terminal windows per workspace', async () => {
    const { owner, create } = await setup({ windows: 2 });
    const ws = await create();
    const open = () =>
      call(`/api/workspaces/${ws.json.workspace.id}/terminals`, { cookie: owner.cookie, body: {} });
    expect((await open()).status).toBe(201);
    expect((await open()).status).toBe(201);
    const third = await open();
    expect(third.status).toBe(409);
    expect(third.json.error).toMatchObject({
      code: 'quota_exceeded',
      limit: { name: 'windows', max: 2, current: 2 },
    });
  });

  it('lets only owners and admins change limits, within bounds that the message names', async () => {
    const { owner, org } = await setup({});
    const member = await signUp();
    await addMember(owner, org, member);
    const patch = (body: unknown, opts: { cookie?: string; apiKey?: string } = { cookie: owner.cookie }) =>
      call(`/api/organizations/${org}/limits`, { ...opts, method: 'PATCH', body });
    const refused = await patch({ running: 50 }, { cookie: member.cookie });
    expect(refused.status).toBe(403);
    expect(refused.json.error.code).toBe('forbidden');
    expect((await call(`/api/organizations/${org}/limits`, { cookie: member.cookie })).status).toBe(200);
    const stranger = await signUp();
    expect((await patch({ running: 50 }, { cookie: stranger.cookie })).status).toBe(404);
    expect((await patch({ running: 50 }, {})).status).toBe(401);
    const huge = await patch({ running: 1e308 });
    expect(huge.status).toBe(400);
    expect(huge.json.error.field).toBe('running');
    expect((await patch({ windows: 0 })).json.error.field).toBe('windows');
    expect((await patch({ planets: 3 })).status).toBe(400);
    // Keys act in one organization, with their permissions: an admin key of this one.
    const key = await createApiKey(owner, org, ['admin']);
    const byKey = await patch({ running: 3 }, { apiKey: key });
    expect(byKey.status).toBe(200);
    expect(byKey.json.limits.running).toBe(3);
    const reset = await patch({ running: null });
    expect(reset.json.limits.running).toBe(reset.json.defaults.running);
  });
});
