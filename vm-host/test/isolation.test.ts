import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createVmClient } from '../../core/vm';
import { API_KEY, startTestHost, type TestHost } from './helpers';

let host: TestHost;
let shared: string;
beforeAll(async () => {
  shared = mkdtempSync(join(tmpdir(), 'vm-host-ro-'));
  writeFileSync(join(shared, 'hello.txt'), 'shared content\n');
  host = await startTestHost({ readonlyPaths: [shared] });
});
afterAll(async () => {
  await host?.cleanup();
  rmSync(shared, { recursive: true, force: true });
});

it('runs under bubblewrap on this machine', async () => {
  const health = await (await fetch(`${host.url}/health`)).json();
  expect(health).toMatchObject({ ok: true, isolation: 'bubblewrap' });
});

it('a VM sees neither another VM, the data dir, host secrets nor the host env', async () => {
  const c = createVmClient({ baseUrl: host.url, apiKey: API_KEY });
  const a = await c.createVm();
  const b = await c.createVm();
  await c.exec(b.id, { command: 'echo b-secret > /root/secret.txt' });
  const bFile = join(host.dataDir, 'vms', b.id, 'disk', 'root', 'secret.txt');

  process.env.VM_HOST_TEST_SECRET = 'host-secret-value';
  try {
    const probe = [
      `cat ${bFile} 2>&1`,
      `ls ${host.dataDir} 2>&1`,
      'cat /root/secret.txt 2>&1',
      'env',
      'cat /proc/*/environ 2>/dev/null | tr "\\0" "\\n"',
      'cat /etc/shadow 2>&1',
      `ls ${process.cwd()} 2>&1`,
      'ls /proc | grep -c "^[0-9]"',
    ].join('; echo ---; ');
    const r = await c.exec(a.id, { command: probe, env: { ASKED_FOR: 'yes' } });
    const parts = r.stdout!.split('---\n');
    expect(parts[0]).toMatch(/No such file or directory/);
    expect(parts[1]).toMatch(/No such file or directory/);
    expect(parts[2]).toMatch(/No such file or directory/);
    expect(parts[3]).toContain('ASKED_FOR=yes');
    expect(r.stdout).not.toContain('host-secret-value');
    expect(r.stdout).not.toContain(API_KEY);
    expect(parts[5]).toMatch(/Permission denied|No such file/);
    expect(parts[6]).toMatch(/No such file or directory/);
    // Its own PID namespace: only a handful of its own processes.
    expect(Number(parts[7])).toBeLessThan(10);
  } finally {
    delete process.env.VM_HOST_TEST_SECRET;
  }
  // B's file is B's.
  expect((await c.exec(b.id, { command: 'cat /root/secret.txt' })).stdout).toBe('b-secret\n');
});

it('the system and configured read-only paths are readable but not writable; the VM dirs are writable', async () => {
  const c = createVmClient({ baseUrl: host.url, apiKey: API_KEY });
  const vm = await c.createVm();
  const r = await c.exec(vm.id, {
    command: [
      `cat ${shared}/hello.txt`,
      `touch ${shared}/new 2>&1 || true`,
      'touch /usr/evil 2>&1 || true',
      'touch /etc/evil 2>&1 || true',
      'touch /root/a /workspace/b /tmp/c && echo writable',
    ].join('; '),
  });
  expect(r.stdout).toContain('shared content');
  expect(r.stdout!.match(/Read-only file system/g)).toHaveLength(3);
  expect(r.stdout).toContain('writable');
});
