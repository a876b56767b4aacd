import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createVmClient } from '../../core/vm';
import { API_KEY, PtyClient, sleep, startTestHost, until, type TestHost } from './helpers';

let host: TestHost;
beforeAll(async () => {
  host = await startTestHost();
});
afterAll(() => host?.cleanup());

const counterLoop = 'i=0; while true; do i=$((i+1)); echo $i > /root/counter; sleep 0.05; done';

it('pause freezes every process, start thaws, stop ends them and keeps files, delete removes all', async () => {
  const c = createVmClient({ baseUrl: host.url, apiKey: API_KEY });
  const vm = await c.createVm();
  const counterFile = join(host.dataDir, 'vms', vm.id, 'disk', 'root', 'counter');
  const read = () => (existsSync(counterFile) ? Number(readFileSync(counterFile, 'utf8').trim() || 0) : 0);

  const { url, headers } = c.ptyRequest(vm.id, { exec: counterLoop, slug: 'loop' });
  const pty = await PtyClient.open(url, headers);
  await until(() => read() > 3, 'counter running');

  expect((await c.pauseVm(vm.id)).state).toBe('paused');
  const frozenAt = read();
  await sleep(400);
  expect(read()).toBe(frozenAt);
  expect((await c.getVm(vm.id)).state).toBe('paused');
  // Paused VMs refuse new work: the product resumes first.
  await expect(c.exec(vm.id, { command: 'true' })).rejects.toMatchObject({ status: 409, code: 'VM_PAUSED' });
  const refused = await PtyClient.open(c.ptyRequest(vm.id).url, headers).catch(
    (e: { status: number }) => e.status,
  );
  expect(refused).toBe(409);
  // Pausing again is harmless.
  expect((await c.pauseVm(vm.id)).state).toBe('paused');

  expect((await c.startVm(vm.id)).state).toBe('running');
  await until(() => read() > frozenAt + 3, 'counter advancing again');

  expect((await c.stopVm(vm.id)).state).toBe('stopped');
  expect(host.manager.pidsOf(host.manager.get(vm.id))).toEqual([]);
  await until(() => pty.closeCode !== undefined, 'PTY socket closed on stop');
  expect((await c.listPtySessions(vm.id)).sessions).toEqual([]);
  const stoppedAt = read();
  await sleep(200);
  expect(read()).toBe(stoppedAt);
  expect(existsSync(counterFile)).toBe(true);

  // A stopped VM boots on demand (as a Freestyle VM wakes on a request); its files are still there.
  const r = await c.exec(vm.id, { command: 'cat /root/counter' });
  expect(Number(r.stdout)).toBe(stoppedAt);
  expect((await c.getVm(vm.id)).state).toBe('running');

  await c.deleteVm(vm.id);
  expect(existsSync(join(host.dataDir, 'vms', vm.id))).toBe(false);
  await expect(c.getVm(vm.id)).rejects.toMatchObject({ status: 404 });
  const list = await c.listVms();
  expect(list.vms.find((v) => v.id === vm.id)).toBeUndefined();
});

it('keeps VM state across a host restart: VMs come back stopped, files kept, usable again', async () => {
  const first = await startTestHost();
  const c1 = createVmClient({ baseUrl: first.url, apiKey: API_KEY });
  const vm = await c1.createVm({ slug: 'keeper' });
  await c1.exec(vm.id, { command: 'echo kept > /workspace/file' });
  const pty = await PtyClient.open(c1.ptyRequest(vm.id, { slug: 'shell' }).url, c1.ptyRequest(vm.id).headers);
  await first.close();
  await until(() => pty.closeCode !== undefined, 'socket closed on shutdown');

  const second = await startTestHost({ dataDir: first.dataDir });
  try {
    const c2 = createVmClient({ baseUrl: second.url, apiKey: API_KEY });
    const again = await c2.getVm('keeper');
    expect(again).toMatchObject({ id: vm.id, state: 'stopped', slug: 'keeper' });
    expect((await c2.exec(vm.id, { command: 'cat /workspace/file' })).stdout).toBe('kept\n');
  } finally {
    await second.cleanup();
  }
});
