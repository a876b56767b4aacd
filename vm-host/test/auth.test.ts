import { afterAll, beforeAll, expect, it } from 'vitest';
import { createVmClient } from '../../core/vm';
import { API_KEY, PtyClient, startTestHost, type TestHost } from './helpers';

let host: TestHost;
beforeAll(async () => {
  host = await startTestHost();
});
afterAll(() => host?.cleanup());

it('/health needs no key', async () => {
  const res = await fetch(`${host.url}/health`);
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ ok: true });
});

it('REST: a missing or wrong key is a 401 with { code, message }', async () => {
  for (const headers of [{}, { Authorization: 'Bearer wrong' }, { Authorization: API_KEY }] as Record<
    string,
    string
  >[]) {
    const res = await fetch(`${host.url}/v5/vms`, { headers });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ code: 'UNAUTHORIZED', message: expect.any(String) });
  }
  const wrong = createVmClient({ baseUrl: host.url, apiKey: 'wrong' });
  await expect(wrong.createVm()).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
});

it('WebSocket: a wrong key is refused at the upgrade with 401', async () => {
  const vm = await createVmClient({ baseUrl: host.url, apiKey: API_KEY }).createVm();
  const wrong = createVmClient({ baseUrl: host.url, apiKey: 'wrong' });
  const req = wrong.ptyRequest(vm.id);
  await expect(PtyClient.open(req.url, req.headers)).rejects.toMatchObject({ status: 401 });
  await expect(PtyClient.open(req.url, {})).rejects.toMatchObject({ status: 401 });
});

it('unknown routes and methods answer JSON errors', async () => {
  const h = { Authorization: `Bearer ${API_KEY}` };
  const res = await fetch(`${host.url}/v5/nothing`, { headers: h });
  expect(res.status).toBe(404);
  expect(await res.json()).toMatchObject({ code: 'NOT_FOUND' });
  const put = await fetch(`${host.url}/v5/vms`, { method: 'PUT', headers: h });
  expect(put.status).toBe(405);
  const bad = await fetch(`${host.url}/v5/vms`, { method: 'POST', headers: h, body: '{nope' });
  expect(bad.status).toBe(400);
  expect(await bad.json()).toMatchObject({ code: 'BAD_REQUEST' });
});
