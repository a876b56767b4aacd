import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SshAccessResponse } from '../../core/api/ssh';
import { interactiveSsh, run, sshOptions } from '../../vm-host/test/ssh-client';
import { startTestStack, type TestStack } from './harness';

// `POST /api/workspaces/:id/ssh` on the real stack, used with the real OpenSSH client.

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(() => t.stop());

const ssh = (a: SshAccessResponse, ...cmd: string[]) =>
  run('ssh', [...sshOptions(a.port, a.user), a.host, ...cmd]);

describe('SSH access to a workspace', () => {
  it('answers credentials for a member (cookie or API key) that reach the workspace', async () => {
    const { user, workspace } = await t.runningWorkspace();
    const r = await t.call(`/api/workspaces/${workspace.id}/ssh`, { cookie: user.cookie, body: {} });
    expect(r.status).toBe(200);
    const a = r.json as SshAccessResponse;
    expect(a).toMatchObject({ host: '127.0.0.1', port: t.stack.sshPort, token: expect.any(String) });
    // `<vmId>+<linuxUser>:<token>`: the grant's own Linux user carries its environment (docs/ssh.md).
    expect(a.user).toMatch(new RegExp(`^${workspace.freestyleVmId}\\+cw-ssh-[0-9a-f]{12}:${a.token}$`));
    const ttl = Date.parse(a.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(3500_000);
    expect(ttl).toBeLessThanOrEqual(3600_000);
    expect(a.command).toBe(`ssh -p ${a.port} ${a.user}@127.0.0.1`); // `+` and `:` need no quoting
    expect(a.sshConfig).toContain(
      `Host ${a.hostAlias}\n  HostName 127.0.0.1\n  Port ${a.port}\n  User ${a.user}\n`,
    );

    const out = await ssh(a, 'cd /workspace && git rev-parse --abbrev-ref HEAD; exit 4');
    expect(out).toMatchObject({ code: 4, stdout: 'main\n' });

    const t2 = interactiveSsh(a.port, a.user);
    t2.type('echo typed-$((40 + 2))\r');
    await t2.waitFor(/typed-42/);
    t2.type('exit\r');
    await t2.exited();

    const key = (
      await t.call('/api/api-keys', {
        cookie: user.cookie,
        body: { name: 'cli', organizationId: workspace.organizationId, permissions: ['exec'] },
      })
    ).json.key;
    const viaKey = await t.call(`/api/workspaces/${workspace.id}/ssh`, { apiKey: key, body: {} });
    expect(viaKey.status).toBe(200);
    expect((await ssh(viaKey.json, 'echo key')).stdout).toBe('key\n');
  });

  it('is 404 for a non-member and 401 without credentials', async () => {
    const { workspace } = await t.runningWorkspace();
    const stranger = await t.signUp();
    const r = await t.call(`/api/workspaces/${workspace.id}/ssh`, { cookie: stranger.cookie, body: {} });
    expect(r.status).toBe(404);
    expect((await t.call(`/api/workspaces/${workspace.id}/ssh`, { body: {} })).status).toBe(401);
  });

  it('resumes a paused workspace; stopping it revokes the token and ends the session', async () => {
    const { user, workspace } = await t.runningWorkspace();
    const path = `/api/workspaces/${workspace.id}`;
    expect((await t.call(`${path}/pause`, { cookie: user.cookie, body: {} })).status).toBe(200);
    const a = (await t.call(`${path}/ssh`, { cookie: user.cookie, body: {} })).json as SshAccessResponse;
    expect((await t.call(path, { cookie: user.cookie })).json.workspace.status).toBe('running');

    const open = interactiveSsh(a.port, a.user);
    open.type('echo before-stop\r');
    await open.waitFor(/before-stop/);
    await t.call(`${path}/pause`, { cookie: user.cookie, body: {} });
    expect((await t.call(`${path}/stop`, { cookie: user.cookie, body: {} })).status).toBe(200);
    await open.exited();
    const refused = await ssh(a, 'true');
    expect(refused.code).toBe(255);
    expect(refused.stderr).toMatch(/Permission denied/);

    // A stopped workspace gets no credentials until it is started.
    const r = await t.call(`${path}/ssh`, { cookie: user.cookie, body: {} });
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe('workspace_not_running');
  });

  it("a member who is removed loses access: their token is refused and their open session ends; others' stay", async () => {
    const { user: owner, org, workspace } = await t.runningWorkspace();
    const mate = await t.addMember(owner, org);
    const path = `/api/workspaces/${workspace.id}/ssh`;
    const mine = (await t.call(path, { cookie: owner.cookie, body: {} })).json as SshAccessResponse;
    const theirs = (await t.call(path, { cookie: mate.cookie, body: {} })).json as SshAccessResponse;
    const open = interactiveSsh(theirs.port, theirs.user);
    open.type('echo still-here\r');
    await open.waitFor(/still-here/);

    const start = Date.now();
    const removed = await t.call('/api/auth/organization/remove-member', {
      cookie: owner.cookie,
      body: { memberIdOrEmail: mate.email, organizationId: org },
    });
    expect(removed.status).toBe(200);
    await open.exited();
    expect(Date.now() - start).toBeLessThan(1000);
    expect((await ssh(theirs, 'true')).code).toBe(255);
    expect((await ssh(mine, 'true')).code).toBe(0);
  });

  it('deleting the workspace revokes its tokens', async () => {
    const { user, workspace } = await t.runningWorkspace();
    const a = (await t.call(`/api/workspaces/${workspace.id}/ssh`, { cookie: user.cookie, body: {} }))
      .json as SshAccessResponse;
    expect((await ssh(a, 'true')).code).toBe(0);
    expect(
      (await t.call(`/api/workspaces/${workspace.id}`, { method: 'DELETE', cookie: user.cookie })).status,
    ).toBe(204);
    expect((await ssh(a, 'true')).code).toBe(255);
  });
});
