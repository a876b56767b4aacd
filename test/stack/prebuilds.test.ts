import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack, type TestUser } from './harness';

// Prebuilds against the real product: a successful setup is snapshotted by the real VM host, and the
// next workspace of the branch boots from it, fast-forwarded, with postStartCommand alone.

const SECRET = 'prebuild-webhook-secret';
let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({ extraVars: { GITHUB_WEBHOOK_SECRET: SECRET } });
});
afterAll(async () => {
  await t?.stop();
});

const commit = (origin: string, files: Record<string, string>) => t.pushFiles(origin, files);

const snapshots = () => {
  const dir = join(t.dataDir, 'vm-host', 'snapshots');
  return existsSync(dir) ? readdirSync(dir) : [];
};

async function ready(user: TestUser, id: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last: any;
  while (Date.now() < deadline) {
    last = (await t.call(`/api/workspaces/${id}`, { cookie: user.cookie })).json?.workspace;
    if (last?.status === 'running' && ['succeeded', 'failed', 'none'].includes(last.setup?.status))
      return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not ready: ${JSON.stringify(last)}`);
}

const DEVCONTAINER = JSON.stringify({
  postCreateCommand:
    'sleep 3; mkdir -p node_modules && echo built > node_modules/marker; echo x >> /root/creates',
  postStartCommand: 'echo x >> /root/starts',
});

describe('prebuilds', () => {
  it('a new workspace starts from the prebuild: the marker is there at once, postCreate not re-run', async () => {
    const user = await t.signUp();
    const org = await t.createOrg(user);
    const origin = t.createOrigin();
    commit(origin, { '.devcontainer/devcontainer.json': DEVCONTAINER });
    const repositoryId = await t.addRepository(user, org, origin);
    const create = async () => {
      const r = await t.call('/api/workspaces', {
        cookie: user.cookie,
        body: { organizationId: org, repositoryId, branch: 'main' },
      });
      expect(r.status).toBe(201);
      return r.json.workspace.id as string;
    };
    const exec = async (id: string, command: string) =>
      (await t.call(`/api/workspaces/${id}/exec`, { cookie: user.cookie, body: { command } })).json.stdout;

    const first = await ready(user, await create());
    expect(first.setup).toMatchObject({ status: 'succeeded', fromPrebuild: false });
    for (let i = 0; i < 100 && snapshots().length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(snapshots()).toHaveLength(1);

    // A commit lands after the prebuild: the new workspace fast-forwards to it.
    const head = commit(origin, { 'NEWS.md': 'after the prebuild\n' });
    const started = Date.now();
    const second = await ready(user, await create());
    const ms = Date.now() - started;
    expect(second.setup).toMatchObject({ status: 'succeeded', fromPrebuild: true, exitCode: 0 });
    expect(second.lastCommitSha).toBe(head);
    expect(
      await exec(
        second.id,
        'cat node_modules/marker; cat NEWS.md; wc -l < /root/creates; wc -l < /root/starts',
      ),
    ).toBe('built\nafter the prebuild\n1\n2\n');
    // The 3 s postCreateCommand did not run again.
    expect(ms).toBeLessThan(3_000);

    // A changed setup definition: the whole setup runs, and its snapshot replaces the old one.
    commit(origin, {
      '.devcontainer/devcontainer.json': JSON.stringify({ postCreateCommand: 'echo v2 > /root/v2' }),
    });
    const before = snapshots();
    const third = await ready(user, await create());
    expect(third.setup).toMatchObject({ status: 'succeeded', fromPrebuild: false });
    expect(await exec(third.id, 'cat /root/v2')).toBe('v2\n');
    // Replaced: the new snapshot's folder appears before the old one is deleted, so wait for both.
    const replaced = () => snapshots().length > 0 && before.every((id) => !snapshots().includes(id));
    for (let i = 0; i < 100 && !replaced(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(snapshots()).toHaveLength(1);
    expect(snapshots()).not.toEqual(before);

    // Prebuilds off: a workspace is set up from the repository.
    await t.call(`/api/repositories/${repositoryId}`, {
      method: 'PATCH',
      cookie: user.cookie,
      body: { prebuildsEnabled: false },
    });
    const fourth = await ready(user, await create());
    expect(fourth.setup).toMatchObject({ status: 'succeeded', fromPrebuild: false });
  });

  it('a push refreshes the prebuild in the background: a snapshot at the pushed commit replaces the old one', async () => {
    const user = await t.signUp();
    const org = await t.createOrg(user);
    const origin = t.createOrigin();
    commit(origin, { '.devcontainer/devcontainer.json': DEVCONTAINER });
    const repositoryId = await t.addRepository(user, org, origin);
    const r = await t.call('/api/workspaces', {
      cookie: user.cookie,
      body: { organizationId: org, repositoryId, branch: 'main' },
    });
    const first = await ready(user, r.json.workspace.id);
    expect(first.setup.status).toBe('succeeded');
    const count = snapshots().length;
    const taken = () => snapshots().length > count || false;
    for (let i = 0; i < 100 && !taken(); i++) await new Promise((x) => setTimeout(x, 100));
    const before = snapshots();

    const head = commit(origin, { 'PUSHED.md': 'pushed\n' });
    const res = await t.pushWebhook(origin, head);
    expect(res.status).toBe(200);
    // The old snapshot of the branch is replaced by one at the pushed commit.
    const changed = () => before.some((id) => !snapshots().includes(id));
    for (let i = 0; i < 150 && !changed(); i++) await new Promise((x) => setTimeout(x, 100));
    expect(changed()).toBe(true);
    // Still one prebuild per branch for this repository's snapshots.
    expect(snapshots().length).toBe(before.length);
  });
});
