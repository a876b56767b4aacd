import { request } from 'node:http';
import { afterAll, beforeAll, expect } from 'vitest';
import WebSocket from 'ws';
import { createVmClient, type VmClient } from '../../core/vm';
import { httpGet, type GetOptions } from '../../vm-host/test/http-get';
import { VM_SERVER_PATHS } from '../../vm-host/test/vm-server';
import { startTestStack, type TestStack, type TestUser } from './harness';

// What the preview tests do as a browser or a tool would: requests to the Worker naming a preview host
// (Node resolves no `*.localhost`, so they go to 127.0.0.1 with the preview host in `Host`, what a
// browser sends), the private port's sign-in, API keys, WebSockets and never-ending streams.

export const html = { accept: 'text/html,application/xhtml+xml' };

export type PreviewClient = ReturnType<typeof previewClient>;

/**
 * A preview test file's stack, started before its tests and stopped after them: VMs may read the test
 * server's binaries (`startVmServer`), with a VM client to start it and a preview client to reach it.
 */
export function usePreviewStack(extraVars: Record<string, string> = {}) {
  const s = {} as { t: TestStack; vms: VmClient; p: PreviewClient };
  beforeAll(async () => {
    s.t = await startTestStack({
      readonlyPaths: VM_SERVER_PATHS,
      // Each test opens several previews' sockets and streams.
      extraVars: { LIMIT_TERMINAL_SOCKETS: '50', ...extraVars },
    });
    s.vms = createVmClient({ baseUrl: s.t.stack.vmHostUrl, apiKey: s.t.stack.vmHostApiKey });
    s.p = previewClient(s.t);
  }, 120_000);
  afterAll(() => s.t?.stop());
  return s;
}

export function previewClient(t: TestStack) {
  const portOf = () => new URL(t.stack.url).port;
  const hostFor = (port: number, id: string) => `${port}-${id}.localhost:${portOf()}`;
  /** A request to the Worker with `Host: host`. */
  const get = (host: string, path: string, opts?: GetOptions) => httpGet(t.stack.url, host, path, opts);

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

  async function key(user: TestUser, org: string, permissions = ['exec']) {
    const r = await t.call('/api/api-keys', {
      cookie: user.cookie,
      body: { name: 'k', organizationId: org, permissions },
    });
    expect(r.status).toBe(201);
    return r.json.key as string;
  }

  function openWs(host: string, path: string, headers: Record<string, string>) {
    const ws = new WebSocket(`${t.stack.url.replace('http', 'ws')}${path}`, {
      headers: { host, ...headers },
    });
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

  /** A never-ending SSE stream through the preview host: resolves `started` at its first event, `ended` when cut. */
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

  return { portOf, hostFor, get, previewCode, previewCookie, key, openWs, openStream };
}
