import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVmClient, type VmClient } from '../../core/vm';
import { VM_SERVER_PATHS, startVmServer } from '../../vm-host/test/vm-server';
import { startTestStack, type TestStack, type TestUser } from './harness';
import { html, previewClient } from './preview-client';

// What a dev server needs through its preview URL, on the real stack (wrangler dev, the room, the VM
// host's forwarder, a real server in a VM): bodies, redirects, cookies, streamed answers, WebSockets,
// and the pages a preview answers itself (nothing listening, resuming, stopped).

let t: TestStack;
let vms: VmClient;
let p: ReturnType<typeof previewClient>;
beforeAll(async () => {
  t = await startTestStack({ readonlyPaths: VM_SERVER_PATHS, extraVars: { LIMIT_TERMINAL_SOCKETS: '50' } });
  vms = createVmClient({ baseUrl: t.stack.vmHostUrl, apiKey: t.stack.vmHostApiKey });
  p = previewClient(t);
}, 120_000);
afterAll(() => t?.stop());

describe('preview traffic', () => {
  let user: TestUser;
  let org: string;
  let ws: { id: string; freestyleVmId: string };
  let host: string;
  let cookie: string;

  beforeAll(async () => {
    const r = await t.runningWorkspace();
    user = r.user;
    org = r.org;
    ws = r.workspace;
    await startVmServer(vms, ws.freestyleVmId, 3000);
    host = p.hostFor(3000, ws.id);
    cookie = await p.previewCookie(user, host);
  }, 60_000);

  it('passes bodies, redirects, the app’s own cookies, streams and large downloads', async () => {
    const post = await p.get(host, '/upload', {
      method: 'POST',
      headers: { cookie },
      body: Buffer.alloc(3 << 20, 1),
    });
    expect(post.body).toBe(`got ${3 << 20}`);
    const cookies = await p.get(host, '/cookies', { headers: { cookie } });
    expect(cookies.headers['set-cookie']).toContain('app=1; Path=/');
    const sse = await p.get(host, '/stream', { headers: { cookie } });
    expect(sse.body).toBe('data: first\n\ndata: second\n\n');
    // The first event arrives before the server has finished (600 ms later): nothing buffers it.
    expect(sse.chunkTimes[sse.chunkTimes.length - 1]! - sse.chunkTimes[0]!).toBeGreaterThan(400);
    const big = await p.get(host, '/big?mb=32', { headers: { cookie } });
    expect(big.status).toBe(200);
    expect(big.body.length).toBe(32 << 20);
  });

  it('upgrades WebSockets (hot reload) and echoes both ways', async () => {
    const c = p.openWs(host, '/hmr', { cookie });
    await c.opened;
    expect(await c.next(1)).toBe('welcome /hmr');
    c.ws.send('ping-1');
    expect(await c.next(2)).toBe('ping-1');
    c.ws.close();
    await expect(p.openWs(host, '/hmr', {}).opened).rejects.toThrow(/refused 401/);
  });

  it('answers 502 naming the port and the workspace when nothing listens', async () => {
    const k = await p.key(user, org);
    const h = p.hostFor(4999, ws.id);
    const page = await p.get(h, '/', { headers: { ...html, authorization: `Bearer ${k}` } });
    expect(page.status).toBe(502);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('Start your dev server');
    expect(page.body).toContain('4999');
    const json = await p.get(h, '/', { headers: { authorization: `Bearer ${k}` } });
    expect(json.status).toBe(502);
    expect(JSON.parse(json.body).error).toMatchObject({ code: 'nothing_listening' });
    expect(JSON.parse(json.body).error.message).toContain('4999');
  });
});

describe('preview pages of the lifecycle', () => {
  it('resumes a paused workspace on a preview request: a page that continues for browsers, a held request otherwise', async () => {
    const { user, org, workspace } = await t.runningWorkspace();
    await startVmServer(vms, workspace.freestyleVmId, 3000);
    const k = await p.key(user, org);
    const host = p.hostFor(3000, workspace.id);
    const auth = { authorization: `Bearer ${k}` };
    expect(
      (await t.call(`/api/workspaces/${workspace.id}/pause`, { cookie: user.cookie, body: {} })).status,
    ).toBe(200);
    const page = await p.get(host, '/', { headers: { ...html, ...auth } });
    expect(page.status).toBe(503);
    expect(page.body).toContain('Resuming');
    expect(page.body).toContain('http-equiv="refresh"');
    await t.waitForStatus(user, workspace.id, ['running'], 10_000);
    expect((await p.get(host, '/', { headers: { ...html, ...auth } })).body).toBe('hello from port 3000');

    await t.call(`/api/workspaces/${workspace.id}/pause`, { cookie: user.cookie, body: {} });
    const held = await p.get(host, '/', { headers: auth });
    expect(held.status).toBe(200);
    expect(held.body).toBe('hello from port 3000');

    await t.call(`/api/workspaces/${workspace.id}/pause`, { cookie: user.cookie, body: {} });
    await t.call(`/api/workspaces/${workspace.id}/stop`, { cookie: user.cookie, body: {} });
    const stopped = await p.get(host, '/', { headers: { ...html, ...auth } });
    expect(stopped.status).toBe(409);
    expect(stopped.body).toContain('stopped');
  });
});
