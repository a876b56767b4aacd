import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SshAccessResponse } from '../../core/api/ssh';
import { createVmClient } from '../../core/vm';
import { run, sshOptions } from '../../vm-host/test/ssh-client';
import { startTestStack, type TestStack } from './harness';

// Freestyle's tokens live until revoked: the room deletes each SSH identity when its time is up.

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({ extraVars: { SSH_TOKEN_TTL_SECONDS: '2' } });
});
afterAll(() => t.stop());

it("deletes an SSH identity on the room's alarm once its token expires", async () => {
  const { user, workspace } = await t.runningWorkspace();
  const a = (await t.call(`/api/workspaces/${workspace.id}/ssh`, { cookie: user.cookie, body: {} }))
    .json as SshAccessResponse;
  expect(Date.parse(a.expiresAt) - Date.now()).toBeLessThanOrEqual(2000);
  expect((await run('ssh', [...sshOptions(a.port, a.user), a.host, 'true'])).code).toBe(0);

  const vm = createVmClient({ baseUrl: t.stack.vmHostUrl, apiKey: t.stack.vmHostApiKey });
  expect((await vm.listIdentities()).total).toBe(1);
  const deadline = Date.now() + 15_000;
  while ((await vm.listIdentities()).total > 0 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 200));
  expect((await vm.listIdentities()).total).toBe(0);
  expect((await run('ssh', [...sshOptions(a.port, a.user), a.host, 'true'])).code).toBe(255);
});
