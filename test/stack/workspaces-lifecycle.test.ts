import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVmClient } from '../../core/vm';
import { startTestStack, type TestStack } from './harness';

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => {
  await t?.stop();
});

describe('workspace lifecycle on the real VM host', () => {
  it('provisions a clone of the branch, then pauses, resumes, stops, starts and deletes', async () => {
    const { user, workspace } = await t.runningWorkspace('feature/greeting');
    expect(workspace.lastCommitSha).toMatch(/^[0-9a-f]{40}$/);
    expect(workspace.statusMessage).toBeNull();
    const id = workspace.id;
    const exec = (command: string) =>
      t.call(`/api/workspaces/${id}/exec`, { cookie: user.cookie, body: { command } });

    const branch = await exec('git branch --show-current && ./src/hello.sh Ada');
    expect(branch.status).toBe(200);
    expect(branch.json).toMatchObject({ exitCode: 0, timedOut: false, truncated: false });
    expect(branch.json.stdout).toBe('feature/greeting\nHello, Ada, from a branch\n');

    // Files written in the workspace survive pause, stop and start.
    expect((await exec('echo kept > notes.txt')).json.exitCode).toBe(0);
    const paused = await t.call(`/api/workspaces/${id}/pause`, { cookie: user.cookie, method: 'POST' });
    expect(paused.status).toBe(200);
    expect(paused.json.workspace.status).toBe('paused');
    const vm = createVmClient({ baseUrl: t.stack.vmHostUrl, apiKey: t.stack.vmHostApiKey });
    expect((await vm.getVm(workspace.freestyleVmId)).state).toBe('paused');

    const resumed = await t.call(`/api/workspaces/${id}/resume`, { cookie: user.cookie, method: 'POST' });
    expect(resumed.json.workspace.status).toBe('running');
    expect((await vm.getVm(workspace.freestyleVmId)).state).toBe('running');

    await t.call(`/api/workspaces/${id}/pause`, { cookie: user.cookie, method: 'POST' });
    const stopped = await t.call(`/api/workspaces/${id}/stop`, { cookie: user.cookie, method: 'POST' });
    expect(stopped.json.workspace.status).toBe('stopped');
    const refused = await exec('true');
    expect(refused.status).toBe(409);
    expect(refused.json.error).toMatchObject({ code: 'workspace_not_running', status: 'stopped' });

    const started = await t.call(`/api/workspaces/${id}/start`, { cookie: user.cookie, method: 'POST' });
    expect(started.json.workspace.status).toBe('running');
    expect((await exec('cat notes.txt')).json.stdout).toBe('kept\n');

    const del = await t.call(`/api/workspaces/${id}`, { cookie: user.cookie, method: 'DELETE' });
    expect(del.status).toBe(204);
    expect((await t.call(`/api/workspaces/${id}`, { cookie: user.cookie })).status).toBe(404);
    await expect(vm.getVm(workspace.freestyleVmId)).rejects.toMatchObject({ status: 404 });
  });

  it('refuses illegal transitions with 409 and the current status', async () => {
    const { user, workspace } = await t.runningWorkspace();
    const post = (action: string) =>
      t.call(`/api/workspaces/${workspace.id}/${action}`, { cookie: user.cookie, method: 'POST' });
    for (const action of ['resume', 'start', 'retry', 'stop']) {
      const r = await post(action);
      expect(r.status, action).toBe(409);
      expect(r.json.error).toMatchObject({ code: 'invalid_transition', status: 'running' });
    }
    expect((await post('pause')).status).toBe(200);
    const again = await post('pause');
    expect(again.json.error).toMatchObject({ code: 'invalid_transition', status: 'paused' });
  });

  it('lets exactly one of several racing transitions win, and the VM agrees', async () => {
    const { user, workspace } = await t.runningWorkspace();
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        t.call(`/api/workspaces/${workspace.id}/${i % 2 ? 'pause' : 'resume'}`, {
          cookie: user.cookie,
          method: 'POST',
        }),
      ),
    );
    const wins = results.filter((r) => r.status === 200);
    const final = (await t.call(`/api/workspaces/${workspace.id}`, { cookie: user.cookie })).json.workspace
      .status;
    const vm = createVmClient({ baseUrl: t.stack.vmHostUrl, apiKey: t.stack.vmHostApiKey });
    const vmState = (await vm.getVm(workspace.freestyleVmId)).state;
    expect(results.every((r) => r.status === 200 || r.status === 409)).toBe(true);
    expect(wins.length).toBeGreaterThanOrEqual(1);
    expect(vmState).toBe(final);

    const pauses = await Promise.all(
      Array.from({ length: 5 }, () =>
        t.call(`/api/workspaces/${workspace.id}/${final === 'running' ? 'pause' : 'resume'}`, {
          cookie: user.cookie,
          method: 'POST',
        }),
      ),
    );
    expect(pauses.filter((r) => r.status === 200)).toHaveLength(1);
    expect(pauses.filter((r) => r.status === 409)).toHaveLength(4);
  });

  it('lists workspaces by organization and repository, and the active ones', async () => {
    const { user, org, repositoryId, workspace } = await t.runningWorkspace();
    const list = await t.call(`/api/workspaces?organizationId=${org}&repositoryId=${repositoryId}`, {
      cookie: user.cookie,
    });
    expect(list.status).toBe(200);
    expect(list.json.workspaces).toEqual([
      expect.objectContaining({ id: workspace.id, status: 'running', creatorName: 'Tester', branch: 'main' }),
    ]);
    const active = await t.call(`/api/workspaces/active?organizationId=${org}`, { cookie: user.cookie });
    expect(active.json.workspaces.map((w: { id: string }) => w.id)).toEqual([workspace.id]);
    const one = await t.call(`/api/workspaces/${workspace.id}`, { cookie: user.cookie });
    expect(one.json).toMatchObject({ workspace: { id: workspace.id }, sessions: [] });
  });

  it('records every lifecycle action in the audit trail', async () => {
    const { user, workspace } = await t.runningWorkspace();
    await t.call(`/api/workspaces/${workspace.id}/pause`, { cookie: user.cookie, method: 'POST' });
    const pg = await import('pg');
    const client = new pg.default.Client({ connectionString: t.stack.databaseUrl });
    await client.connect();
    const { rows } = await client.query(
      'select action, actor_type, actor_user_id from audit_events where workspace_id = $1 order by created_at',
      [workspace.id],
    );
    await client.end();
    expect(rows).toEqual([
      { action: 'create', actor_type: 'user', actor_user_id: user.id },
      { action: 'provisioned', actor_type: 'system', actor_user_id: null },
      { action: 'pause', actor_type: 'user', actor_user_id: user.id },
    ]);
  });
});
