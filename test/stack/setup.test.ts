import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack, type TestUser } from './harness';
import { TermClient } from './terminal-client';

// The repository's setup against the real product: devcontainer.json read from a real clone, run in the
// Setup window of a real VM, watched over the terminal socket, re-run through the API.

let t: TestStack;
beforeAll(async () => {
  // A short timeout so the timeout case runs in seconds; every other setup here ends well before it.
  t = await startTestStack({ extraVars: { SETUP_TIMEOUT_MS: '8000', LIMIT_WINDOWS: '20' } });
});
afterAll(async () => {
  await t?.stop();
});

/** Commits files on main of a new origin. */
function originWith(files: Record<string, string>) {
  const origin = t.createOrigin();
  t.pushFiles(origin, files);
  return origin;
}

async function workspaceOf(
  files: Record<string, string>,
  settings?: Record<string, unknown>,
  secrets: Record<string, string> = {},
) {
  const user = await t.signUp();
  const org = await t.createOrg(user);
  const repositoryId = await t.addRepository(user, org, originWith(files));
  if (settings) {
    const r = await t.call(`/api/repositories/${repositoryId}`, {
      method: 'PATCH',
      cookie: user.cookie,
      body: settings,
    });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
  }
  for (const [name, value] of Object.entries(secrets)) {
    const r = await t.call(`/api/repositories/${repositoryId}/secrets/${name}`, {
      method: 'PUT',
      cookie: user.cookie,
      body: { value },
    });
    expect(r.status, JSON.stringify(r.json)).toBeLessThan(300);
  }
  const created = await t.call('/api/workspaces', {
    cookie: user.cookie,
    body: { organizationId: org, repositoryId, branch: 'main' },
  });
  expect(created.status).toBe(201);
  return { user, org, repositoryId, id: created.json.workspace.id as string };
}

async function waitSetup(user: TestUser, id: string, wanted: string[], timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last: any;
  while (Date.now() < deadline) {
    last = (await t.call(`/api/workspaces/${id}`, { cookie: user.cookie })).json?.workspace;
    if (last?.status === 'running' && wanted.includes(last.setup?.status)) return last;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`setup never reached ${wanted}: ${JSON.stringify(last)}`);
}

const exec = async (user: TestUser, id: string, command: string) => {
  const r = await t.call(`/api/workspaces/${id}/exec`, { cookie: user.cookie, body: { command } });
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json as { stdout: string; exitCode: number };
};

async function watchSetup(user: TestUser, id: string, windowId: string) {
  const url = t.stack.url.replace(/^http/, 'ws') + `/api/workspaces/${id}/terminals/${windowId}`;
  return TermClient.open(url, { headers: { cookie: user.cookie, origin: t.stack.url } });
}

const DEVCONTAINER = `{
  // comments and trailing commas, as VS Code writes them
  "image": "mcr.microsoft.com/devcontainers/base:bookworm",
  "features": { "ghcr.io/devcontainers/features/node:1": {} },
  "postCreateCommand": "echo installing; sleep 2; echo created > .setup-marker; echo installed",
  "postStartCommand": ["sh", "-c", "date +%s%N >> /root/poststart.log"],
  "containerEnv": { "GREETING": "hello from containerEnv", },
  "forwardPorts": [3000],
}`;

describe('setup from devcontainer.json', () => {
  it('runs in a Setup window viewers watch live, while provisioning says so; then the workspace runs', async () => {
    const w = await workspaceOf({ '.devcontainer/devcontainer.json': DEVCONTAINER });
    // Provisioning, with the command named, while the setup runs.
    let ws: any;
    for (let i = 0; i < 200; i++) {
      ws = (await t.call(`/api/workspaces/${w.id}`, { cookie: w.user.cookie })).json.workspace;
      if (ws.setup.status === 'running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(ws.status).toBe('provisioning');
    expect(ws.statusMessage).toMatch(/^Running setup: echo installing; sleep 2/);
    expect(ws.setup).toMatchObject({ status: 'running', fromPrebuild: false });
    const terminals = (await t.call(`/api/workspaces/${w.id}/terminals`, { cookie: w.user.cookie })).json
      .terminals;
    expect(terminals.map((x: any) => x.name)).toEqual(['Setup']);
    expect(terminals[0].windowId).toBe(ws.setup.windowId);
    // Two viewers watch it live.
    const [a, b] = await Promise.all([
      watchSetup(w.user, w.id, ws.setup.windowId),
      watchSetup(w.user, w.id, ws.setup.windowId),
    ]);
    await a.waitForText('installed', 15_000);
    await b.waitForText('installed', 15_000);
    expect(await a.screen()).toContain('Ignored (they do not apply to a VM): image, features');
    a.close();
    b.close();

    const done = await waitSetup(w.user, w.id, ['succeeded']);
    expect(done.setup).toMatchObject({ status: 'succeeded', exitCode: 0, windowId: ws.setup.windowId });
    expect(done.statusMessage).toBeNull();
    expect(Date.parse(done.setup.finishedAt)).toBeGreaterThanOrEqual(Date.parse(done.setup.startedAt));
    expect((await exec(w.user, w.id, 'cat .setup-marker')).stdout).toBe('created\n');
    // containerEnv reaches the workspace's commands.
    expect((await exec(w.user, w.id, 'echo "$GREETING"')).stdout).toBe('hello from containerEnv\n');
    expect((await exec(w.user, w.id, 'wc -l < /root/poststart.log')).stdout.trim()).toBe('1');

    // postStartCommand again on a start from stopped; postCreateCommand not.
    for (const action of ['pause', 'stop', 'start']) {
      const r = await t.call(`/api/workspaces/${w.id}/${action}`, { method: 'POST', cookie: w.user.cookie });
      expect(r.status, `${action}: ${JSON.stringify(r.json)}`).toBe(200);
    }
    await waitSetup(w.user, w.id, ['succeeded']);
    const lines = async () => (await exec(w.user, w.id, 'wc -l < /root/poststart.log')).stdout.trim();
    const deadline = Date.now() + 10_000;
    while ((await lines()) !== '2' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await lines()).toBe('2');
    expect((await exec(w.user, w.id, 'cat .setup-marker')).stdout).toBe('created\n');
  });

  it('a failing setup leaves the workspace running with its exit code; a re-run runs it again', async () => {
    const w = await workspaceOf({
      '.devcontainer.json': '{ "postCreateCommand": "echo checking; test -f /root/ready || exit 7" }',
    });
    const failed = await waitSetup(w.user, w.id, ['failed']);
    expect(failed.setup).toMatchObject({ status: 'failed', exitCode: 7 });
    expect(failed.setup.windowId).toBeTruthy();
    // The log stays in the Setup window.
    const log = await watchSetup(w.user, w.id, failed.setup.windowId);
    await log.waitFor(() => log.closed, 10_000, 'the exited setup to close');
    expect(log.closed?.code).toBe(4002);
    expect(await log.screen()).toContain('postCreateCommand failed (exit 7)');
    log.close();

    await exec(w.user, w.id, 'touch /root/ready');
    const rerun = await t.call(`/api/workspaces/${w.id}/setup`, { method: 'POST', cookie: w.user.cookie });
    expect(rerun.status, JSON.stringify(rerun.json)).toBe(200);
    expect(rerun.json.workspace.setup.status).toBe('running');
    // One at a time.
    const again = await t.call(`/api/workspaces/${w.id}/setup`, { method: 'POST', cookie: w.user.cookie });
    expect([200, 409]).toContain(again.status);
    const ok = await waitSetup(w.user, w.id, ['succeeded']);
    expect(ok.setup).toMatchObject({ status: 'succeeded', exitCode: 0, windowId: failed.setup.windowId });
    const terminals = (await t.call(`/api/workspaces/${w.id}/terminals`, { cookie: w.user.cookie })).json
      .terminals;
    expect(terminals.filter((x: any) => x.name === 'Setup')).toHaveLength(1);
  });

  it('a setup past its timeout is killed and reported as failed', async () => {
    const w = await workspaceOf({
      '.devcontainer.json': '{ "postCreateCommand": "echo waiting; sleep 600" }',
    });
    const failed = await waitSetup(w.user, w.id, ['failed'], 40_000);
    expect(failed.setup).toMatchObject({ status: 'failed', exitCode: null, timedOut: true });
    expect((await exec(w.user, w.id, 'pgrep -x sleep || echo none')).stdout.trim()).toBe('none');
  });

  it('a malformed devcontainer.json never blocks: the workspace runs and names the line and column', async () => {
    const w = await workspaceOf({
      '.devcontainer/devcontainer.json': '{\n  "postCreateCommand": "true"\n  "x": 1\n}',
    });
    const ws = await t.waitForStatus(w.user, w.id, ['running']);
    expect(ws.setup).toMatchObject({
      status: 'none',
      devcontainer: { path: '.devcontainer/devcontainer.json', line: 3, column: 3 },
    });
  });

  it('without the file, the setup command of the repository settings runs', async () => {
    const w = await workspaceOf(
      { Makefile: 'x:\n' },
      { setupCommand: 'echo "from-settings $API_TOKEN" > /root/settings-marker' },
      { API_TOKEN: 's3cret-value' },
    );
    await waitSetup(w.user, w.id, ['succeeded']);
    // The repository's secret reaches the setup, and no file in the VM keeps it.
    expect((await exec(w.user, w.id, 'cat /root/settings-marker')).stdout).toBe(
      'from-settings s3cret-value\n',
    );
    expect(
      (await exec(w.user, w.id, 'grep -rl s3cret-value /root/.cloud-workspace || echo clean')).stdout,
    ).toBe('clean\n');
    const none = await workspaceOf({ Makefile: 'x:\n' });
    expect((await t.waitForStatus(none.user, none.id, ['running'])).setup).toEqual({
      status: 'none',
      fromPrebuild: false,
    });
  });
});
