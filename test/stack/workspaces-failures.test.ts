import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestStack, type TestStack } from './harness';

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => {
  await t?.stop();
});

/** Pushes a new branch to a bare origin, as a teammate would. */
function pushBranch(origin: string, branch: string) {
  const work = mkdtempSync(join(tmpdir(), 'cw-push-'));
  try {
    execFileSync('git', ['clone', '-q', origin, work]);
    t.git(work, 'checkout', '-q', '-b', branch);
    t.git(work, 'commit', '-q', '--allow-empty', '-m', 'Start the branch');
    t.git(work, 'push', '-q', 'origin', branch);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

describe('provisioning failures, retried then recoverable', () => {
  it('ends a missing branch and an unreachable repository in error with a readable message; retry recovers once fixed', async () => {
    const user = await t.signUp();
    const org = await t.createOrg(user);
    const origin = t.createOrigin();
    const repoId = await t.addRepository(user, org, origin);
    const missingOrigin = join(t.originsDir, 'appears-later.git');
    const lateRepoId = await t.addRepository(user, org, missingOrigin);

    const noBranch = await t.call('/api/workspaces', {
      cookie: user.cookie,
      body: { organizationId: org, repositoryId: repoId, branch: 'not-yet' },
    });
    const noRepo = await t.call('/api/workspaces', {
      cookie: user.cookie,
      body: { organizationId: org, repositoryId: lateRepoId, branch: 'main' },
    });
    expect(noBranch.status).toBe(201);
    expect(noBranch.json.workspace.status).toBe('provisioning');

    const [branchErr, repoErr] = await Promise.all([
      t.waitForStatus(user, noBranch.json.workspace.id, ['error'], 45_000),
      t.waitForStatus(user, noRepo.json.workspace.id, ['error'], 45_000),
    ]);
    expect(branchErr.statusMessage).toBe(`Branch "not-yet" does not exist in file://${origin}.`);
    expect(branchErr.provisionAttempts).toBe(4);
    expect(repoErr.statusMessage).toBe(
      `The repository file://${missingOrigin} could not be reached or does not exist.`,
    );

    pushBranch(origin, 'not-yet');
    t.createOrigin('appears-later');
    for (const ws of [branchErr, repoErr]) {
      const retry = await t.call(`/api/workspaces/${ws.id}/retry`, { cookie: user.cookie, method: 'POST' });
      expect(retry.status).toBe(200);
      expect(retry.json.workspace.status).toBe('provisioning');
    }
    const fixed = await t.waitForStatus(user, branchErr.id, ['running', 'error']);
    expect(fixed.status).toBe('running');
    expect(fixed.statusMessage).toBeNull();
    expect((await t.waitForStatus(user, repoErr.id, ['running', 'error'])).status).toBe('running');
  }, 120_000);
});

describe('the command API', () => {
  it('runs in the clone, honours cwd, times out killing the process tree, and caps output', async () => {
    const { user, workspace } = await t.runningWorkspace();
    const exec = (body: object) =>
      t.call(`/api/workspaces/${workspace.id}/exec`, { cookie: user.cookie, body });

    const pwd = await exec({ command: 'pwd; ls', cwd: 'src' });
    expect(pwd.json.stdout).toBe('/workspace/src\nhello.sh\n');
    const failing = await exec({ command: 'echo oops >&2; exit 3' });
    expect(failing.json).toMatchObject({ stderr: 'oops\n', exitCode: 3, timedOut: false });

    const slow = await exec({ command: '(sleep 30 &) ; sleep 30; echo never', timeoutMs: 1000 });
    expect(slow.status).toBe(200);
    expect(slow.json).toMatchObject({ timedOut: true, exitCode: null, stdout: '' });
    expect(slow.json.durationMs).toBeLessThan(10_000);
    const left = await exec({ command: "ps -eo comm | grep -c '^sleep$' || true" });
    expect(left.json.stdout.trim()).toBe('0');

    const flood = await exec({ command: "head -c 3000000 /dev/zero | tr '\\0' a; echo done >&2" });
    expect(flood.json.truncated).toBe(true);
    expect(flood.json.stdout.length).toBe(1024 * 1024);
    expect(flood.json.stderr).toBe('done\n');
  });

  it('answers the plan endpoint with an API key, and refuses bad input and other organizations', async () => {
    const { user, workspace } = await t.runningWorkspace();
    const body = { name: 'phone', organizationId: workspace.organizationId };
    const key = (await t.call('/api/api-keys', { cookie: user.cookie, body })).json.key;
    const ok = await t.call('/api/cloud-workspace/command', {
      apiKey: key,
      body: { workspaceId: workspace.id, command: 'git log --oneline | wc -l' },
    });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ stdout: '3\n', exitCode: 0 });

    const missing = await t.call('/api/cloud-workspace/command', {
      apiKey: key,
      body: { workspaceId: workspace.id },
    });
    expect(missing.status).toBe(400);
    expect(missing.json.error.field).toBe('command');
    const tooLong = await t.call(`/api/workspaces/${workspace.id}/exec`, {
      apiKey: key,
      body: { command: 'true', timeoutMs: 3_600_000 },
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.json.error.field).toBe('timeoutMs');

    const stranger = await t.signUp();
    await t.createOrg(stranger);
    for (const path of [`/api/workspaces/${workspace.id}`, `/api/workspaces/${workspace.id}/pause`]) {
      const r = await t.call(path, {
        cookie: stranger.cookie,
        method: path.endsWith('pause') ? 'POST' : 'GET',
      });
      expect(r.status, path).toBe(404);
    }
    const theirs = await t.call('/api/cloud-workspace/command', {
      cookie: stranger.cookie,
      body: { workspaceId: workspace.id, command: 'cat /etc/hostname' },
    });
    expect(theirs.status).toBe(404);
    expect(
      (await t.call(`/api/workspaces/${workspace.id}`, { cookie: user.cookie })).json.workspace.status,
    ).toBe('running');
  });

  it("keeps one workspace out of another's files and out of the host's data", async () => {
    const a = await t.runningWorkspace();
    const b = await t.runningWorkspace();
    await t.call(`/api/workspaces/${a.workspace.id}/exec`, {
      cookie: a.user.cookie,
      body: { command: 'echo top-secret > secret.txt' },
    });
    const vmDir = join(t.dataDir, 'vm-host');
    const snoop = await t.call(`/api/workspaces/${b.workspace.id}/exec`, {
      cookie: b.user.cookie,
      body: {
        command: [
          `ls ${vmDir} 2>&1`,
          `cat ${t.dataDir}/secrets.json 2>&1`,
          `grep -rs top-secret / --include=secret.txt 2>/dev/null | head -1`,
          'env | grep -ci secret || true',
        ].join('; '),
      },
    });
    expect(snoop.json.stdout).not.toContain('top-secret');
    expect(snoop.json.stdout).not.toContain('authSecret');
    expect(snoop.json.stdout).toMatch(/No such file or directory/);
  });
});

async function pauses(workspaceId: string) {
  const pg = await import('pg');
  const client = new pg.default.Client({ connectionString: t.stack.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(
      "select action, detail from audit_events where workspace_id = $1 and action = 'pause'",
      [workspaceId],
    );
    return rows;
  } finally {
    await client.end();
  }
}

describe('when the VM host dies', () => {
  it('answers clear 503s, changes nothing, and works again once it is back', async () => {
    const { user, workspace } = await t.runningWorkspace();
    await t.stack.vmHost.stop();
    try {
      const health = await t.call('/api/health');
      expect(health).toEqual({ status: 503, json: { ok: false, db: 'up', vmHost: 'down' } });
      const pause = await t.call(`/api/workspaces/${workspace.id}/pause`, {
        cookie: user.cookie,
        method: 'POST',
      });
      expect(pause.status).toBe(503);
      expect(pause.json.error.code).toBe('vm_host_unavailable');
      const exec = await t.call(`/api/workspaces/${workspace.id}/exec`, {
        cookie: user.cookie,
        body: { command: 'true' },
      });
      expect(exec.status).toBe(503);
      const del = await t.call(`/api/workspaces/${workspace.id}`, { cookie: user.cookie, method: 'DELETE' });
      expect(del.status).toBe(503);
      const still = await t.call(`/api/workspaces/${workspace.id}`, { cookie: user.cookie });
      expect(still.json.workspace.status).toBe('running');
      // The pause's audit entry, written with its status change, went when the VM host refused it.
      expect(await pauses(workspace.id)).toEqual([]);
    } finally {
      await t.stack.vmHost.start();
    }
    // The host lost its processes but not the VM's files: the next command boots it again.
    const back = await t.call(`/api/workspaces/${workspace.id}/exec`, {
      cookie: user.cookie,
      body: { command: 'ls' },
    });
    expect(back.json.stdout).toContain('README.md');
    const pause = await t.call(`/api/workspaces/${workspace.id}/pause`, {
      cookie: user.cookie,
      method: 'POST',
    });
    expect(pause.status).toBe(200);
    expect(await pauses(workspace.id)).toEqual([
      { action: 'pause', detail: { from: 'running', to: 'paused' } },
    ]);
    const resumedByExec = await t.call(`/api/workspaces/${workspace.id}/exec`, {
      cookie: user.cookie,
      body: { command: 'cat README.md | head -1' },
    });
    expect(resumedByExec.json.stdout).toBe('# Demo project\n');
  });
});
