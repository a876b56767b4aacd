import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SshAccessResponse } from '../../core/api/ssh';
import { sshSessionsScript } from '../../core/ssh-env';
import { interactiveSsh, run, sshOptions } from '../../vm-host/test/ssh-client';
import { startTestStack, type TestStack } from './harness';

// A plain `ssh` with the access's `command` (not through `cw ssh-proxy`) is seen by the room's VM
// check (room/ssh-presence.ts): in presence as `ssh` for the member the access is theirs, gone after.

let t: TestStack;
beforeAll(async () => {
  // The room's VM check every second, so a session shows within a test's patience; an idle "minute"
  // of 5 s, so a 5-minute auto-pause is 25 s (past the terminal times' 8 s granularity).
  t = await startTestStack({ extraVars: { ROOM_WATCH_MS: '1000', IDLE_MINUTE_MS: '5000' } });
});
afterAll(() => t.stop());

type Presence = { users: { userId: string; name: string; clientTypes: string[] }[] };

async function until<T>(f: () => Promise<T | false | undefined>, what: string, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('plain SSH sessions in presence', () => {
  it("a plain `ssh -tt` session shows as `ssh` for its member, another member's as theirs; both leave after exit", async () => {
    const { user: owner, org, workspace } = await t.runningWorkspace();
    const mate = await t.addMember(owner, org);
    const presence = async () =>
      (await t.call(`/api/workspaces/${workspace.id}/sessions`, { cookie: owner.cookie })).json
        .presence as Presence;
    const sshUsers = async () =>
      (await presence()).users.filter((u) => u.clientTypes.includes('ssh')).map((u) => u.userId);
    const path = `/api/workspaces/${workspace.id}/ssh`;
    const mine = (await t.call(path, { cookie: owner.cookie, body: {} })).json as SshAccessResponse;
    const theirs = (await t.call(path, { cookie: mate.cookie, body: {} })).json as SshAccessResponse;
    expect(await sshUsers()).toEqual([]);

    const a = interactiveSsh(mine.port, mine.user);
    a.type('echo mine-$((1 + 1))\r');
    await a.waitFor(/mine-2/);
    const ownerId = await until(
      async () => (await sshUsers()).length === 1 && (await sshUsers())[0],
      'owner in presence',
    );
    expect((await presence()).users.find((u) => u.userId === ownerId)!.name).toBe('Tester');

    const b = interactiveSsh(theirs.port, theirs.user);
    b.type('echo theirs-$((2 + 1))\r');
    await b.waitFor(/theirs-3/);
    await until(async () => (await sshUsers()).length === 2, 'both in presence');

    b.type('exit\r');
    await b.exited();
    await until(async () => {
      const u = await sshUsers();
      return u.length === 1 && u[0] === ownerId;
    }, "the mate's session to leave");
    a.type('exit\r');
    await a.exited();
    await until(async () => (await sshUsers()).length === 0, "the owner's session to leave");
  });

  it('a command without a terminal shows while it runs', async () => {
    const { user, workspace } = await t.runningWorkspace();
    const a = (await t.call(`/api/workspaces/${workspace.id}/ssh`, { cookie: user.cookie, body: {} }))
      .json as SshAccessResponse;
    const held = run('ssh', [...sshOptions(a.port, a.user), a.host, 'sleep 6; echo done; exit 5']);
    const inPresence = async () =>
      (
        (await t.call(`/api/workspaces/${workspace.id}/sessions`, { cookie: user.cookie })).json
          .presence as Presence
      ).users.some((u) => u.clientTypes.includes('ssh'));
    await until(inPresence, 'the command in presence', 5_000);
    expect(await held).toMatchObject({ code: 5, stdout: 'done\n' });
    await until(async () => !(await inPresence()), 'the command to leave', 10_000);
  });

  it('a paused workspace refuses plain ssh with what to do', async () => {
    const { user, workspace } = await t.runningWorkspace();
    const p = `/api/workspaces/${workspace.id}`;
    const a = (await t.call(`${p}/ssh`, { cookie: user.cookie, body: {} })).json as SshAccessResponse;
    expect((await t.call(`${p}/pause`, { cookie: user.cookie, body: {} })).status).toBe(200);
    const r = await run('ssh', [...sshOptions(a.port, a.user), a.host, 'true']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/workspace paused: run `cw ssh <workspace>` or Resume in the app/);
  });

  it('typing over plain ssh keeps an otherwise idle workspace from pausing; an idle session does not', async () => {
    const user = await t.signUp();
    const org = await t.createOrg(user);
    const repositoryId = await t.addRepository(user, org, t.createOrigin());
    const created = await t.call('/api/workspaces', {
      cookie: user.cookie,
      body: { organizationId: org, repositoryId, branch: 'main', autoStopMinutes: 5 },
    });
    expect(created.status).toBe(201);
    const id = created.json.workspace.id as string;
    await t.waitForStatus(user, id, ['running']);
    const status = async () =>
      (await t.call(`/api/workspaces/${id}`, { cookie: user.cookie })).json.workspace.status as string;
    const a = (await t.call(`/api/workspaces/${id}/ssh`, { cookie: user.cookie, body: {} }))
      .json as SshAccessResponse;
    const shell = interactiveSsh(a.port, a.user);
    shell.type('echo ready\r');
    await shell.waitFor(/ready/);
    // 40 s of typing: longer than the 25 s the workspace would idle before pausing.
    const end = Date.now() + 40_000;
    for (let i = 0; Date.now() < end; i++) {
      shell.type(`echo k${i}\r`);
      await shell.waitFor(new RegExp(`k${i}\r?\n`));
      await new Promise((r) => setTimeout(r, 1000));
      expect(await status()).toBe('running');
    }
    // The same session left alone: the workspace pauses (an open session is not activity).
    await until(async () => (await status()) === 'paused', 'the idle pause', 45_000);
    shell.kill();
  }, 120_000);

  it("the room's scan carries and prints no secret value", async () => {
    const { user, workspace } = await t.runningWorkspace();
    const value = `scan-secret-${Math.random().toString(36).slice(2)}`;
    const put = await t.call(`/api/me/secrets/MINE_X`, {
      cookie: user.cookie,
      method: 'PUT',
      body: { value },
    });
    expect(put.status).toBe(200);
    const a = (await t.call(`/api/workspaces/${workspace.id}/ssh`, { cookie: user.cookie, body: {} }))
      .json as SshAccessResponse;
    const shell = interactiveSsh(a.port, a.user);
    shell.type('echo "v=$MINE_X"\r');
    await shell.waitFor(new RegExp(`v=${value}`));
    // The very command the room execs, run the same way: what it sees is user names and times.
    const script = sshSessionsScript();
    expect(script).not.toContain(value);
    const r = (
      await t.call(`/api/workspaces/${workspace.id}/exec`, { cookie: user.cookie, body: { command: script } })
    ).json as { stdout: string; exitCode: number };
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^cw-ssh-[0-9a-f]{12}\.\d+ \d+ \d+ \d+$/m);
    expect(r.stdout).not.toContain(value);
    shell.type('exit\r');
    await shell.exited();
  });
});
