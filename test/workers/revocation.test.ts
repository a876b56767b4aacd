import { env, SELF } from 'cloudflare:test';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../core/config';
import { createDb } from '../../db/client';
import { apikey } from '../../db/schema';
import {
  addMember,
  BASE,
  call,
  createApiKey,
  createOrg,
  runningWorkspace,
  signUp,
  type TestUser,
} from './helpers';

// Access that ends must end at once: a removed contractor keeps no shell. Every open socket of the
// principal closes with 4004 within a second.

type Auth = { cookie?: string; apiKey?: string };
const headersOf = (a: Auth): Record<string, string> => ({
  Upgrade: 'websocket',
  origin: BASE,
  ...(a.cookie ? { cookie: a.cookie } : {}),
  ...(a.apiKey ? { authorization: `Bearer ${a.apiKey}` } : {}),
});

async function open(path: string, a: Auth) {
  const res = await SELF.fetch(BASE + path, { headers: headersOf(a) });
  if (res.status !== 101) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  const ws = res.webSocket!;
  ws.accept();
  const closed = new Promise<{ code: number; at: number }>((resolve) =>
    ws.addEventListener('close', (e) => resolve({ code: e.code, at: Date.now() })),
  );
  return { ws, closed };
}

async function closesWithin(sock: Awaited<ReturnType<typeof open>>, act: () => Promise<unknown>, ms = 1000) {
  const started = Date.now();
  await act();
  const timeout = new Promise<null>((r) => setTimeout(() => r(null), ms + 500));
  const r = await Promise.race([sock.closed, timeout]);
  expect(r, 'the socket stayed open').not.toBeNull();
  expect(r!.code).toBe(4004);
  expect(r!.at - started).toBeLessThanOrEqual(ms);
}

/** A running workspace with one terminal window. */
async function withWindow(owner: TestUser, org: string) {
  const { id } = await runningWorkspace(owner, org);
  const win = await call(`/api/workspaces/${id}/terminals`, { cookie: owner.cookie, body: {} });
  return { id, windowId: win.json.windowId as string };
}

describe('revocation closes open sockets within 1 s', () => {
  it('a removed member loses their terminal and live socket; others keep theirs', async () => {
    const owner = await signUp();
    const org = await createOrg(owner);
    const contractor = await signUp();
    await addMember(owner, org, contractor);
    const { id, windowId } = await withWindow(owner, org);
    const term = await open(`/api/workspaces/${id}/terminals/${windowId}`, { cookie: contractor.cookie });
    const live = await open(`/api/organizations/${org}/events`, { cookie: contractor.cookie });
    const ownerLive = await open(`/api/organizations/${org}/events`, { cookie: owner.cookie });
    let ownerClosed = false;
    void ownerLive.closed.then(() => (ownerClosed = true));
    await closesWithin(term, () =>
      call('/api/auth/organization/remove-member', {
        cookie: owner.cookie,
        body: { memberIdOrEmail: contractor.email, organizationId: org },
      }).then((r) => expect(r.status).toBe(200)),
    );
    await closesWithin(live, async () => {});
    expect(ownerClosed).toBe(false);
    ownerLive.ws.close(1000);
  }, 60_000);

  it('signing out closes that session’s sockets', async () => {
    const user = await signUp();
    const org = await createOrg(user);
    const live = await open(`/api/organizations/${org}/events`, { cookie: user.cookie });
    await closesWithin(live, () => call('/api/auth/sign-out', { cookie: user.cookie, body: {} }));
  });

  it("deleting a key closes that key's sockets", async () => {
    const user = await signUp();
    const org = await createOrg(user);
    const made = await call('/api/api-keys', {
      cookie: user.cookie,
      body: { name: 'bot', organizationId: org },
    });
    const live = await open(`/api/organizations/${org}/events`, { apiKey: made.json.key });
    await closesWithin(live, () =>
      call(`/api/api-keys/${made.json.id}`, { cookie: user.cookie, method: 'DELETE' }),
    );
    expect(await createApiKey(user, org)).toMatch(/^cw_/);
  });

  // Keys last at least a day through the API; the test moves one's expiry a few seconds ahead in the
  // database. A socket learns its key's expiry when it opens (a timer in the room, an alarm in
  // OrgEvents), so it closes at the expiry, not at the next request.
  it('a key that expires while its sockets are open closes them at its expiry', async () => {
    const owner = await signUp();
    const org = await createOrg(owner);
    const { id, windowId } = await withWindow(owner, org);
    const made = await call('/api/api-keys', {
      cookie: owner.cookie,
      body: { name: 'short', organizationId: org },
    });
    const expiresAt = Date.now() + 3000;
    const { db, close } = createDb(parseConfig(env as unknown as Env));
    await db
      .update(apikey)
      .set({ expiresAt: new Date(expiresAt) })
      .where(eq(apikey.id, made.json.id));
    await close();
    const term = await open(`/api/workspaces/${id}/terminals/${windowId}`, { apiKey: made.json.key });
    const live = await open(`/api/organizations/${org}/events`, { apiKey: made.json.key });
    for (const sock of [term, live]) {
      const r = await Promise.race([
        sock.closed,
        new Promise<null>((res) => setTimeout(() => res(null), expiresAt + 2000 - Date.now())),
      ]);
      expect(r, 'the socket outlived its key').not.toBeNull();
      expect(r!.code).toBe(4004);
      expect(r!.at).toBeGreaterThanOrEqual(expiresAt - 50);
      expect(r!.at - expiresAt).toBeLessThanOrEqual(1000);
    }
    expect((await call(`/api/workspaces/${id}`, { apiKey: made.json.key })).status).toBe(401);
  }, 60_000);
});

// Sessions are read from Better Auth's signed cookie cache (no query), so a copy of the cookie outlives
// its session by up to SESSION_COOKIE_CACHE_SECONDS: every route that reads an organization's data
// checks in its own statement that the session still exists.
describe('the cookie cache does not outlive a session', () => {
  async function signIn(email: string) {
    const res = await call('/api/auth/sign-in/email', {
      body: { email, password: 'correct-horse-battery' },
    });
    expect(res.status).toBe(200);
    return res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
  }

  it('a copy of a signed-out cookie reads and changes nothing, though it is cached', async () => {
    const user = await signUp();
    const org = await createOrg(user);
    expect(user.cookie, 'the cookie carries the cached session').toMatch(/session_data=/);
    expect((await call(`/api/workspaces?organizationId=${org}`, { cookie: user.cookie })).status).toBe(200);
    expect((await call('/api/auth/sign-out', { cookie: user.cookie, body: {} })).status).toBe(200);
    for (const path of [`/api/workspaces?organizationId=${org}`, `/api/repositories?organizationId=${org}`]) {
      const r = await call(path, { cookie: user.cookie });
      expect(r.status, path).toBe(401);
    }
    const key = await call('/api/api-keys', {
      cookie: user.cookie,
      body: { name: 'k', organizationId: org },
    });
    expect(key.status).toBe(401);
    expect((await call('/api/auth/get-session', { cookie: user.cookie })).json).toBeNull();
  });

  it('a session revoked from another device is refused at once', async () => {
    const user = await signUp();
    const org = await createOrg(user);
    const laptop = await signIn(user.email);
    const phone = await signIn(user.email);
    expect(laptop).toMatch(/session_data=/);
    const list = `/api/workspaces?organizationId=${org}`;
    expect((await call(list, { cookie: laptop })).status).toBe(200);
    const revoked = await call('/api/auth/revoke-other-sessions', { cookie: phone, body: {} });
    expect(revoked.status).toBe(200);
    expect((await call(list, { cookie: laptop })).status).toBe(401);
    expect((await call(list, { cookie: phone })).status).toBe(200);
  });
});
