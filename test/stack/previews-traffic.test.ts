import { beforeAll, describe, expect, it } from 'vitest';
import { startVmServer } from '../../vm-host/test/vm-server';
import type { TestUser } from './harness';
import { html, usePreviewStack } from './preview-client';

// What a dev server needs through its preview URL, on the real stack (wrangler dev, the room, the VM
// host's forwarder, a real server in a VM): bodies, redirects, cookies, streamed answers, WebSockets,
// and the pages a preview answers itself (nothing listening, resuming, stopped).

const s = usePreviewStack();

describe('preview traffic', () => {
  let user: TestUser;
  let org: string;
  let ws: { id: string; freestyleVmId: string };
  let host: string;
  let cookie: string;

  beforeAll(async () => {
    const r = await s.t.runningWorkspace();
    user = r.user;
    org = r.org;
    ws = r.workspace;
    await startVmServer(s.vms, ws.freestyleVmId, 3000);
    host = s.p.hostFor(3000, ws.id);
    cookie = await s.p.previewCookie(user, host);
  }, 60_000);

  it('passes bodies, redirects, the app’s own cookies, streams and large downloads', async () => {
    const post = await s.p.get(host, '/upload', {
      method: 'POST',
      headers: { cookie },
      body: Buffer.alloc(3 << 20, 1),
    });
    expect(post.body).toBe(`got ${3 << 20}`);
    const cookies = await s.p.get(host, '/cookies', { headers: { cookie } });
    expect(cookies.headers['set-cookie']).toContain('app=1; Path=/');
    const sse = await s.p.get(host, '/stream', { headers: { cookie } });
    expect(sse.body).toBe('data: first\n\ndata: second\n\n');
    // The first event arrives before the server has finished (600 ms later): nothing buffers it.
    expect(sse.chunkTimes[sse.chunkTimes.length - 1]! - sse.chunkTimes[0]!).toBeGreaterThan(400);
    const big = await s.p.get(host, '/big?mb=32', { headers: { cookie } });
    expect(big.status).toBe(200);
    expect(big.body.length).toBe(32 << 20);
  });

  it('upgrades WebSockets (hot reload) and echoes both ways', async () => {
    const c = s.p.openWs(host, '/hmr', { cookie });
    await c.opened;
    expect(await c.next(1)).toBe('welcome /hmr');
    c.ws.send('ping-1');
    expect(await c.next(2)).toBe('ping-1');
    c.ws.close();
    await expect(s.p.openWs(host, '/hmr', {}).opened).rejects.toThrow(/refused 401/);
  });

  it('answers 502 naming the port and the workspace when nothing listens', async () => {
    const k = await s.p.key(user, org);
    const h = s.p.hostFor(4999, ws.id);
    const page = await s.p.get(h, '/', { headers: { ...html, authorization: `Bearer ${k}` } });
    expect(page.status).toBe(502);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('Start your dev server');
    expect(page.body).toContain('4999');
    const json = await s.p.get(h, '/', { headers: { authorization: `Bearer ${k}` } });
    expect(json.status).toBe(502);
    expect(JSON.parse(json.body).error).toMatchObject({ code: 'nothing_listening' });
    expect(JSON.parse(json.body).error.message).toContain('4999');
  });
});

describe('preview pages of the lifecycle', () => {
  it('resumes a paused workspace on a preview request: a page that continues for browsers, a held request otherwise', async () => {
    const { user, org, workspace } = await s.t.runningWorkspace();
    await startVmServer(s.vms, workspace.freestyleVmId, 3000);
    const k = await s.p.key(user, org);
    const host = s.p.hostFor(3000, workspace.id);
    const auth = { authorization: `Bearer ${k}` };
    expect(
      (await s.t.call(`/api/workspaces/${workspace.id}/pause`, { cookie: user.cookie, body: {} })).status,
    ).toBe(200);
    const page = await s.p.get(host, '/', { headers: { ...html, ...auth } });
    expect(page.status).toBe(503);
    expect(page.body).toContain('Resuming');
    expect(page.body).toContain('http-equiv="refresh"');
    await s.t.waitForStatus(user, workspace.id, ['running'], 10_000);
    expect((await s.p.get(host, '/', { headers: { ...html, ...auth } })).body).toBe('hello from port 3000');

    await s.t.call(`/api/workspaces/${workspace.id}/pause`, { cookie: user.cookie, body: {} });
    const held = await s.p.get(host, '/', { headers: auth });
    expect(held.status).toBe(200);
    expect(held.body).toBe('hello from port 3000');

    await s.t.call(`/api/workspaces/${workspace.id}/pause`, { cookie: user.cookie, body: {} });
    await s.t.call(`/api/workspaces/${workspace.id}/stop`, { cookie: user.cookie, body: {} });
    const stopped = await s.p.get(host, '/', { headers: { ...html, ...auth } });
    expect(stopped.status).toBe(409);
    expect(stopped.body).toContain('stopped');
  });
});
