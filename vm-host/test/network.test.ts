import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createVmClient } from '../../core/vm';
import { API_KEY, startTestHost, until, type TestHost } from './helpers';
import { VM_SERVER_PATHS, startVmServer } from './vm-server';

let host: TestHost;
let loopback: Server;
let loopbackPort: number;
beforeAll(async () => {
  host = await startTestHost({ readonlyPaths: VM_SERVER_PATHS });
  loopback = createServer((s) => s.end('host loopback\n'));
  await new Promise<void>((r) => loopback.listen(0, '127.0.0.1', r));
  loopbackPort = (loopback.address() as AddressInfo).port;
});
afterAll(async () => {
  await host?.cleanup();
  loopback?.close();
});

const client = () => createVmClient({ baseUrl: host.url, apiKey: API_KEY });

/** bash's /dev/tcp: prints `open` or the connect error, within 3 s. */
const probe = (addr: string, port: number) =>
  `timeout 3 bash -c 'exec 3<>/dev/tcp/${addr}/${port} && echo open' 2>&1 | tail -1`;

const serve = (vmId: string, port: number, bind?: string) => startVmServer(client(), vmId, port, bind);

it('reports its network isolation in /health', async () => {
  expect(await (await fetch(`${host.url}/health`)).json()).toMatchObject({ network: 'slirp4netns' });
});

it("from inside a VM, the host's loopback, the VM host API and another VM's port are unreachable", async () => {
  const c = client();
  const a = await c.createVm();
  const b = await c.createVm();
  const pty = await serve(b.id, 4100, '0.0.0.0');
  const apiPort = Number(new URL(host.url).port);
  const fwdPort = Number(new URL(host.forwardUrl).port);
  const r = await c.exec(a.id, {
    command: [
      probe('127.0.0.1', loopbackPort),
      probe('127.0.0.1', apiPort),
      probe('10.0.2.2', apiPort),
      probe('127.0.0.1', fwdPort),
      probe('127.0.0.1', 4100),
      probe('10.0.2.100', 4100),
      'ip -4 -o addr show tap0 | wc -l',
    ].join('; echo ---; '),
  });
  const parts = r.stdout!.split('---\n').map((s) => s.trim());
  expect(parts.slice(0, 6).every((p) => !p.endsWith('open'))).toBe(true);
  expect(parts.slice(0, 6).join('\n')).toMatch(/Connection refused|Network is unreachable/);
  // It does have a network of its own (slirp4netns' tap0), for outbound traffic.
  expect(parts[6]).toBe('1');
  // B's own server answers inside B.
  expect((await c.exec(b.id, { command: probe('127.0.0.1', 4100) })).stdout!.trim()).toBe('open');
  pty.close();
});

it('two VMs both listen on port 3000', async () => {
  const c = client();
  const a = await c.createVm();
  const b = await c.createVm();
  const pa = await serve(a.id, 3000);
  const pb = await serve(b.id, 3000);
  for (const vm of [a, b]) {
    expect((await c.listPorts(vm.id)).ports).toEqual([
      expect.objectContaining({ port: 3000, address: '127.0.0.1', process: 'node' }),
    ]);
  }
  pa.close();
  pb.close();
});

it('a listening port appears in the report with its process and disappears when the server stops', async () => {
  const c = client();
  const vm = await c.createVm();
  expect((await c.listPorts(vm.id)).ports).toEqual([]);
  const pty = await serve(vm.id, 5173, '::');
  const [p] = (await c.listPorts(vm.id)).ports;
  expect(p).toMatchObject({ port: 5173, address: '::', process: 'node', pid: expect.any(Number) });
  pty.control({ type: 'signal', signal: 'sigint' });
  await until(async () => (await c.listPorts(vm.id)).ports.length === 0, 'port gone');
  pty.close();
});

it('keeps the namespace across exec, PTY, pause and stop/start', async () => {
  const c = client();
  const vm = await c.createVm();
  const pty = await serve(vm.id, 3001);
  // An exec joins the namespace the PTY's server is in.
  expect((await c.exec(vm.id, { command: probe('127.0.0.1', 3001) })).stdout!.trim()).toBe('open');
  await c.pauseVm(vm.id);
  expect((await c.listPorts(vm.id)).ports.map((p) => p.port)).toEqual([3001]);
  await c.startVm(vm.id);
  expect((await c.exec(vm.id, { command: probe('127.0.0.1', 3001) })).stdout!.trim()).toBe('open');
  await c.stopVm(vm.id);
  expect((await c.listPorts(vm.id)).ports).toEqual([]);
  // Booted again on demand, with a fresh namespace.
  const r = await c.exec(vm.id, { command: `${probe('127.0.0.1', 3001)}; ip -4 -o addr show tap0 | wc -l` });
  expect(r.stdout).toMatch(/Connection refused[\s\S]*\n1\n$/);
  pty.close();
});

it('without slirp4netns VMs share the host network, and say so; ports are still those of the VM', async () => {
  const lines: string[] = [];
  const shared = await startTestHost({
    network: 'host',
    readonlyPaths: VM_SERVER_PATHS,
    log: (l) => lines.push(l),
  });
  try {
    expect(await (await fetch(`${shared.url}/health`)).json()).toMatchObject({ network: 'host' });
    expect(lines.join('\n')).toMatch(/WARNING: slirp4netns is unavailable/);
    expect(lines.join('\n')).toMatch(/network: host/);
    const c = createVmClient({ baseUrl: shared.url, apiKey: API_KEY });
    const vm = await c.createVm();
    const port = 20000 + Math.floor(Math.random() * 20000);
    const pty = await startVmServer(c, vm.id, port);
    // The host's own listeners (this test's loopback server) are not the VM's.
    expect((await c.listPorts(vm.id)).ports).toEqual([expect.objectContaining({ port, process: 'node' })]);
    pty.close();
  } finally {
    await shared.cleanup();
  }
});
