import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from './harness';

// The VM host restarts (as after Ctrl-C and `npm start`) and its VMs come back stopped: the product
// must not go on claiming they run. ROOM_WATCH_MS makes the rooms compare every second, not minute.

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
  it('is recorded as stopped after the VM host restarts, and starts again with its files', async () => {
    const { user, workspace } = await t.runningWorkspace();
    const exec = (command: string) =>
      t.call(`/api/workspaces/${workspace.id}/exec`, { cookie: user.cookie, body: { command } });
    expect((await exec('echo kept > notes.txt')).status).toBe(200);

    await t.stack.vmHost.stop();
    await t.stack.vmHost.start();
    const stopped = await t.waitForStatus(user, workspace.id, ['stopped'], 20_000);
    expect(stopped.statusMessage).toMatch(/VM stopped .*files are kept/);

    const started = await t.call(`/api/workspaces/${workspace.id}/start`, {
      cookie: user.cookie,
      method: 'POST',
    });
    expect(started.status).toBe(200);
    expect(started.json.workspace.status).toBe('running');
    const r = await exec('cat notes.txt');
    expect(r.json.stdout).toBe('kept\n');
  });

  it("answers a pause of a workspace whose VM already stopped with the truth, not the VM host's text", async () => {
    const { user, workspace } = await t.runningWorkspace();
    expect((await vmHost(`/v5/vms/${workspace.freestyleVmId}/stop`, 'POST')).status).toBe(200);
    const pause = await t.call(`/api/workspaces/${workspace.id}/pause`, {
      cookie: user.cookie,
      method: 'POST',
    });
    // Either the room already noticed (409: it is stopped) or the pause finds it stopped (200).
    if (pause.status === 200) {
      expect(pause.json.workspace.status).toBe('stopped');
    } else {
      expect(pause.status).toBe(409);
      expect(pause.json.error).toMatchObject({ code: 'invalid_transition', status: 'stopped' });
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
