import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from './harness';

// The VM host restarts (as after Ctrl-C and `npm start`) and its VMs come back stopped: the product
// must not go on claiming they run. ROOM_WATCH_MS makes the rooms compare every second, not minute.
// A VM that stopped without the room asking has crashed: `error` with `vm_crashed` (it used to be
// recorded `stopped`; a crash is an error people must see), and Retry boots it from its files.

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
  it('is put in error (vm_crashed) after the VM host restarts, and Retry brings it back with its files', async () => {
    const { user, workspace } = await t.runningWorkspace();
    const exec = (command: string) =>
      t.call(`/api/workspaces/${workspace.id}/exec`, { cookie: user.cookie, body: { command } });
    expect((await exec('echo kept > notes.txt')).status).toBe(200);

    await t.stack.vmHost.stop();
    await t.stack.vmHost.start();
    const crashed = await t.waitForStatus(user, workspace.id, ['error'], 20_000);
    expect(crashed.statusCode).toBe('vm_crashed');
    expect(crashed.statusMessage).toMatch(
      /VM stopped unexpectedly \(its VM host restarted\).*from its files/,
    );

    const retried = await t.call(`/api/workspaces/${workspace.id}/retry`, {
      cookie: user.cookie,
      method: 'POST',
    });
    expect(retried.status).toBe(200);
    await t.waitForStatus(user, workspace.id, ['running'], 30_000);
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
