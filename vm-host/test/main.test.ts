import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { createVmClient } from '../../core/vm';
import { ByteRing } from '../src/ring';
import { PtyClient, runMain, until } from './helpers';

it('main.ts: logs one ready line, stops cleanly on SIGTERM and keeps VMs for the next start', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vm-host-main-'));
  const env = {
    VM_HOST_API_KEY: 'main-key',
    VM_HOST_PORT: '0',
    VM_HOST_SSH_PORT: '0',
    VM_HOST_DATA_DIR: dataDir,
  };
  try {
    const first = runMain(env);
    const url = (await until(() => /ready on (http:\S+)/.exec(first.output())?.[1], 'ready line', 20_000))!;
    const c = createVmClient({ baseUrl: url, apiKey: 'main-key' });
    const vm = await c.createVm({ slug: 'persist' });
    const pty = await PtyClient.open(c.ptyRequest(vm.id).url, c.ptyRequest(vm.id).headers);
    pty.write('sleep 1000\r');
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output().match(/ready on/g)).toHaveLength(1);
    await until(() => pty.closeCode !== undefined, 'socket closed');

    const second = runMain(env);
    const url2 = (await until(() => /ready on (http:\S+)/.exec(second.output())?.[1], 'ready line', 20_000))!;
    const c2 = createVmClient({ baseUrl: url2, apiKey: 'main-key' });
    expect(await c2.getVm('persist')).toMatchObject({ id: vm.id, state: 'stopped' });
    await c2.deleteVm(vm.id); // also removes its cgroups
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

it('main.ts refuses to start without an API key', async () => {
  const r = runMain({ VM_HOST_API_KEY: '' });
  expect(await r.exited).toBe(2);
  expect(r.output()).toContain('VM_HOST_API_KEY is required');
});

it('ByteRing keeps exactly the last N bytes', () => {
  const ring = new ByteRing(10);
  ring.push(Buffer.from('abcdef'));
  ring.push(Buffer.from('ghijkl'));
  expect(ring.snapshot().toString()).toBe('cdefghijkl');
  ring.push(Buffer.from('0123456789XYZ'));
  expect(ring.snapshot().toString()).toBe('3456789XYZ');
  ring.push(Buffer.from('!'));
  expect(ring.snapshot().toString()).toBe('456789XYZ!');
  expect(ring.length).toBe(10);
});
