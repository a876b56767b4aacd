import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from './harness';
import { TermClient } from './terminal-client';

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => {
  await t?.stop();
});

describe('a terminal when the VM host dies', () => {
  it('tells the viewer at once instead of hanging, and works again once the host is back', async () => {
    const { user, workspace } = await t.runningWorkspace();
    const win = await t.call(`/api/workspaces/${workspace.id}/terminals`, { cookie: user.cookie, body: {} });
    const url = `${t.stack.url.replace(/^http/, 'ws')}/api/workspaces/${workspace.id}/terminals/${win.json.windowId}?cols=80&rows=24`;
    const open = () => TermClient.open(url, { headers: { cookie: user.cookie, origin: t.stack.url } });

    const viewer = await open();
    await viewer.waitForMessage('screen', 0, 20_000);
    viewer.type('echo before-$((1+1))\r');
    await viewer.waitForText('before-2');

    const died = Date.now();
    await t.stack.vmHost.stop();
    try {
      await viewer.waitFor(() => viewer.closed, 10_000, 'the relay to close the viewer');
      expect(Date.now() - died).toBeLessThan(5_000);
      // A host that shuts down ends its shells (4002 "shell exited"); one that vanishes drops the socket
      // (4003 "terminal unavailable"). Either way the viewer knows, and may attach again.
      expect([4002, 4003]).toContain(viewer.closed!.code);

      // While it is down, attaching is answered (an error, a refusal), never left hanging.
      const attempt = await open().catch((err: Error) => err);
      if (attempt instanceof TermClient) {
        await attempt.waitFor(() => attempt.closed, 10_000, 'a refusal while the host is down');
        expect(attempt.messages.some((m) => m.type === 'screen')).toBe(false);
      }
    } finally {
      await t.stack.vmHost.start();
    }

    // The host stopped the VM's processes on its way down (a clean shutdown, as Ctrl-C of `npm start`):
    // the room tells the workspace stopped, with why (a killed host is a crash: health.test.ts). A
    // viewer attaching again is connected, so it is seen within 10 s, and closed.
    const reattached = await open().catch(() => undefined);
    const stopped = await t.waitForStatus(user, workspace.id, ['stopped', 'error'], 20_000);
    expect(stopped).toMatchObject({ status: 'stopped', statusCode: 'vm_host_stopped' });
    reattached?.close();
    // Start boots the same VM: not the files, so a new shell in the same clone.
    const start = await t.call(`/api/workspaces/${workspace.id}/start`, {
      cookie: user.cookie,
      method: 'POST',
    });
    expect(start.status).toBe(200);
    await t.waitForStatus(user, workspace.id, ['running'], 30_000);
    const again = await open();
    await again.waitForMessage('screen', 0, 20_000);
    again.type('ls README.md && echo after-$((2+2))\r');
    await again.waitForText('after-4');
    again.close();
  });
});
