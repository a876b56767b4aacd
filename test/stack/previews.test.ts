import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createVmClient, type VmClient } from '../../core/vm';
import { VM_SERVER_PATHS, startVmServer } from '../../vm-host/test/vm-server';
import { startTestStack, type TestStack, type TestUser } from './harness';
import { TermClient } from './terminal-client';

// Preview URLs on the real stack: a server inside a VM reached at `http://<port>-<id>.localhost:<PORT>`
// through wrangler dev, the room and the VM host's forwarder. Node resolves no `*.localhost`, so
// requests go to 127.0.0.1 with the preview host in `Host` (what a browser sends).

let t: TestStack;
let vms: VmClient;
beforeAll(async () => {
  t = await startTestStack({ readonlyPaths: VM_SERVER_PATHS, extraVars: { LIMIT_TERMINAL_SOCKETS: '50' } });
  vms = createVmClient({ baseUrl: t.stack.vmHostUrl, apiKey: t.stack.vmHostApiKey });
}, 120_000);
afterAll(() => t?.stop());

interface Got {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  chunkTimes: number[];
}

const portOf = () => new URL(t.stack.url).port;
const hostFor = (port: number, id: string) => `${port}-${id}.localhost:${portOf()}`;

/** A request to the Worker with `Host: host`. */
function get(
  host: string,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<Got> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const req = request(`${t.stack.url}${path}`, {
      method: opts.method ?? 'GET',
      headers: { host, ...opts.headers },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      const chunkTimes: number[] = [];
      res.on('data', (b: Buffer) => {
        chunks.push(b);
        chunkTimes.push(Date.now() - started);
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode!,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
          chunkTimes,
        }),
      );
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const html = { accept: 'text/html,application/xhtml+xml' };

/** The browser's dance for a private port: app origin (session) -> one-time code -> the preview's own cookie. */
async function previewCookie(user: TestUser, host: string, next = '/'): Promise<string> {
  const { back, state } = await previewCode(user, host, next);
  const cb = await get(host, back.pathname + back.search, { headers: { cookie: state } });
  expect(cb.status).toBe(302);
  expect(cb.headers.location).toBe(next);
  const setCookie = (cb.headers['set-cookie'] as string[])[0]!;
  expect(setCookie).toMatch(/^__cw_preview=[^;]+; Path=\/; HttpOnly; SameSite=Lax/);
  expect(setCookie).not.toMatch(/Domain=/i);
  // The code works once.
  expect((await get(host, back.pathname + back.search, { headers: { cookie: state } })).status).toBe(400);
  return setCookie.split(';')[0]!;
}

/** The first two steps: the preview host's sign-in state cookie, and the code the app origin hands back. */
async function previewCode(user: TestUser, host: string, next = '/') {
  const first = await get(host, next, { headers: html });
  expect(first.status).toBe(302);
  const stateCookie = (first.headers['set-cookie'] as string[])[0]!;
  expect(stateCookie).toMatch(/^__cw_preview_state=[\w-]+; Path=\/; HttpOnly; SameSite=Lax/);
  const toApp = new URL(first.headers.location as string);
  expect(toApp.origin).toBe(t.stack.url);
  const authorize = await fetch(toApp, { headers: { cookie: user.cookie }, redirect: 'manual' });
  expect(authorize.status).toBe(302);
  const back = new URL(authorize.headers.get('location')!);
  expect(back.host).toBe(host);
  return { back, state: stateCookie.split(';')[0]! };
}

async function key(user: TestUser, org: string, permissions = ['exec']) {
  const r = await t.call('/api/api-keys', {
    cookie: user.cookie,
    body: { name: 'k', organizationId: org, permissions },
  });
  expect(r.status).toBe(201);
  return r.json.key as string;
}

function openWs(host: string, path: string, headers: Record<string, string>) {
  const ws = new WebSocket(`${t.stack.url.replace('http', 'ws')}${path}`, { headers: { host, ...headers } });
  const messages: string[] = [];
  ws.on('message', (m) => messages.push(m.toString()));
  const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused ${res.statusCode}`)));
    ws.once('error', reject);
  });
  const next = async (n: number) => {
    const until = Date.now() + 5000;
    while (messages.length < n && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    return messages[n - 1];
  };
  return { ws, messages, opened, closed, next };
}

/** A never-ending SSE stream through the preview host: resolves `flowing` at its first event, `ended` when cut. */
function openStream(host: string, headers: Record<string, string>) {
  let flowing!: () => void;
  const started = new Promise<void>((r) => (flowing = r));
  const ended = new Promise<void>((resolve) => {
    const req = request(`${t.stack.url}/forever`, {
      headers: { host, accept: 'text/event-stream', ...headers },
    });
    req.on('response', (res) => {
      expect(res.statusCode).toBe(200);
      res.on('data', () => flowing());
      res.on('end', () => resolve());
      res.on('error', () => resolve());
      res.on('aborted', () => resolve());
    });
    req.on('error', () => resolve());
    req.end();
  });
  let done = false;
  void ended.then(() => (done = true));
  return { started, ended, isEnded: () => done };
}

describe('preview URLs', () => {
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
    host = hostFor(3000, ws.id);
  }, 60_000);

  it('lists the listening port with its process, private by default, and its preview URL', async () => {
    const r = await t.call(`/api/workspaces/${ws.id}/ports`, { cookie: user.cookie });
    expect(r.status).toBe(200);
    expect(r.json.ports).toContainEqual({
      port: 3000,
      process: 'node',
      visibility: 'private',
      url: `http://3000-${ws.id}.localhost:${portOf()}`,
    });
  });

  it('sends a browser without the preview cookie through the app origin, and refuses other clients', async () => {
    const anon = await get(host, '/x?y=1', { headers: html });
    expect(anon.status).toBe(302);
    const loc = new URL(anon.headers.location as string);
    expect(loc.pathname).toBe('/api/preview/authorize');
    expect(loc.searchParams.get('host')).toBe(host);
    expect(loc.searchParams.get('next')).toBe('/x?y=1');
    // Not signed in at the app origin: to sign-in, and back.
    const noSession = await fetch(loc, { redirect: 'manual' });
    expect(noSession.status).toBe(302);
    expect(noSession.headers.get('location')).toMatch(/^\/sign-in\?redirect=%2Fapi%2Fpreview%2Fauthorize/);
    const api = await get(host, '/');
    expect(api.status).toBe(401);
    expect(JSON.parse(api.body).error.code).toBe('unauthorized');
  });

  it('refuses a code sent in a link: only the browser that started the sign-in can finish it', async () => {
    // The attacker starts a sign-in in their own browser and sends the callback link to a victim, whose
    // browser would otherwise end up in the preview as the attacker (login CSRF).
    const { back, state } = await previewCode(user, host);
    const victim = await get(host, back.pathname + back.search, { headers: html });
    expect(victim.status).toBe(400);
    expect(victim.headers['set-cookie']).toBeUndefined();
    const otherState = await get(host, '/', { headers: html });
    const victimState = (otherState.headers['set-cookie'] as string[])[0]!.split(';')[0]!;
    const withOwnState = await get(host, back.pathname + back.search, {
      headers: { ...html, cookie: victimState },
    });
    expect(withOwnState.status).toBe(400);
    // The code was not spent by those tries: its own browser still finishes.
    const mine = await get(host, back.pathname + back.search, { headers: { cookie: state } });
    expect(mine.status).toBe(302);
  });

  it('serves a member through the handed-back cookie, with Host, X-Forwarded-* and without our credentials', async () => {
    cookie = await previewCookie(user, host, '/headers?a=1');
    const r = await get(host, '/headers?a=1', {
      headers: { cookie: `${cookie}; app=yes; ${user.cookie}`, 'x-forwarded-host': 'evil.example' },
    });
    expect(r.status).toBe(200);
    const seen = JSON.parse(r.body);
    expect(seen.url).toBe('/headers?a=1');
    expect(seen.headers.host).toBe(host);
    expect(seen.headers['x-forwarded-host']).toBe(host);
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers.cookie).toBe('app=yes');
    expect(seen.headers.authorization).toBeUndefined();
  });

  it('passes bodies, redirects, the app’s own cookies, streams and large downloads', async () => {
    const post = await get(host, '/upload', {
      method: 'POST',
      headers: { cookie },
      body: Buffer.alloc(3 << 20, 1),
    });
    expect(post.body).toBe(`got ${3 << 20}`);
    const cookies = await get(host, '/cookies', { headers: { cookie } });
    expect(cookies.headers['set-cookie']).toContain('app=1; Path=/');
    const sse = await get(host, '/stream', { headers: { cookie } });
    expect(sse.body).toBe('data: first\n\ndata: second\n\n');
    // The first event arrives before the server has finished (600 ms later): nothing buffers it.
    expect(sse.chunkTimes[sse.chunkTimes.length - 1]! - sse.chunkTimes[0]!).toBeGreaterThan(400);
    const big = await get(host, '/big?mb=32', { headers: { cookie } });
    expect(big.status).toBe(200);
    expect(big.body.length).toBe(32 << 20);
  });

  it('upgrades WebSockets (hot reload) and echoes both ways', async () => {
    const c = openWs(host, '/hmr', { cookie });
    await c.opened;
    expect(await c.next(1)).toBe('welcome /hmr');
    c.ws.send('ping-1');
    expect(await c.next(2)).toBe('ping-1');
    c.ws.close();
    await expect(openWs(host, '/hmr', {}).opened).rejects.toThrow(/refused 401/);
  });

  it('accepts an API key of the organization, refuses other organizations and anonymous callers', async () => {
    const k = await key(user, org);
    const ok = await get(host, '/', { headers: { authorization: `Bearer ${k}` } });
    expect(ok.status).toBe(200);
    expect(ok.body).toBe('hello from port 3000');
    const seen = JSON.parse(
      (await get(host, '/headers', { headers: { authorization: `Bearer ${k}` } })).body,
    );
    expect(seen.headers.authorization).toBeUndefined();
    const readKey = await key(user, org, ['read']);
    expect((await get(host, '/', { headers: { authorization: `Bearer ${readKey}` } })).status).toBe(403);

    const stranger = await t.signUp();
    const otherOrg = await t.createOrg(stranger);
    const strangerKey = await key(stranger, otherOrg);
    expect((await get(host, '/', { headers: { authorization: `Bearer ${strangerKey}` } })).status).toBe(404);
    expect((await get(host, '/', { headers: { authorization: 'Bearer cw_not-a-key' } })).status).toBe(401);
    // The stranger's browser: the app origin says not found, no code.
    const r = await fetch(
      `${t.stack.url}/api/preview/authorize?host=${encodeURIComponent(host)}&state=${'s'.repeat(22)}&next=/`,
      {
        headers: { cookie: stranger.cookie },
        redirect: 'manual',
      },
    );
    expect(r.status).toBe(404);
    // A cookie made for port 3000 does not open port 3001 (another host).
    expect((await get(hostFor(3001, ws.id), '/', { headers: { cookie } })).status).toBe(401);
  });

  it('a public port is open to anyone (and audited); private again closes it', async () => {
    const bad = await t.call(`/api/workspaces/${ws.id}/ports/3000`, {
      method: 'PATCH',
      cookie: user.cookie,
      body: { visibility: 'everyone' },
    });
    expect(bad.status).toBe(400);
    const badPort = await t.call(`/api/workspaces/${ws.id}/ports/70000`, {
      method: 'PATCH',
      cookie: user.cookie,
      body: { visibility: 'public' },
    });
    expect(badPort.status).toBe(400);
    const r = await t.call(`/api/workspaces/${ws.id}/ports/3000`, {
      method: 'PATCH',
      cookie: user.cookie,
      body: { visibility: 'public' },
    });
    expect(r.status).toBe(200);
    expect(r.json.port).toMatchObject({ port: 3000, visibility: 'public' });
    expect((await get(host, '/')).body).toBe('hello from port 3000');
    const anonWs = openWs(host, '/public', {});
    await anonWs.opened;
    const audit = await t.call(`/api/organizations/${org}/audit`, { cookie: user.cookie });
    expect(audit.json.events.some((e: any) => e.action === 'port_public' && e.detail?.port === 3000)).toBe(
      true,
    );

    await t.call(`/api/workspaces/${ws.id}/ports/3000`, {
      method: 'PATCH',
      cookie: user.cookie,
      body: { visibility: 'private' },
    });
    expect((await get(host, '/')).status).toBe(401);
    expect(await anonWs.closed).toBe(1008);
  });

  it("refuses the VM platform's domain without the Worker's forward-auth token", async () => {
    const direct = (cookieHeader?: string) =>
      fetch(`${t.stack.vmHostForwardUrl}/`, {
        headers: { 'x-forwarded-host': host, ...(cookieHeader ? { cookie: cookieHeader } : {}) },
      });
    const none = await direct();
    expect(none.status).toBe(401);
    const forged = await direct(`__cw_fwd=${ws.id}.3000.${Date.now() + 60_000}.AAAA`);
    expect(forged.status).toBe(401);
    // The preview cookie alone is not the Worker's proof either.
    expect((await direct(cookie)).status).toBe(401);
  });

  it('answers 502 naming the port and the workspace when nothing listens', async () => {
    const k = await key(user, org);
    const h = hostFor(4999, ws.id);
    const page = await get(h, '/', { headers: { ...html, authorization: `Bearer ${k}` } });
    expect(page.status).toBe(502);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('Start your dev server');
    expect(page.body).toContain('4999');
    const json = await get(h, '/', { headers: { authorization: `Bearer ${k}` } });
    expect(json.status).toBe(502);
    expect(JSON.parse(json.body).error).toMatchObject({ code: 'nothing_listening' });
    expect(JSON.parse(json.body).error.message).toContain('4999');
  });

  it('pushes ports to terminal clients within 2 s of a server starting and stopping', async () => {
    const win = await t.call(`/api/workspaces/${ws.id}/terminals`, { cookie: user.cookie, body: {} });
    const client = await TermClient.open(
      `${t.stack.url.replace('http', 'ws')}/api/workspaces/${ws.id}/terminals/${win.json.windowId}`,
      { headers: { cookie: user.cookie, origin: t.stack.url } },
    );
    const portsMsg = (want: (p: number[]) => boolean) =>
      client.waitFor(
        () =>
          client.messages.some((m) => m.type === 'ports' && want(m.ports.map((p) => p.port))) || undefined,
        2500,
        'ports message',
      );
    const started = Date.now();
    const pty = await startVmServer(vms, ws.freestyleVmId, 8080);
    await portsMsg((p) => p.includes(8080));
    expect(Date.now() - started).toBeLessThan(4000); // includes starting node itself
    const stopped = Date.now();
    pty.close();
    await vms.exec(ws.freestyleVmId, { command: 'pkill -f "server.js 8080" || true' });
    await portsMsg((p) => !p.includes(8080));
    expect(Date.now() - stopped).toBeLessThan(2500);
    client.ws.close();
  });
});

describe('lifecycle and revocation', () => {
  it('resumes a paused workspace on a preview request: a page that continues for browsers, a held request otherwise', async () => {
    const { user, org, workspace } = await t.runningWorkspace();
    await startVmServer(vms, workspace.freestyleVmId, 3000);
    const k = await key(user, org);
    const host = hostFor(3000, workspace.id);
    const auth = { authorization: `Bearer ${k}` };
    expect(
      (await t.call(`/api/workspaces/${workspace.id}/pause`, { cookie: user.cookie, body: {} })).status,
    ).toBe(200);
    const page = await get(host, '/', { headers: { ...html, ...auth } });
    expect(page.status).toBe(503);
    expect(page.body).toContain('Resuming');
    expect(page.body).toContain('http-equiv="refresh"');
    await t.waitForStatus(user, workspace.id, ['running'], 10_000);
    expect((await get(host, '/', { headers: { ...html, ...auth } })).body).toBe('hello from port 3000');

    await t.call(`/api/workspaces/${workspace.id}/pause`, { cookie: user.cookie, body: {} });
    const held = await get(host, '/', { headers: auth });
    expect(held.status).toBe(200);
    expect(held.body).toBe('hello from port 3000');

    await t.call(`/api/workspaces/${workspace.id}/pause`, { cookie: user.cookie, body: {} });
    await t.call(`/api/workspaces/${workspace.id}/stop`, { cookie: user.cookie, body: {} });
    const stopped = await get(host, '/', { headers: { ...html, ...auth } });
    expect(stopped.status).toBe(409);
    expect(stopped.body).toContain('stopped');
  });

  it('signing out ends the preview cookie and closes its WebSockets within a second', async () => {
    const { user, workspace } = await t.runningWorkspace();
    await startVmServer(vms, workspace.freestyleVmId, 3000);
    const host = hostFor(3000, workspace.id);
    const cookie = await previewCookie(user, host);
    expect((await get(host, '/', { headers: { cookie } })).status).toBe(200);
    const c = openWs(host, '/live', { cookie });
    await c.opened;
    const stream = openStream(host, { cookie });
    await stream.started;
    const out = await fetch(`${t.stack.url}/api/auth/sign-out`, {
      method: 'POST',
      headers: { cookie: user.cookie, origin: t.stack.url, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(out.status).toBe(200);
    const at = Date.now();
    expect(await c.closed).toBe(1008);
    expect(Date.now() - at).toBeLessThan(1000);
    // A streamed answer ends too (the Worker asks the room twice a second while it flows).
    await stream.ended;
    expect(Date.now() - at).toBeLessThan(1500);
    expect((await get(host, '/', { headers: { cookie } })).status).toBe(401);
  });

  it("a removed member's preview cookie and WebSockets end at once, and a deleted key's; the owner's stay", async () => {
    const { user: owner, org, workspace } = await t.runningWorkspace();
    await startVmServer(vms, workspace.freestyleVmId, 3000);
    const host = hostFor(3000, workspace.id);
    const mate = await t.signUp();
    const inv = await t.call('/api/auth/organization/invite-member', {
      cookie: owner.cookie,
      body: { email: mate.email, role: 'member', organizationId: org },
    });
    await t.call('/api/auth/organization/accept-invitation', {
      cookie: mate.cookie,
      body: { invitationId: inv.json.id },
    });
    const theirs = await previewCookie(mate, host);
    const mine = await previewCookie(owner, host);
    const theirWs = openWs(host, '/mate', { cookie: theirs });
    const myWs = openWs(host, '/owner', { cookie: mine });
    await Promise.all([theirWs.opened, myWs.opened]);
    const theirStream = openStream(host, { cookie: theirs });
    const myStream = openStream(host, { cookie: mine });
    await Promise.all([theirStream.started, myStream.started]);

    const start = Date.now();
    const removed = await t.call('/api/auth/organization/remove-member', {
      cookie: owner.cookie,
      body: { memberIdOrEmail: mate.email, organizationId: org },
    });
    expect(removed.status).toBe(200);
    expect(await theirWs.closed).toBe(1008);
    expect(Date.now() - start).toBeLessThan(1000);
    await theirStream.ended;
    expect(Date.now() - start).toBeLessThan(1500);
    // The owner's stream flows on past the room's next checks.
    await new Promise((r) => setTimeout(r, 1000));
    expect(myStream.isEnded()).toBe(false);
    expect((await get(host, '/', { headers: { cookie: theirs } })).status).toBe(401);
    expect((await get(host, '/', { headers: { cookie: mine } })).status).toBe(200);
    expect(myWs.ws.readyState).toBe(WebSocket.OPEN);

    // An API key's socket closes when the key is deleted.
    const made = await t.call('/api/api-keys', {
      cookie: owner.cookie,
      body: { name: 'tool', organizationId: org, permissions: ['exec'] },
    });
    const keyWs = openWs(host, '/key', { authorization: `Bearer ${made.json.key}` });
    await keyWs.opened;
    const keyStream = openStream(host, { authorization: `Bearer ${made.json.key}` });
    await keyStream.started;
    const deleted = await t.call(`/api/api-keys/${made.json.id}`, {
      method: 'DELETE',
      cookie: owner.cookie,
    });
    expect(deleted.status).toBeLessThan(300);
    expect(await keyWs.closed).toBe(1008);
    await keyStream.ended;
    expect((await get(host, '/', { headers: { authorization: `Bearer ${made.json.key}` } })).status).toBe(
      401,
    );
    myWs.ws.close();
  });
});
