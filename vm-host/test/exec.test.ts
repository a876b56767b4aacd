import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVmClient } from '../../core/vm';
import { API_KEY, PtyClient, startTestHost, type TestHost } from './helpers';

/** Host pids whose command line contains `marker` (VM processes are host processes too). */
function hostPidsWith(marker: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').includes(marker))
        out.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return out.filter((p) => p !== process.pid);
}

describe.each(['bubblewrap', 'none'] as const)('exec with isolation %s', (isolation) => {
  let host: TestHost;
  beforeAll(async () => {
    host = await startTestHost({ isolation });
  });
  afterAll(() => host?.cleanup());

  it('a timeout kills the whole process tree and reports statusCode null', async () => {
    const c = createVmClient({ baseUrl: host.url, apiKey: API_KEY });
    const vm = await c.createVm();
    const marker = `marker-${Math.random().toString(36).slice(2)}`;
    const started = Date.now();
    const r = await c.exec(vm.id, {
      command: `(exec -a ${marker} sleep 1000) & (sh -c "exec -a ${marker}-grandchild sleep 1000" &) ; echo started; sleep 1000`,
      timeoutMs: 800,
    });
    expect(r.statusCode).toBeNull();
    expect(r.stdout).toBe('started\n');
    expect(Date.now() - started).toBeLessThan(5000);
    await new Promise((res) => setTimeout(res, 100));
    expect(hostPidsWith(marker)).toEqual([]);
  });

  it('runs a PTY shell', async () => {
    const c = createVmClient({ baseUrl: host.url, apiKey: API_KEY });
    const vm = await c.createVm();
    const { url, headers } = c.ptyRequest(vm.id);
    const pty = await PtyClient.open(url, headers);
    pty.write('echo pty-$((20+1)) && cd && pwd\r');
    await pty.waitFor('pty-21');
    await pty.waitFor(isolation === 'bubblewrap' ? '\n/root\r' : `/vms/${vm.id}/disk/root\r`);
    pty.close();
  });

  it('passes stdin, env and exit codes', async () => {
    const c = createVmClient({ baseUrl: host.url, apiKey: API_KEY });
    const vm = await c.createVm();
    const r = await c.exec(vm.id, {
      command: 'cat; echo "$FOO"; exit 4',
      stdin: Buffer.from('from stdin\n').toString('base64'),
      env: { FOO: 'bar' },
    });
    expect(r).toMatchObject({ stdout: 'from stdin\nbar\n', stderr: '', statusCode: 4 });
  });
});

describe('exec limits', () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await startTestHost();
  });
  afterAll(() => host?.cleanup());

  it('caps kept output at 4 MiB per stream and says so', async () => {
    const c = createVmClient({ baseUrl: host.url, apiKey: API_KEY });
    const vm = await c.createVm();
    const res = await fetch(`${host.url}/v5/vms/${vm.id}/exec-await`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ command: "head -c 20000000 /dev/zero | tr '\\0' a; echo small >&2" }),
    });
    expect(res.headers.get('x-vm-host-output-cap')).toBe(String(4 * 1024 * 1024));
    expect(res.headers.get('x-vm-host-output-truncated')).toBe('true');
    const body = (await res.json()) as { stdout: string };
    expect(body.stdout.length).toBe(4 * 1024 * 1024);
    expect(body).toMatchObject({
      stderr: 'small\n',
      statusCode: 0,
      stdoutTruncated: true,
      stderrTruncated: false,
    });
  });

  it('validates its input like an API', async () => {
    const c = createVmClient({ baseUrl: host.url, apiKey: API_KEY });
    const vm = await c.createVm();
    await expect(c.exec(vm.id, { command: 'true', linuxUser: 'nobody' })).rejects.toMatchObject({
      status: 400,
    });
    await expect(c.exec(vm.id, { command: 'true', env: { 'BAD-NAME': 'x' } })).rejects.toMatchObject({
      status: 400,
    });
    await expect(c.exec(vm.id, { command: '' })).rejects.toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    expect((await c.exec(vm.id, { command: 'whoami', linuxUser: 'root' })).stdout).toBe('root\n');
  });
});
