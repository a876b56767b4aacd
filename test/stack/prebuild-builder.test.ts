import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack, type TestUser } from './harness';

// The prebuild builder against the real product: a push that changes devcontainer.json, or a settings
// change of the setup command, runs the whole setup on a real VM in the background (a Durable Object on
// its alarm), snapshots it as the branch's prebuild, and deletes its VM whatever happened.

const SECRET = 'builder-webhook-secret';
let t: TestStack;
beforeAll(async () => {
  // Setups here end in seconds; a short timeout lets the timeout case run in seconds too.
  t = await startTestStack({ extraVars: { GITHUB_WEBHOOK_SECRET: SECRET, SETUP_TIMEOUT_MS: '15000' } });
});
afterAll(async () => {
  await t?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const snapshots = () => {
  const dir = join(t.dataDir, 'vm-host', 'snapshots');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
};

/** The VMs the builder made for a repository, read from the VM host itself. */
async function buildVms(repositoryId: string): Promise<string[]> {
  const res = await fetch(`${t.stack.vmHostUrl}/v5/vms`, {
    headers: { authorization: `Bearer ${t.stack.vmHostApiKey}` },
  });
  const body = (await res.json()) as { vms: { id: string; metadata?: Record<string, string> }[] };
  return body.vms.filter((v) => v.metadata?.prebuildOf === repositoryId).map((v) => v.id);
}

async function push(origin: string, files: Record<string, string>) {
  const head = t.pushFiles(origin, files);
  expect((await t.pushWebhook(origin, head)).status).toBe(200);
  return head;
}

const status = async (user: TestUser, repositoryId: string) =>
  (await t.call(`/api/repositories/${repositoryId}/prebuild`, { cookie: user.cookie })).json?.prebuild;

/** Waits until the builder's last build satisfies `done`; answers the status seen then. */
async function buildUntil(user: TestUser, repositoryId: string, done: (p: any) => boolean, ms = 45_000) {
  const deadline = Date.now() + ms;
  let last: any;
  while (Date.now() < deadline) {
    last = await status(user, repositoryId);
    if (last && done(last)) return last;
    await sleep(200);
  }
  throw new Error(`build never got there: ${JSON.stringify(last)}`);
}

async function ready(user: TestUser, id: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last: any;
  while (Date.now() < deadline) {
    last = (await t.call(`/api/workspaces/${id}`, { cookie: user.cookie })).json?.workspace;
    if (last?.status === 'running' && ['succeeded', 'failed', 'none'].includes(last.setup?.status))
      return last;
    await sleep(100);
  }
  throw new Error(`not ready: ${JSON.stringify(last)}`);
}

async function newWorkspace(user: TestUser, org: string, repositoryId: string) {
  const r = await t.call('/api/workspaces', {
    cookie: user.cookie,
    body: { organizationId: org, repositoryId, branch: 'main' },
  });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return r.json.workspace.id as string;
}

const exec = async (user: TestUser, id: string, command: string) =>
  (await t.call(`/api/workspaces/${id}/exec`, { cookie: user.cookie, body: { command } })).json.stdout;

const devcontainer = (marker: string, extra = '') =>
  JSON.stringify({
    postCreateCommand: `sleep 1; mkdir -p node_modules && echo ${marker} > node_modules/marker; echo x >> /root/creates${extra}`,
  });

describe('prebuild builder', () => {
  it('a push that changes devcontainer.json builds the new prebuild; a failing one keeps the old', async () => {
    const user = await t.signUp();
    const org = await t.createOrg(user);
    const origin = t.createOrigin();
    t.pushFiles(origin, { '.devcontainer/devcontainer.json': devcontainer('v1') });
    const repositoryId = await t.addRepository(user, org, origin);
    // An organization secret reaches the build's setup; nobody's personal one does.
    await t.call(`/api/organizations/${org}/secrets/BUILD_TOKEN`, {
      method: 'PUT',
      cookie: user.cookie,
      body: { value: 'org-value' },
    });
    await t.call('/api/me/secrets/PERSONAL_TOKEN', {
      method: 'PUT',
      cookie: user.cookie,
      body: { value: 'mine' },
    });
    expect((await status(user, repositoryId)).build).toBeNull();

    // The first workspace's setup becomes the prebuild (the room takes it).
    const first = await ready(user, await newWorkspace(user, org, repositoryId));
    expect(first.setup).toMatchObject({ status: 'succeeded', fromPrebuild: false });
    const v1 = await buildUntil(user, repositoryId, (p) => p.ready !== null);
    const v1Snapshots = snapshots();

    // v2 changes postCreateCommand: the fast refresh cannot reuse the snapshot, the builder runs it.
    const v2Head = await push(origin, {
      '.devcontainer/devcontainer.json': devcontainer(
        'v2',
        '; printf "%s|%s" "$BUILD_TOKEN" "${PERSONAL_TOKEN:-none}" > /root/env-seen',
      ),
    });
    const building = await buildUntil(user, repositoryId, (p) => p.build !== null);
    expect(building.build.reason).toBe('push');
    const built = await buildUntil(user, repositoryId, (p) => p.build?.status === 'succeeded');
    expect(built.ready.commitSha).toBe(v2Head);
    expect(built.build).toMatchObject({ commitSha: v2Head, exitCode: 0, timedOut: false });
    expect(new Date(built.ready.createdAt).getTime()).toBeGreaterThan(new Date(v1.ready.createdAt).getTime());
    // One prebuild per branch: the v1 snapshot is gone, and so is the build's VM.
    expect(snapshots()).toHaveLength(v1Snapshots.length);
    expect(snapshots()).not.toEqual(v1Snapshots);
    expect(await buildVms(repositoryId)).toEqual([]);

    // The next workspace starts from it: the new marker at once, postCreateCommand not run again.
    const started = Date.now();
    const second = await ready(user, await newWorkspace(user, org, repositoryId));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(second.setup).toMatchObject({ fromPrebuild: true });
    expect(second.lastCommitSha).toBe(v2Head);
    expect(
      await exec(user, second.id, 'cat node_modules/marker; wc -l < /root/creates; cat /root/env-seen'),
    ).toBe('v2\n1\norg-value|none');

    // v3 fails: the v2 prebuild stays, and the failure is reported with its exit code.
    const v2Snapshots = snapshots();
    const v3Head = await push(origin, {
      '.devcontainer/devcontainer.json': JSON.stringify({ postCreateCommand: 'echo broken; exit 7' }),
    });
    const failed = await buildUntil(
      user,
      repositoryId,
      (p) => p.build?.commitSha === v3Head && p.build.status === 'failed',
    );
    expect(failed.build).toMatchObject({ exitCode: 7, message: 'Setup failed (exit 7).' });
    expect(failed.ready.commitSha).toBe(v2Head);
    expect(snapshots()).toEqual(v2Snapshots);
    expect(await buildVms(repositoryId)).toEqual([]);
  });

  it('a settings change of the setup command builds; a newer change supersedes a build in progress', async () => {
    const user = await t.signUp();
    const org = await t.createOrg(user);
    const origin = t.createOrigin();
    const repositoryId = await t.addRepository(user, org, origin);
    const patch = (body: Record<string, unknown>) =>
      t.call(`/api/repositories/${repositoryId}`, { method: 'PATCH', cookie: user.cookie, body });

    // A slow command starts building, then a new one replaces it before it ends.
    expect((await patch({ setupCommand: 'sleep 60; echo slow > /root/cmd-marker' })).status).toBe(200);
    const slow = await buildUntil(
      user,
      repositoryId,
      (p) => p.build?.status === 'building' && p.build.command,
    );
    expect(slow.build.reason).toBe('settings');
    expect(await buildVms(repositoryId)).toHaveLength(1);
    expect((await patch({ setupCommand: 'echo fast > /root/cmd-marker' })).status).toBe(200);
    const built = await buildUntil(user, repositoryId, (p) => p.build?.status === 'succeeded');
    expect(built.build.command).toContain('echo fast');
    expect(built.ready).not.toBeNull();
    expect(await buildVms(repositoryId)).toEqual([]);

    const ws = await ready(user, await newWorkspace(user, org, repositoryId));
    expect(ws.setup).toMatchObject({ fromPrebuild: true });
    expect(await exec(user, ws.id, 'cat /root/cmd-marker')).toBe('fast\n');
  });

  it('a push fixes a branch whose only build failed: the builder builds it', async () => {
    const user = await t.signUp();
    const org = await t.createOrg(user);
    const origin = t.createOrigin();
    const repositoryId = await t.addRepository(user, org, origin);
    const patched = await t.call(`/api/repositories/${repositoryId}`, {
      method: 'PATCH',
      cookie: user.cookie,
      body: { setupCommand: 'echo nope; exit 5' },
    });
    expect(patched.status).toBe(200);
    const failed = await buildUntil(user, repositoryId, (p) => p.build?.status === 'failed');
    expect(failed.build).toMatchObject({ exitCode: 5, reason: 'settings' });
    expect(failed.ready).toBeNull();
    const head = await push(origin, {
      '.devcontainer/devcontainer.json': JSON.stringify({ postCreateCommand: 'echo ok > /root/fixed' }),
    });
    const built = await buildUntil(user, repositoryId, (p) => p.build?.status === 'succeeded');
    expect(built.build).toMatchObject({ reason: 'push', commitSha: head });
    expect(built.ready.commitSha).toBe(head);
    expect(await buildVms(repositoryId)).toEqual([]);
  });

  it('turning prebuilds off stops a build; a setup past its timeout is killed; the VM goes each time', async () => {
    const user = await t.signUp();
    const org = await t.createOrg(user);
    const repositoryId = await t.addRepository(user, org, t.createOrigin());
    const patch = (body: Record<string, unknown>) =>
      t.call(`/api/repositories/${repositoryId}`, { method: 'PATCH', cookie: user.cookie, body });

    expect((await patch({ setupCommand: 'sleep 120' })).status).toBe(200);
    await buildUntil(user, repositoryId, (p) => p.build?.status === 'building' && p.build.command);
    expect(await buildVms(repositoryId)).toHaveLength(1);
    expect((await patch({ prebuildsEnabled: false })).status).toBe(200);
    const off = await buildUntil(user, repositoryId, (p) => p.build?.status === 'skipped');
    expect(off).toMatchObject({ enabled: false, ready: null, build: { message: 'Prebuilds are off.' } });
    expect(await buildVms(repositoryId)).toEqual([]);

    // On again: the same slow setup builds, and is stopped at the timeout (15 s in this stack).
    expect((await patch({ prebuildsEnabled: true })).status).toBe(200);
    const timedOut = await buildUntil(user, repositoryId, (p) => p.build?.status === 'failed', 60_000);
    expect(timedOut.build).toMatchObject({ timedOut: true, exitCode: null });
    expect(timedOut.build.message).toContain('timed out');
    expect(timedOut.ready).toBeNull();
    expect(await buildVms(repositoryId)).toEqual([]);
  });

  it('the status is for members only; bad input is refused', async () => {
    const user = await t.signUp();
    const org = await t.createOrg(user);
    const repositoryId = await t.addRepository(user, org, t.createOrigin());
    const outsider = await t.signUp();
    await t.createOrg(outsider);
    const path = `/api/repositories/${repositoryId}/prebuild`;
    expect((await t.call(path)).status).toBe(401);
    const other = await t.call(path, { cookie: outsider.cookie });
    expect(other.status).toBe(404);
    const mine = await t.call(path, { cookie: user.cookie });
    expect(mine.status).toBe(200);
    expect(mine.json.prebuild).toMatchObject({ branch: 'main', enabled: true, ready: null, build: null });
    const bad = await t.call(`${path}?branch=${encodeURIComponent('a..b')}`, { cookie: user.cookie });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('validation_error');
    expect((await t.call(`/api/repositories/not-a-uuid/prebuild`, { cookie: user.cookie })).status).toBe(404);
    // Another organization's user cannot change the settings that trigger a build either.
    const patched = await t.call(`/api/repositories/${repositoryId}`, {
      method: 'PATCH',
      cookie: outsider.cookie,
      body: { setupCommand: 'echo no' },
    });
    expect(patched.status).toBe(404);
    expect((await t.call(path, { cookie: user.cookie })).json.prebuild.build).toBeNull();
  });
});
