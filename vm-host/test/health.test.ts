import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVmClient, type LocalVmStats } from '../../core/vm';
import { API_KEY, killVmProcesses, runMain, sleep, startTestHost, until, type TestHost } from './helpers';

// Each VM's disk quota is enforced (ENOSPC inside the VM), and the host reports per VM what Freestyle's
// API does not: memory used and limit, OOM kills with the victim's name, disk used and quota, CPU time,
// and a crash (every process of the VM died, or its host was killed) apart from a clean shutdown of its host.

const MiB = 1024 * 1024;
let host: TestHost;
const client = () => createVmClient({ baseUrl: host.url, apiKey: API_KEY });
const local = async (id: string) => (await client().getVm(id)).local as LocalVmStats;

beforeAll(async () => {
  host = await startTestHost({ memoryMiB: 96, diskMiB: 48 });
});
afterAll(() => host?.cleanup());

describe('disk quota', () => {
  it('is a loop-mounted ext4 image per VM here, and /health says so', async () => {
    expect(await (await fetch(`${host.url}/health`)).json()).toMatchObject({ diskQuota: 'ext4-loop' });
  });

  it('fails writes past the quota with ENOSPC inside the VM, and reports the disk full', async () => {
    const c = client();
    const vm = await c.createVm();
    expect(vm.resources.storage).toBe(48);
    const before = await local(vm.id);
    expect(before.disk).toMatchObject({ quotaBytes: 48 * MiB, enforced: true });
    expect(before.disk.usedBytes).toBeLessThan(8 * MiB);

    const r = await c.exec(vm.id, {
      command: 'dd if=/dev/zero of=/workspace/fill bs=1M count=100 2>&1; echo status=$?',
      timeoutMs: 30_000,
    });
    expect(r.stdout).toMatch(/No space left on device/);
    expect(r.stdout).toMatch(/status=1/);
    const full = await local(vm.id);
    expect(full.disk.freeBytes).toBeLessThan(MiB);
    expect(full.disk.usedBytes).toBeGreaterThan(47 * MiB);

    // /root and /tmp share the same quota; freeing space makes writes work again.
    const again = await c.exec(vm.id, {
      command: 'echo x > /tmp/t 2>&1 || echo refused; rm /workspace/fill; echo y > /root/ok && cat /root/ok',
    });
    expect(again.stdout).toMatch(/y\n$/);
    expect((await local(vm.id)).disk.usedBytes).toBeLessThan(8 * MiB);
  });

  it('migrates an old VM whose disk is a plain directory into an image, files kept', async () => {
    const dataDir = host.dataDir + '-old';
    const old = await startTestHost({ dataDir, diskQuota: 'none', diskMiB: 32 });
    const c = createVmClient({ baseUrl: old.url, apiKey: API_KEY });
    const vm = await c.createVm();
    await c.exec(vm.id, { command: 'echo from-before > /workspace/kept; ln -s kept /workspace/link' });
    expect((await c.getVm(vm.id)).local?.disk.enforced).toBe(false);
    await old.close();

    const upgraded = await startTestHost({ dataDir });
    try {
      const c2 = createVmClient({ baseUrl: upgraded.url, apiKey: API_KEY });
      const r = await c2.exec(vm.id, {
        command: 'cat /workspace/link; dd if=/dev/zero of=/workspace/f bs=1M count=64 2>&1',
      });
      expect(r.stdout).toMatch(/^from-before\n/);
      expect(r.stdout).toMatch(/No space left on device/);
      expect((await c2.getVm(vm.id)).local?.disk).toMatchObject({ enforced: true, quotaBytes: 32 * MiB });
    } finally {
      await upgraded.cleanup();
    }
  });
});

describe('memory, OOM kills and CPU', () => {
  it('names the process the OOM killer ended, and counts it', async () => {
    const c = client();
    const vm = await c.createVm();
    expect((await local(vm.id)).oomKills).toEqual({ count: 0, last: null });
    const r = await c.exec(vm.id, {
      command: "python3 -c 'x = bytearray(400 * 1024 * 1024)'; echo status=$?",
      timeoutMs: 30_000,
    });
    expect(r.stdout).toMatch(/status=137/);
    const stats = await local(vm.id);
    expect(stats.oomKills?.count).toBe(1);
    expect(stats.oomKills?.last).toMatchObject({ process: 'python3' });
    expect(stats.memory?.limitBytes).toBe(96 * MiB);
    // The VM goes on: its init was not the victim.
    expect((await c.getVm(vm.id)).state).toBe('running');
  });

  it('reports memory in use and CPU time', async () => {
    const c = client();
    const vm = await c.createVm();
    await c.exec(vm.id, { command: 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done' });
    const data = await c.getVm(vm.id);
    expect(data.cpuTimeSeconds).toBeGreaterThan(0.05);
    expect(data.local?.memory?.usedBytes).toBeGreaterThan(0);
  });
});

describe('crashes', () => {
  it('marks a VM whose processes were all killed stopped, with the reason; start boots it with its files', async () => {
    const c = client();
    const vm = await c.createVm();
    await c.exec(vm.id, { command: 'echo saved > /workspace/notes' });
    expect(killVmProcesses(vm.id)).toBeGreaterThan(0); // its init, at least
    await until(async () => (await c.getVm(vm.id)).state === 'stopped', 'VM marked stopped', 5_000);
    expect((await local(vm.id)).crash).toMatchObject({ reason: 'processes_died' });

    expect((await c.startVm(vm.id)).state).toBe('running');
    expect((await local(vm.id)).crash).toBeNull();
    expect((await c.exec(vm.id, { command: 'cat /workspace/notes' })).stdout).toBe('saved\n');
  });

  it('is not a crash when the VM is stopped on purpose', async () => {
    const c = client();
    const vm = await c.createVm();
    await c.stopVm(vm.id);
    await sleep(100);
    expect((await local(vm.id)).crash).toBeNull();
  });

  it('forgets a crash for good once the VM is stopped on purpose, also across a host restart', async () => {
    const dataDir = host.dataDir + '-stopped-crash';
    const first = await startTestHost({ dataDir });
    const c1 = createVmClient({ baseUrl: first.url, apiKey: API_KEY });
    const vm = await c1.createVm();
    await c1.exec(vm.id, { command: 'true' }); // up, its init in its cgroups
    expect(killVmProcesses(vm.id)).toBeGreaterThan(0);
    await until(async () => (await c1.getVm(vm.id)).local?.crash, 'the crash noticed', 5_000);
    expect((await c1.stopVm(vm.id)).local?.crash).toBeNull();
    await first.close();
    const second = await startTestHost({ dataDir });
    try {
      const data = await createVmClient({ baseUrl: second.url, apiKey: API_KEY }).getVm(vm.id);
      expect(data.state).toBe('stopped');
      expect(data.local).toMatchObject({ crash: null, hostShutdown: null });
    } finally {
      await second.cleanup();
    }
  });

  it('says a VM crashed when its host was killed (SIGKILL) and started again', async () => {
    const dataDir = host.dataDir + '-killed';
    const env = {
      VM_HOST_API_KEY: API_KEY,
      VM_HOST_PORT: '0',
      VM_HOST_SSH_PORT: '0',
      VM_HOST_DATA_DIR: dataDir,
    };
    const first = runMain(env);
    try {
      const url = (await until(() => /ready on (http:\S+)/.exec(first.output())?.[1], 'ready line', 20_000))!;
      const vm = await createVmClient({ baseUrl: url, apiKey: API_KEY }).createVm();
      first.child.kill('SIGKILL');
      await first.exited;
      const second = await startTestHost({ dataDir });
      try {
        const data = await createVmClient({ baseUrl: second.url, apiKey: API_KEY }).getVm(vm.id);
        expect(data.state).toBe('stopped');
        expect(data.local?.crash).toMatchObject({ reason: 'host_restarted' });
        expect(data.local?.hostShutdown).toBeNull();
      } finally {
        await second.cleanup();
      }
    } finally {
      first.child.kill('SIGKILL');
    }
  });

  it('says a running or paused VM was stopped by a clean shutdown of its host, not crashed, until started', async () => {
    const dataDir = host.dataDir + '-shutdown';
    const first = await startTestHost({ dataDir });
    const c1 = createVmClient({ baseUrl: first.url, apiKey: API_KEY });
    const running = await c1.createVm();
    const paused = await c1.createVm();
    await c1.pauseVm(paused.id);
    const stopped = await c1.createVm();
    await c1.stopVm(stopped.id);
    await first.close();
    const second = await startTestHost({ dataDir });
    try {
      const c2 = createVmClient({ baseUrl: second.url, apiKey: API_KEY });
      for (const id of [running.id, paused.id]) {
        const data = await c2.getVm(id);
        expect(data.state).toBe('stopped');
        expect(data.local?.crash).toBeNull();
        expect(data.local?.hostShutdown).toMatchObject({ at: expect.any(String) });
      }
      // A VM that was already stopped was not stopped by the shutdown.
      expect((await c2.getVm(stopped.id)).local?.hostShutdown).toBeNull();
      // Asked to start, it is an ordinary running VM again.
      await c2.startVm(running.id);
      expect((await c2.getVm(running.id)).local).toMatchObject({ crash: null, hostShutdown: null });
    } finally {
      await second.cleanup();
    }
  });
});
