import { randomBytes, randomUUID } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SshAccessResponse } from '../../core/api/ssh';
import { createVmClient } from '../../core/vm';
import { argvHolding, until } from '../../vm-host/test/helpers';
import { interactiveSsh, run, sshOptions } from '../../vm-host/test/ssh-client';
import { startTestStack, type TestStack, type TestUser } from './harness';

// SSH sessions get the workspace's environment, as its terminal windows do: the devcontainer's
// containerEnv, then organization, repository and the personal secrets of the member the SSH access
// was issued to (never another member's). Driven with the real OpenSSH client.

let t: TestStack;
const logs: string[] = [];
beforeAll(async () => {
  t = await startTestStack({ log: (line) => logs.push(line) });
});
afterAll(() => t?.stop());

const tag = () => randomUUID().slice(0, 8);
const ssh = (a: SshAccessResponse, ...cmd: string[]) =>
  run('ssh', [...sshOptions(a.port, a.user), a.host, ...cmd]);

async function put(u: TestUser, path: string, value: string) {
  const r = await t.call(path, { cookie: u.cookie, method: 'PUT', body: { value } });
  expect(r.status, JSON.stringify(r.json)).toBe(200);
}

/** A new origin whose main has a devcontainer.json with containerEnv and remoteEnv. */
function originWithDevcontainer(extra: Record<string, unknown> = {}) {
  const origin = t.createOrigin();
  const work = mkdtempSync(join(tmpdir(), 'cw-ssh-env-'));
  try {
    t.git(work, 'clone', '-q', origin, '.');
    const file = join(work, '.devcontainer/devcontainer.json');
    mkdirSync(dirname(file), { recursive: true });
    const dc = {
      containerEnv: { FROM_CONTAINER: 'container', MINE: 'container' },
      remoteEnv: { FROM_REMOTE: 'remote' },
      ...extra,
    };
    writeFileSync(file, JSON.stringify(dc));
    t.git(work, 'add', '.');
    t.git(work, 'commit', '-q', '-m', 'devcontainer');
    t.git(work, 'push', '-q', 'origin', 'HEAD:main');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return origin;
}

/** An owner and a member of one organization with a running workspace of a devcontainer repository. */
async function team(devcontainer: Record<string, unknown> = {}) {
  const owner = await t.signUp();
  const org = await t.createOrg(owner);
  const repositoryId = await t.addRepository(owner, org, originWithDevcontainer(devcontainer));
  const mate = await t.addMember(owner, org);
  const created = await t.call('/api/workspaces', {
    cookie: owner.cookie,
    body: { organizationId: org, repositoryId, branch: 'main' },
  });
  expect(created.status).toBe(201);
  const workspace = await t.waitForStatus(owner, created.json.workspace.id, ['running'], 60_000);
  return { owner, mate, org, repositoryId, workspace };
}

const access = async (u: TestUser, id: string) => {
  const r = await t.call(`/api/workspaces/${id}/ssh`, { cookie: u.cookie, body: {} });
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json as SshAccessResponse;
};

const PRINT = 'printf "%s|" "$FROM_CONTAINER" "$FROM_REMOTE" "$ORG_X" "$REPO_X" "$MINE"';

describe('the environment of SSH sessions', () => {
  it('has containerEnv, organization, repository and only the own personal secrets, each member their own', async () => {
    const { owner, mate, org, repositoryId, workspace } = await team();
    const v = { org: `org-${tag()}`, repo: `repo-${tag()}`, own: `own-${tag()}`, mate: `mate-${tag()}` };
    await put(owner, `/api/organizations/${org}/secrets/ORG_X`, v.org);
    await put(owner, `/api/organizations/${org}/secrets/REPO_X`, v.org);
    await put(owner, `/api/organizations/${org}/secrets/MINE`, v.org);
    await put(owner, `/api/repositories/${repositoryId}/secrets/REPO_X`, v.repo);
    await put(owner, `/api/repositories/${repositoryId}/secrets/MINE`, v.repo);
    await put(owner, `/api/me/secrets/MINE`, v.own);
    await put(mate, `/api/me/secrets/MINE`, v.mate);

    const mine = await access(owner, workspace.id);
    const theirs = await access(mate, workspace.id);
    expect(mine.user).toMatch(new RegExp(`^${workspace.freestyleVmId}\\+cw-ssh-[0-9a-f]{12}:`));
    const r = await ssh(mine, PRINT);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(`container|remote|${v.org}|${v.repo}|${v.own}|`);
    expect((await ssh(theirs, PRINT)).stdout).toBe(`container|remote|${v.org}|${v.repo}|${v.mate}|`);
    // One's token does not log in as the other's grant user (which would give the other's values).
    const crossed = { ...theirs, user: `${mine.user.split(':')[0]}:${theirs.token}` };
    expect((await ssh(crossed, 'echo "$MINE"')).code).toBe(255);

    // An interactive shell on a terminal, as a person types into it.
    const term = interactiveSsh(mine.port, mine.user);
    term.type('echo "[$MINE/$REPO_X/$(pwd)]"\r');
    await term.waitFor(new RegExp(`\\[${v.own}/${v.repo}/[^\\]]+\\]`));
    term.type('exit\r');
    await term.exited();

    // The clone stays clean; no value is in the workspace's files on the VM host's disk.
    expect((await ssh(mine, 'cd /workspace && git status --porcelain')).stdout).toBe('');
    const disk = join(t.dataDir, 'vm-host', 'vms', workspace.freestyleVmId, 'disk');
    const onDisk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = join(dir, e.name);
        if (e.isDirectory()) return e.name === '.git' ? [] : onDisk(p);
        if (!e.isFile()) return [];
        return readFileSync(p).includes(v.own) || readFileSync(p).includes(v.mate) ? [p] : [];
      });
    expect(onDisk(disk)).toEqual([]);

    // Nothing the stack logged, no answer and no audit row carries a value.
    const audit = await t.call(`/api/organizations/${org}/audit`, { cookie: owner.cookie });
    const seen = [logs.join('\n'), JSON.stringify(audit.json), JSON.stringify(mine), JSON.stringify(theirs)];
    for (const value of Object.values(v)) for (const text of seen) expect(text).not.toContain(value);
  });

  it('a secret changed after one session applies to the next access, not to the old one', async () => {
    const { owner, workspace } = await team();
    await put(owner, `/api/me/secrets/MINE`, 'first');
    const before = await access(owner, workspace.id);
    expect((await ssh(before, 'echo "$MINE"')).stdout).toBe('first\n');
    await put(owner, `/api/me/secrets/MINE`, 'second');
    // Values are computed when the access is issued: the old one keeps its own.
    expect((await ssh(before, 'echo "$MINE"')).stdout).toBe('first\n');
    const after = await access(owner, workspace.id);
    expect((await ssh(after, 'echo "$MINE"')).stdout).toBe('second\n');
  });

  it('revoking an access (its key deleted) removes its environment file from the VM', async () => {
    const { owner, workspace } = await team();
    const key = (
      await t.call('/api/api-keys', {
        cookie: owner.cookie,
        body: { name: 'ssh', organizationId: workspace.organizationId, permissions: ['exec'] },
      })
    ).json;
    const viaKey = (await t.call(`/api/workspaces/${workspace.id}/ssh`, { apiKey: key.key, body: {} }))
      .json as SshAccessResponse;
    const viaCookie = await access(owner, workspace.id);
    const userOf = (a: SshAccessResponse) => a.user.split(':')[0]!.split('+')[1]!;
    const runDir = join(t.dataDir, 'vm-host', 'vms', workspace.freestyleVmId, 'run', 'cw-ssh');
    const grants = () =>
      readdirSync(runDir)
        .filter((f) => f.startsWith('cw-ssh-'))
        .sort();
    expect(grants()).toEqual([userOf(viaKey), userOf(viaCookie)].sort());

    expect((await t.call(`/api/api-keys/${key.id}`, { method: 'DELETE', cookie: owner.cookie })).status).toBe(
      204,
    );
    await until(() => grants().length === 1, 'the revoked grant`s files to go');
    expect(grants()).toEqual([userOf(viaCookie)]);
    const passwd = readFileSync(
      join(t.dataDir, 'vm-host', 'vms', workspace.freestyleVmId, 'disk', 'etc', 'passwd'),
      'utf8',
    );
    expect(passwd).not.toContain(userOf(viaKey));
    expect((await ssh(viaCookie, 'echo ok')).stdout).toBe('ok\n');
  });

  it('a VM that restarts under a live access gets its environment back; pause and resume keep it', async () => {
    const { owner, workspace } = await team();
    const own = `own-${tag()}`;
    await put(owner, `/api/me/secrets/MINE`, own);
    const mine = await access(owner, workspace.id);
    const want = `container|remote|||${own}|`;
    expect((await ssh(mine, PRINT)).stdout).toBe(want);

    for (const [action, status] of [
      ['pause', 'paused'],
      ['resume', 'running'],
    ]) {
      await t.call(`/api/workspaces/${workspace.id}/${action}`, { cookie: owner.cookie, body: {} });
      await t.waitForStatus(owner, workspace.id, [status], 30_000);
    }
    expect(await ssh(mine, PRINT)).toMatchObject({ code: 0, stdout: want, stderr: '' });

    // The VM host restarts the VM behind the room's back (boots it again: /run starts empty).
    const vms = createVmClient({ baseUrl: t.stack.vmHostUrl, apiKey: t.stack.vmHostApiKey });
    await vms.stopVm(workspace.freestyleVmId);
    await vms.startVm(workspace.freestyleVmId);
    // The room's next VM check (every 10 s while an access is live) writes the grant's files again.
    let r: Awaited<ReturnType<typeof ssh>> | undefined;
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      r = await ssh(mine, PRINT);
      if (r.code === 0 && r.stdout === want && r.stderr === '') break;
      await new Promise((done) => setTimeout(done, 500));
    }
    expect(r).toMatchObject({ code: 0, stdout: want, stderr: '' });
    const ws = (await t.call(`/api/workspaces/${workspace.id}`, { cookie: owner.cookie })).json.workspace;
    expect(ws.status).toBe('running');
    expect(logs.join('\n')).not.toContain(own);
  });

  it('a prebuild snapshot taken while an access is live holds none of it; the access keeps its environment', async () => {
    const { owner, workspace } = await team({ postCreateCommand: 'echo built > /root/built' });
    const vmId = workspace.freestyleVmId as string;
    const snapsDir = join(t.dataDir, 'vm-host', 'snapshots');
    const ofThisVm = () =>
      (existsSync(snapsDir) ? readdirSync(snapsDir) : []).filter((id) => {
        const f = join(snapsDir, id, 'snapshot.json');
        return existsSync(f) && JSON.parse(readFileSync(f, 'utf8')).sourceVmId === vmId;
      });
    await until(() => ofThisVm().length === 1, 'the first prebuild', 20_000);
    const first = ofThisVm()[0];
    const probe = `prebuild-${randomBytes(8).toString('hex')}`;
    await put(owner, `/api/me/secrets/PROBE`, probe);
    const a = await access(owner, workspace.id);
    expect((await ssh(a, 'echo "$PROBE"')).stdout).toBe(`${probe}\n`);

    // Running the setup again takes a new prebuild of this VM while the access is live.
    const rerun = await t.call(`/api/workspaces/${workspace.id}/setup`, { cookie: owner.cookie, body: {} });
    expect(rerun.status, JSON.stringify(rerun.json)).toBeLessThan(300);
    await until(() => ofThisVm().some((id) => id !== first), 'the new prebuild', 30_000);
    const snap = join(
      snapsDir,
      ofThisVm().find((id) => id !== first)!,
      'disk',
    );
    const holding = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = join(dir, e.name);
        if (e.isDirectory()) return holding(p);
        return e.isFile() && readFileSync(p).includes(probe) ? [p] : [];
      });
    expect(holding(snap)).toEqual([]);
    expect(readFileSync(join(snap, 'etc', 'passwd'), 'utf8')).not.toContain('cw-ssh-');
    // Put back after the snapshot: the access works with its environment again.
    await until(async () => (await ssh(a, 'echo "$PROBE"')).stdout === `${probe}\n`, 'the access restored');
  });

  it('scp and sftp work as before; no value is in any process argv while a session is open', async () => {
    const { owner, workspace } = await team();
    const probe = `probe-${randomBytes(8).toString('hex')}`;
    await put(owner, `/api/me/secrets/PROBE`, probe);
    const a = await access(owner, workspace.id);
    const src = join(mkdtempSync(join(tmpdir(), 'cw-scp-')), 'in.bin');
    const data = randomBytes(300_000);
    writeFileSync(src, data);
    const opts = sshOptions(a.port, a.user);
    expect((await run('scp', [...opts, src, `${a.host}:/tmp/in.bin`])).code).toBe(0);
    expect((await run('scp', [...opts, `${a.host}:/tmp/in.bin`, `${src}.back`])).code).toBe(0);
    expect(readFileSync(`${src}.back`).equals(data)).toBe(true);
    const sftp = await run('sh', [
      '-c',
      `echo 'ls /tmp' | sftp -b - ${opts.map((o) => `'${o}'`).join(' ')} ${a.host}`,
    ]);
    expect(sftp).toMatchObject({ code: 0 });
    expect(sftp.stdout).toContain('in.bin');

    const term = interactiveSsh(a.port, a.user);
    term.type('echo "len-${#PROBE}"; sleep 20\r');
    await term.waitFor(new RegExp(`len-${probe.length}`));
    expect(argvHolding(probe)).toEqual([]);
    term.kill();
    expect(logs.join('\n')).not.toContain(probe);
  });
});
