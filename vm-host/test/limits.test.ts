import { afterAll, beforeAll, expect, it } from 'vitest';
import { createVmClient } from '../../core/vm';
import { API_KEY, PtyClient, sleep, startTestHost, until, type TestHost } from './helpers';

let host: TestHost;
beforeAll(async () => {
  host = await startTestHost({ memoryMiB: 64, maxPids: 24 });
});
afterAll(() => host?.cleanup());

it('reports cgroup support in /health', async () => {
  expect(await (await fetch(`${host.url}/health`)).json()).toMatchObject({
    cgroups: { freezer: true, memory: true, pids: true },
  });
});

it('limits the number of processes of a VM', async () => {
  const c = createVmClient({ baseUrl: host.url, apiKey: API_KEY });
  const vm = await c.createVm();
  const r = await c.exec(vm.id, {
    command: 'for i in $(seq 60); do sleep 2 & done 2>&1; wait',
    timeoutMs: 10_000,
  });
  expect(r.stdout! + r.stderr!).toMatch(/Resource temporarily unavailable|retry: No child processes/);
});

it('limits the memory of a VM', async () => {
  const c = createVmClient({ baseUrl: host.url, apiKey: API_KEY });
  const vm = await c.createVm();
  // bash holds a 200 MB string: far over 64 MiB, so the kernel kills it.
  const r = await c.exec(vm.id, {
    command: 'x=$(head -c 200000000 /dev/zero | tr "\\0" a); echo ${#x}',
    timeoutMs: 20_000,
  });
  expect(r).toMatchObject({ stdout: '', statusCode: 137 }); // SIGKILL by the OOM killer
});

it('drops a viewer stuck over the high-water mark so the shell and other viewers go on', async () => {
  const c = createVmClient({ baseUrl: host.url, apiKey: API_KEY });
  const vm = await c.createVm();
  const open = c.ptyRequest(vm.id, { slug: 'stall' });
  const reader = await PtyClient.open(open.url, open.headers);
  const att = c.ptyAttachRequest(vm.id, 'stall');
  const stalled = await PtyClient.open(att.url, att.headers);
  host.manager.get(vm.id).sessions.stallLimitMs = 500;
  stalled.ws.pause();
  reader.write('yes stall-payload-stall-payload-stall-payload\r');
  const session = host.manager.get(vm.id).sessions.find('stall')!;
  expect(session.socketCount).toBe(2);
  // A paused client does not even notice; the server has let go of it.
  await until(() => session.socketCount === 1, 'stalled viewer dropped', 15_000);
  const before = reader.bytes;
  await sleep(300);
  expect(reader.bytes).toBeGreaterThan(before + 1_000_000);
  reader.write('\x03');
  reader.write('echo back-$((1+1))\r');
  await reader.waitFor('back-2', 15_000);
  reader.close();
});
