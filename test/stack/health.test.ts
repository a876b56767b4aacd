import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TerminalServerMsg } from '../../core/protocol';
import { startTestStack, type TestStack, type TestUser } from './harness';
import { TermClient } from './terminal-client';
import { killVmProcesses } from '../../vm-host/test/helpers';

// Nothing dies silently, on the real product at its real pace (no ROOM_WATCH_MS: every 10 s while a
// terminal is open): an OOM kill is named on the terminal socket, and a VM whose processes were killed
// or whose VM host died is a crash (`vm_crashed`), and Retry brings it back with its files. The waits
// are bounds, not measurements: `npm run bench` times the detection.

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({ vmMemoryMiB: 256 });
});
afterAll(async () => {
  await t?.stop();
});

async function terminal(user: TestUser, workspaceId: string) {
  const win = await t.call(`/api/workspaces/${workspaceId}/terminals`, { cookie: user.cookie, body: {} });
  const url = `${t.stack.url.replace(/^http/, 'ws')}/api/workspaces/${workspaceId}/terminals/${win.json.windowId}?cols=80&rows=24`;
  const viewer = await TermClient.open(url, { headers: { cookie: user.cookie, origin: t.stack.url } });
  await viewer.waitForMessage('screen', 0, 20_000);
  return viewer;
}

const exec = (user: TestUser, id: string, command: string) =>
  t.call(`/api/workspaces/${id}/exec`, { cookie: user.cookie, body: { command, timeoutMs: 60_000 } });

async function crashedWithin(user: TestUser, id: string, ms: number) {
  const ws = await t.waitForStatus(user, id, ['error'], ms);
  expect(ws.statusCode).toBe('vm_crashed');
  return ws;
}

async function retryKeepsFiles(user: TestUser, id: string) {
  const retry = await t.call(`/api/workspaces/${id}/retry`, { cookie: user.cookie, method: 'POST' });
  expect(retry.status).toBe(200);
  const back = await t.waitForStatus(user, id, ['running'], 30_000);
  expect(back.statusCode).toBeNull();
  const r = await exec(user, id, 'cat /workspace/saved.txt && git -C /workspace log -1 --format=%s');
  expect(r.json.stdout).toBe('mine\nmy commit\n');
}

describe('health of a running workspace', () => {
  it('names the process the OOM killer ended, on the terminal socket, within 10 s', async () => {
    const { user, workspace } = await t.runningWorkspace();
    const viewer = await terminal(user, workspace.id);
    const r = await exec(
      user,
      workspace.id,
      `node -e 'const a = []; for (;;) a.push(Buffer.alloc(1 << 20, 1))'`,
    );
    expect(r.json.exitCode).toBe(137);
    const event = await viewer.waitFor(
      () =>
        viewer.messages.find(
          (m): m is Extract<TerminalServerMsg, { type: 'event' }> =>
            m.type === 'event' && m.event.type === 'out_of_memory',
        ),
      15_000,
      'the out_of_memory event',
    );
    expect(event.event.message).toBe('Out of memory: node was killed (limit 256 MiB)');
    const health = viewer.messages.filter((m) => m.type === 'health').at(-1) as Extract<
      TerminalServerMsg,
      { type: 'health' }
    >;
    expect(health.health.memory?.limitBytes).toBe(256 * 1024 * 1024);
    expect(health.health.disk?.quotaBytes).toBe(16384 * 1024 * 1024);
    viewer.close();
  });

  it("is a crash (vm_crashed) within 10 s when the VM's processes are killed; Retry keeps the files", async () => {
    const { user, workspace } = await t.runningWorkspace();
    const setup = await exec(
      user,
      workspace.id,
      'cd /workspace && echo mine > saved.txt && git add saved.txt && git -c user.name=t -c user.email=t@t commit -qm "my commit"',
    );
    expect(setup.json.exitCode).toBe(0);
    const viewer = await terminal(user, workspace.id);
    expect(killVmProcesses(workspace.freestyleVmId)).toBeGreaterThan(1);
    const ws = await crashedWithin(user, workspace.id, 15_000);
    expect(ws.statusMessage).toMatch(/VM stopped unexpectedly \(its processes died\)/);
    await viewer.waitFor(() => viewer.closed, 10_000, 'the terminal to close');
    await retryKeepsFiles(user, workspace.id);
  });

  it('is a crash (vm_crashed) within 10 s of its VM host coming back after being killed; Retry keeps the files', async () => {
    const { user, workspace } = await t.runningWorkspace();
    const setup = await exec(
      user,
      workspace.id,
      'cd /workspace && echo mine > saved.txt && git add saved.txt && git -c user.name=t -c user.email=t@t commit -qm "my commit"',
    );
    expect(setup.json.exitCode).toBe(0);
    const viewer = await terminal(user, workspace.id);
    const part = t.stack.vmHost as unknown as { pid?: number };
    process.kill(part.pid!, 'SIGKILL');
    // The supervisor restarts it; its VMs come back stopped, and the room sees that at its next check.
    const deadline = Date.now() + 60_000;
    while (
      Date.now() < deadline &&
      !(await fetch(`${t.stack.vmHostUrl}/health`).then(
        (r) => r.ok,
        () => false,
      ))
    )
      await new Promise((r) => setTimeout(r, 200));
    // The dropped viewer attaches again, as a browser reconnects: someone is connected.
    await viewer.waitFor(() => viewer.closed, 10_000, 'the terminal to drop');
    const again = await terminal(user, workspace.id).catch(() => undefined);
    const ws = await crashedWithin(user, workspace.id, 20_000);
    expect(ws.statusMessage).toMatch(/VM stopped unexpectedly \(its VM host restarted\)/);
    again?.close();
    await retryKeepsFiles(user, workspace.id);
  });
});
