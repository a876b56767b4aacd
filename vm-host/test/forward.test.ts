import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createVmClient, type VmClient } from '../../core/vm';
import { API_KEY, startTestHost, until, type TestHost } from './helpers';
import { httpGet, type GetOptions } from './http-get';
import { VM_SERVER_PATHS, startVmServer } from './vm-server';

let host: TestHost;
let c: VmClient;
beforeAll(async () => {
  host = await startTestHost({ readonlyPaths: VM_SERVER_PATHS });
  c = createVmClient({ baseUrl: host.url, apiKey: API_KEY });
});
afterAll(() => host?.cleanup());

/** An HTTP request to the forwarding listener with `Host: domain`. */
const call = (domain: string, path: string, opts?: GetOptions) =>
  httpGet(host.forwardUrl, domain, path, opts);

it('forwards HTTP for a TLS rule domain to the port inside the VM, with X-Forwarded-*', async () => {
  const vm = await c.createVm();
  const pty = await startVmServer(c, vm.id, 3000);
  const rule = await c.exposePort(vm.id, 3000, `3000-${vm.id}.localhost`);
  expect(rule).toMatchObject({ domain: `3000-${vm.id}.localhost`, destination: { vmId: vm.id, port: 3000 } });

  const hello = await call(rule.domain, '/');
  expect(hello).toMatchObject({ status: 200, body: 'hello from port 3000' });
  const seen = JSON.parse(
    (await call(rule.domain, '/headers?x=1', { headers: { 'x-forwarded-proto': 'https' } })).body,
  );
  expect(seen).toMatchObject({
    method: 'GET',
    url: '/headers?x=1',
    headers: {
      host: rule.domain,
      'x-forwarded-host': rule.domain,
      'x-forwarded-proto': 'https',
      'x-forwarded-for': '127.0.0.1',
    },
  });
  // fetch cannot set Host: X-Forwarded-Host picks the rule then, and the VM sees it as Host.
  const viaFetch = await fetch(`${host.forwardUrl}/headers`, {
    headers: { 'x-forwarded-host': rule.domain },
  });
  expect(((await viaFetch.json()) as { headers: unknown }).headers).toMatchObject({
    host: rule.domain,
    'x-forwarded-host': rule.domain,
  });
  // Request bodies stream in, large downloads stream out.
  const posted = await call(rule.domain, '/upload', { method: 'POST', body: Buffer.alloc(5 << 20, 1) });
  expect(posted.body).toBe(`got ${5 << 20}`);
  const big = await call(rule.domain, '/big?mb=32');
  expect(big.body.length).toBe(32 << 20);
  expect(big.chunkTimes.length).toBeGreaterThan(10);
  pty.close();
});

it('streams a response as it is written (server-sent events are not buffered)', async () => {
  const vm = await c.createVm();
  const pty = await startVmServer(c, vm.id, 8080);
  const rule = await c.exposePort(vm.id, 8080, `sse-${vm.id}.localhost`);
  const r = await call(rule.domain, '/stream');
  expect(r.headers['content-type']).toBe('text/event-stream');
  expect(r.body).toBe('data: first\n\ndata: second\n\n');
  // The first event arrived well before the server wrote the second (600 ms later).
  expect(r.chunkTimes.length).toBeGreaterThanOrEqual(2);
  expect(r.chunkTimes.at(-1)! - r.chunkTimes[0]!).toBeGreaterThan(400);
  pty.close();
});

it('splices WebSocket upgrades: an echo through the forward', async () => {
  const vm = await c.createVm();
  const pty = await startVmServer(c, vm.id, 5173);
  const rule = await c.exposePort(vm.id, 5173, `ws-${vm.id}.localhost`);
  const ws = new WebSocket(`${host.forwardUrl.replace('http', 'ws')}/hmr?token=1`, {
    headers: { host: rule.domain },
  });
  const got: string[] = [];
  ws.on('message', (m) => got.push(String(m)));
  await new Promise((r, j) => ws.once('open', r).once('error', j));
  await until(() => got.length === 1, 'welcome');
  expect(got[0]).toBe('welcome /hmr?token=1');
  ws.send('ping-1');
  ws.send(Buffer.from([1, 2, 3]));
  await until(() => got.length === 3, 'echoes');
  expect(got[1]).toBe('ping-1');
  ws.close();
  pty.close();
});

it('answers 404 for an unknown domain, 502 when nothing listens, 409 while paused; rules die with their VM', async () => {
  expect((await call('nobody.localhost', '/')).status).toBe(404);
  const vm = await c.createVm();
  const rule = await c.exposePort(vm.id, 3999, `idle-${vm.id}.localhost`);
  const nothing = await call(rule.domain, '/');
  expect(nothing.status).toBe(502);
  expect(JSON.parse(nothing.body)).toMatchObject({ code: 'NOTHING_LISTENING' });
  await c.pauseVm(vm.id);
  expect(JSON.parse((await call(rule.domain, '/')).body)).toMatchObject({ code: 'VM_PAUSED' });
  await c.startVm(vm.id);
  await expect(c.exposePort(vm.id, 4000, rule.domain)).rejects.toMatchObject({ status: 409 });
  await c.deleteVm(vm.id);
  await expect(c.getTlsRule(rule.id)).rejects.toMatchObject({ status: 404 });
  expect((await call(rule.domain, '/')).status).toBe(404);
});

it('forward auth: asks the authorizer first, passes its headers, withholds protected cookies', async () => {
  const asked: IncomingHttpHeaders[] = [];
  const auth: Server = createServer((req, res) => {
    asked.push(req.headers);
    if (/cw_preview=ok/.test(req.headers.cookie ?? ''))
      return res.writeHead(204, { 'x-user': 'alice' }).end();
    res.writeHead(302, { location: 'http://app.localhost/login', 'set-cookie': 'state=1; Path=/' }).end();
  });
  await new Promise<void>((r) => auth.listen(0, '127.0.0.1', r));
  const authUrl = `http://127.0.0.1:${(auth.address() as AddressInfo).port}/check`;
  try {
    const config = await c.createForwardAuth({
      url: authUrl,
      headers: { 'x-auth-secret': 's3cret' },
      protectedCookies: ['cw_preview'],
      authResponseHeaders: ['x-user'],
    });
    expect(config).toMatchObject({ headers: { 'x-auth-secret': '***' }, redacted: true });
    const vm = await c.createVm();
    const pty = await startVmServer(c, vm.id, 3000);
    const rule = await c.exposePort(vm.id, 3000, `p-${vm.id}.localhost`, config.id);

    const denied = await call(rule.domain, '/headers');
    expect(denied.status).toBe(302);
    expect(denied.headers.location).toBe('http://app.localhost/login');
    expect(asked[0]).toMatchObject({
      'x-auth-secret': 's3cret',
      'x-forwarded-host': rule.domain,
      'x-forwarded-uri': '/headers',
      'x-forwarded-method': 'GET',
    });

    // A client naming another domain in X-Forwarded-Host: the authorizer hears the rule's own.
    await call(rule.domain, '/headers', { headers: { 'x-forwarded-host': `3001-${vm.id}.localhost` } });
    expect(asked.at(-1)!['x-forwarded-host']).toBe(rule.domain);

    const allowed = await call(rule.domain, '/headers', { headers: { cookie: 'app=1; cw_preview=ok' } });
    expect(allowed.status).toBe(200);
    const seen = JSON.parse(allowed.body).headers;
    expect(seen).toMatchObject({ cookie: 'app=1', 'x-user': 'alice' });
    expect(seen['x-auth-secret']).toBeUndefined();
    const cookies = await call(rule.domain, '/cookies', { headers: { cookie: 'cw_preview=ok' } });
    expect(cookies.headers['set-cookie']).toEqual(['app=1; Path=/']);

    await expect(c.deleteForwardAuth(config.id)).rejects.toMatchObject({ status: 409 });
    await c.deleteTlsRule(rule.id);
    await c.deleteForwardAuth(config.id);
    pty.close();
  } finally {
    auth.close();
  }
});
