import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from './harness';

// The VM host restarts and its VMs come back stopped: the product must not go on claiming they run.
// ROOM_WATCH_MS makes the rooms compare every second, not minute. A clean restart (SIGTERM to the VM
// host's process group, as Ctrl-C of `npm start` sends) stopped them on purpose: the workspace is
// `stopped` with the reason, and Start brings it back with its files. A VM that stopped without the
// room or its host asking has crashed: `error` with `vm_crashed` (test/stack/health.test.ts kills the
// VM host with SIGKILL for that).

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({ extraVars: { ROOM_WATCH_MS: '1000' } });
});
afterAll(async () => {
  await t?.stop();
});

const vmHost = (path: string, method = 'GET') =>
  fetch(`${t.stack.vmHostUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${t.stack.vmHostApiKey}`, 'content-type': 'application/json' },
    body: method === 'POST' ? '{}' : undefined,
  });

describe('a workspace whose VM changed behind its back', () => {
  it('is stopped, not crashed, after a clean VM host restart, says why, and Start brings it back with its files', async () => {
    const { user, org, workspace } = await t.runningWorkspace();
    const paused = await t.runningWorkspace();
    const exec = (id: string, command: string) =>
      t.call(`/api/workspaces/${id}/exec`, { cookie: user.cookie, body: { command } });
    expect((await exec(workspace.id, 'echo kept > notes.txt')).status).toBe(200);
    const pause = await t.call(`/api/workspaces/${paused.workspace.id}/pause`, {
      cookie: paused.user.cookie,
      method: 'POST',
    });
    expect(pause.json.workspace.status).toBe('paused');

    await t.stack.vmHost.stop(); // SIGTERM to its process group, as `npm start` stops its parts
    await t.stack.vmHost.start();
    for (const [u, id] of [
      [user, workspace.id],
      [paused.user, paused.workspace.id],
    ] as const) {
      const stopped = await t.waitForStatus(u, id, ['stopped', 'error'], 20_000);
      expect(stopped).toMatchObject({ status: 'stopped', statusCode: 'vm_host_stopped' });
      expect(stopped.statusMessage).toMatch(/VM host shut down.*Files are kept: Start brings it back/);
    }
    // The audit trail says what the room did, and why.
    const audit = await t.call(`/api/organizations/${org}/audit`, { cookie: user.cookie });
    expect(audit.status).toBe(200);
    expect(JSON.stringify(audit.json)).toContain('vm_host_stopped');

    const started = await t.call(`/api/workspaces/${workspace.id}/start`, {
      cookie: user.cookie,
      method: 'POST',
    });
    expect(started.status).toBe(200);
    expect(started.json.workspace).toMatchObject({ status: 'running', statusMessage: null });
    const r = await exec(workspace.id, 'cat notes.txt');
    expect(r.json.stdout).toBe('kept\n');
    // Running again, it stays so: the room does not take the old shutdown for a new crash.
    await new Promise((res) => setTimeout(res, 2500));
    const ws = await t.call(`/api/workspaces/${workspace.id}`, { cookie: user.cookie });
    expect(ws.json.workspace.status).toBe('running');
  });

  it("answers a pause of a workspace whose VM already stopped with the truth, not the VM host's text", async () => {
    const { user, workspace } = await t.runningWorkspace();
    expect((await vmHost(`/v5/vms/${workspace.freestyleVmId}/stop`, 'POST')).status).toBe(200);
    const pause = await t.call(`/api/workspaces/${workspace.id}/pause`, {
      cookie: user.cookie,
      method: 'POST',
    });
    // Either the room already noticed (409: a VM that stopped unasked crashed, so it is in error) or
    // the pause finds it stopped (200).
    if (pause.status === 200) {
      expect(pause.json.workspace.status).toBe('stopped');
    } else {
      expect(pause.status).toBe(409);
      expect(pause.json.error).toMatchObject({ code: 'invalid_transition', status: 'error' });
    }
    expect(JSON.stringify(pause.json)).not.toMatch(/cannot pause VM/);
  });

  it('pauses again a VM that runs for a paused workspace', async () => {
    const { user, workspace } = await t.runningWorkspace();
    const pause = await t.call(`/api/workspaces/${workspace.id}/pause`, {
      cookie: user.cookie,
      method: 'POST',
    });
    expect(pause.json.workspace.status).toBe('paused');
    expect((await vmHost(`/v5/vms/${workspace.freestyleVmId}/start`, 'POST')).status).toBe(200);
    const deadline = Date.now() + 15_000;
    let state = '';
    while (Date.now() < deadline) {
      state = (await (await vmHost(`/v5/vms/${workspace.freestyleVmId}`)).json()).state;
      if (state === 'paused') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(state).toBe('paused');
    const ws = await t.call(`/api/workspaces/${workspace.id}`, { cookie: user.cookie });
    expect(ws.json.workspace.status).toBe('paused');
  });
});
