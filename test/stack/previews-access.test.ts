import { beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import WebSocket from 'ws';
import { startVmServer } from '../../vm-host/test/vm-server';
import type { TestUser } from './harness';
import { html, usePreviewStack } from './preview-client';

// Who may open a preview URL, on the real stack: the private port's sign-in through the app origin
// (and its login-CSRF guard), API keys, other organizations and anonymous callers, public ports, the VM
// platform's own domain, and revocation (sign-out, a removed member, a deleted key) ending cookies,
// WebSockets and streams at once.

const s = usePreviewStack();

describe('who may open a preview', () => {
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
  }, 60_000);

  it('sends a browser without the preview cookie through the app origin, and refuses other clients', async () => {
    const anon = await s.p.get(host, '/x?y=1', { headers: html });
    expect(anon.status).toBe(302);
    const loc = new URL(anon.headers.location as string);
    expect(loc.pathname).toBe('/api/preview/authorize');
    expect(loc.searchParams.get('host')).toBe(host);
    expect(loc.searchParams.get('next')).toBe('/x?y=1');
    // Not signed in at the app origin: to sign-in, and back.
    const noSession = await fetch(loc, { redirect: 'manual' });
    expect(noSession.status).toBe(302);
    expect(noSession.headers.get('location')).toMatch(/^\/sign-in\?redirect=%2Fapi%2Fpreview%2Fauthorize/);
    const api = await s.p.get(host, '/');
    expect(api.status).toBe(401);
    expect(JSON.parse(api.body).error.code).toBe('unauthorized');
  });

  it('refuses a code sent in a link: only the browser that started the sign-in can finish it', async () => {
    // The attacker starts a sign-in in their own browser and sends the callback link to a victim, whose
    // browser would otherwise end up in the preview as the attacker (login CSRF).
    const { back, state } = await s.p.previewCode(user, host);
    const victim = await s.p.get(host, back.pathname + back.search, { headers: html });
    expect(victim.status).toBe(400);
    expect(victim.headers['set-cookie']).toBeUndefined();
    const otherState = await s.p.get(host, '/', { headers: html });
    const victimState = (otherState.headers['set-cookie'] as string[])[0]!.split(';')[0]!;
    const withOwnState = await s.p.get(host, back.pathname + back.search, {
      headers: { ...html, cookie: victimState },
    });
    expect(withOwnState.status).toBe(400);
    // The code was not spent by those tries: its own browser still finishes.
    const mine = await s.p.get(host, back.pathname + back.search, { headers: { cookie: state } });
    expect(mine.status).toBe(302);
  });

  it('serves a member through the handed-back cookie, with Host, X-Forwarded-* and without our credentials', async () => {
    cookie = await s.p.previewCookie(user, host, '/headers?a=1');
    const r = await s.p.get(host, '/headers?a=1', {
      headers: {
        // Ours, and a sign-in state and a forward token the client chose: none reaches the VM.
        cookie: `${cookie}; app=yes; ${user.cookie}; __cw_preview_state=${'s'.repeat(22)}; __cw_fwd=mine; __Host-better-auth.session_token=t; __Secure-better-auth.session_data=d`,
        'x-forwarded-host': 'evil.example',
      },
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

  it('accepts an API key of the organization, refuses other organizations and anonymous callers', async () => {
    const k = await s.p.key(user, org);
    const ok = await s.p.get(host, '/', { headers: { authorization: `Bearer ${k}` } });
    expect(ok.status).toBe(200);
    expect(ok.body).toBe('hello from port 3000');
    const seen = JSON.parse(
      (await s.p.get(host, '/headers', { headers: { authorization: `Bearer ${k}` } })).body,
    );
    expect(seen.headers.authorization).toBeUndefined();
    const readKey = await s.p.key(user, org, ['read']);
    expect((await s.p.get(host, '/', { headers: { authorization: `Bearer ${readKey}` } })).status).toBe(403);

    const stranger = await s.t.signUp();
    const otherOrg = await s.t.createOrg(stranger);
    const strangerKey = await s.p.key(stranger, otherOrg);
    expect((await s.p.get(host, '/', { headers: { authorization: `Bearer ${strangerKey}` } })).status).toBe(
      404,
    );
    expect((await s.p.get(host, '/', { headers: { authorization: 'Bearer cw_not-a-key' } })).status).toBe(
      401,
    );
    // The stranger's browser: the app origin says not found, no code.
    const r = await fetch(
      `${s.t.stack.url}/api/preview/authorize?host=${encodeURIComponent(host)}&state=${'s'.repeat(22)}&next=/`,
      {
        headers: { cookie: stranger.cookie },
        redirect: 'manual',
      },
    );
    expect(r.status).toBe(404);
    // A cookie made for port 3000 does not open port 3001 (another host).
    expect((await s.p.get(s.p.hostFor(3001, ws.id), '/', { headers: { cookie } })).status).toBe(401);
  });

  it('a public port is open to anyone (and audited); private again closes it', async () => {
    const bad = await s.t.call(`/api/workspaces/${ws.id}/ports/3000`, {
      method: 'PATCH',
      cookie: user.cookie,
      body: { visibility: 'everyone' },
    });
    expect(bad.status).toBe(400);
    const badPort = await s.t.call(`/api/workspaces/${ws.id}/ports/70000`, {
      method: 'PATCH',
      cookie: user.cookie,
      body: { visibility: 'public' },
    });
    expect(badPort.status).toBe(400);
    const r = await s.t.call(`/api/workspaces/${ws.id}/ports/3000`, {
      method: 'PATCH',
      cookie: user.cookie,
      body: { visibility: 'public' },
    });
    expect(r.status).toBe(200);
    expect(r.json.port).toMatchObject({ port: 3000, visibility: 'public' });
    expect((await s.p.get(host, '/')).body).toBe('hello from port 3000');
    const anonWs = s.p.openWs(host, '/public', {});
    await anonWs.opened;
    const audit = await s.t.call(`/api/organizations/${org}/audit`, { cookie: user.cookie });
    expect(audit.json.events.some((e: any) => e.action === 'port_public' && e.detail?.port === 3000)).toBe(
      true,
    );

    await s.t.call(`/api/workspaces/${ws.id}/ports/3000`, {
      method: 'PATCH',
      cookie: user.cookie,
      body: { visibility: 'private' },
    });
    expect((await s.p.get(host, '/')).status).toBe(401);
    expect(await anonWs.closed).toBe(1008);
  });

  it('refuses two Host headers, the app and a preview in either order, with or without credentials', async () => {
    const app = new URL(s.t.stack.url).host;
    const raw = (hosts: string[], cookieHeader?: string) =>
      new Promise<string>((resolve, reject) => {
        const sock = connect(Number(new URL(s.t.stack.url).port), '127.0.0.1');
        let got = '';
        sock.on('data', (d) => (got += d.toString('latin1')));
        sock.on('end', () => resolve(got));
        sock.on('error', reject);
        sock.write(
          `GET / HTTP/1.1\r\n${hosts.map((h) => `Host: ${h}\r\n`).join('')}${
            cookieHeader ? `Cookie: ${cookieHeader}\r\n` : ''
          }Connection: close\r\n\r\n`,
        );
      });
    const mine = await s.p.previewCookie(user, host);
    for (const hosts of [
      [app, host],
      [host, app],
    ]) {
      for (const c of [undefined, `${mine}; ${user.cookie}`]) {
        // workerd cannot make a URL of `a, b` and refuses it (Cloudflare's edge answers 400).
        const answer = await raw(hosts, c);
        expect(Number(answer.split(' ')[1]), `${hosts} ${!!c}`).toBeGreaterThanOrEqual(400);
        expect(answer).not.toContain('hello from port');
      }
    }
    // ... and both sites go on answering.
    expect((await s.p.get(host, '/', { headers: { cookie: mine } })).body).toBe('hello from port 3000');
    expect((await fetch(`${s.t.stack.url}/api/health`)).status).toBe(200);
  });

  it("refuses the VM platform's domain without the Worker's forward-auth token", async () => {
    const direct = (cookieHeader?: string) =>
      fetch(`${s.t.stack.vmHostForwardUrl}/`, {
        headers: { 'x-forwarded-host': host, ...(cookieHeader ? { cookie: cookieHeader } : {}) },
      });
    const none = await direct();
    expect(none.status).toBe(401);
    const forged = await direct(`__cw_fwd=${ws.id}.3000.${Date.now() + 60_000}.AAAA`);
    expect(forged.status).toBe(401);
    // The preview cookie alone is not the Worker's proof either.
    expect((await direct(cookie)).status).toBe(401);
  });

  it("asks forward auth past wrangler's dev proxy, and still after workerd restarts on a new port", async () => {
    // The VM host calls the stack's relay to the Worker's own workerd, as the VM platform calls the
    // Worker in production: not the dev port (scripts/local/worker-direct.ts).
    const { configs } = await s.vms.listForwardAuth();
    expect(configs.map((c) => new URL(c.url).port)).not.toContain(new URL(s.t.stack.url).port);
    const mine = await s.p.previewCookie(user, host);
    expect((await s.p.get(host, '/', { headers: { cookie: mine } })).status).toBe(200);
    const workerd = s.t.stack.parts.find((x) => x.name === 'workerd')!;
    const pid = workerd.pid!;
    process.kill(pid, 'SIGKILL');
    let status = 0;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (workerd.pid && workerd.pid !== pid) {
        status = await s.p.get(host, '/', { headers: { cookie: mine } }).then(
          (r) => r.status,
          () => 0,
        );
        if (status === 200) break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe(200);
    expect((await s.vms.listForwardAuth()).configs).toEqual(configs);
  }, 90_000);
});

describe('revocation', () => {
  it('signing out ends the preview cookie and closes its WebSockets within a second', async () => {
    const { user, workspace } = await s.t.runningWorkspace();
    await startVmServer(s.vms, workspace.freestyleVmId, 3000);
    const host = s.p.hostFor(3000, workspace.id);
    const cookie = await s.p.previewCookie(user, host);
    expect((await s.p.get(host, '/', { headers: { cookie } })).status).toBe(200);
    const c = s.p.openWs(host, '/live', { cookie });
    await c.opened;
    const stream = s.p.openStream(host, { cookie });
    await stream.started;
    const out = await fetch(`${s.t.stack.url}/api/auth/sign-out`, {
      method: 'POST',
      headers: { cookie: user.cookie, origin: s.t.stack.url, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(out.status).toBe(200);
    const at = Date.now();
    expect(await c.closed).toBe(1008);
    expect(Date.now() - at).toBeLessThan(1000);
    // A streamed answer ends too (the Worker asks the room twice a second while it flows).
    await stream.ended;
    expect(Date.now() - at).toBeLessThan(1500);
    expect((await s.p.get(host, '/', { headers: { cookie } })).status).toBe(401);
  });

  it("a removed member's preview cookie and WebSockets end at once, and a deleted key's; the owner's stay", async () => {
    const { user: owner, org, workspace } = await s.t.runningWorkspace();
    await startVmServer(s.vms, workspace.freestyleVmId, 3000);
    const host = s.p.hostFor(3000, workspace.id);
    const mate = await s.t.addMember(owner, org);
    const theirs = await s.p.previewCookie(mate, host);
    const mine = await s.p.previewCookie(owner, host);
    const theirWs = s.p.openWs(host, '/mate', { cookie: theirs });
    const myWs = s.p.openWs(host, '/owner', { cookie: mine });
    await Promise.all([theirWs.opened, myWs.opened]);
    const theirStream = s.p.openStream(host, { cookie: theirs });
    const myStream = s.p.openStream(host, { cookie: mine });
    await Promise.all([theirStream.started, myStream.started]);

    const start = Date.now();
    const removed = await s.t.call('/api/auth/organization/remove-member', {
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
    expect((await s.p.get(host, '/', { headers: { cookie: theirs } })).status).toBe(401);
    expect((await s.p.get(host, '/', { headers: { cookie: mine } })).status).toBe(200);
    expect(myWs.ws.readyState).toBe(WebSocket.OPEN);

    // An API key's socket closes when the key is deleted.
    const made = await s.t.call('/api/api-keys', {
      cookie: owner.cookie,
      body: { name: 'tool', organizationId: org, permissions: ['exec'] },
    });
    const keyWs = s.p.openWs(host, '/key', { authorization: `Bearer ${made.json.key}` });
    await keyWs.opened;
    const keyStream = s.p.openStream(host, { authorization: `Bearer ${made.json.key}` });
    await keyStream.started;
    const deleted = await s.t.call(`/api/api-keys/${made.json.id}`, {
      method: 'DELETE',
      cookie: owner.cookie,
    });
    expect(deleted.status).toBeLessThan(300);
    expect(await keyWs.closed).toBe(1008);
    await keyStream.ended;
    expect((await s.p.get(host, '/', { headers: { authorization: `Bearer ${made.json.key}` } })).status).toBe(
      401,
    );
    myWs.ws.close();
  });
});
