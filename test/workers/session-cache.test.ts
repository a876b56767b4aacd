import { SELF, env } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../core/config';
import { createDb } from '../../db/client';
import { BASE, addMember, call, createOrg, runningWorkspace, signUp, type TestUser } from './helpers';
import {
  DATA,
  SECRET,
  TOKEN,
  b64url,
  cookieOf,
  deleteSessions,
  freshFor,
  resignedCookie,
  withCookie,
  type Cache,
} from './cache-cookie';

// A cookie's session is read from Better Auth's signed cookie cache without asking the database
// (worker/lib/session-cache.ts reads it on the hot path, Better Auth otherwise). What is read from the
// cache is only what Better Auth itself would accept from it: anything else is looked up in the
// database. Each case re-signs the cache with the server's secret (the tests know it) naming the user
// "Cached Name": /api/me answers that name only when the cache was what it read.

const resigned = (u: TestUser, edit: (c: Cache) => void, opts?: Parameters<typeof resignedCookie>[2]) =>
  resignedCookie(
    u.cookie,
    (c) => {
      c.session.user.name = 'Cached Name';
      edit(c);
    },
    opts,
  );

const nameSeen = async (cookie: string) => {
  const r = await call('/api/me', { cookie });
  return r.status === 200 ? (r.json.user.name as string) : r.status;
};
const idSeen = async (cookie: string) => {
  const r = await call('/api/me', { cookie });
  return r.status === 200 ? (r.json.user.id as string) : r.status;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the session read from Better Auth's cookie cache", () => {
  it('is read from a cache the server signed, without the database', async () => {
    const u = await signUp('Real Name');
    expect(await nameSeen(u.cookie)).toBe('Real Name');
    expect(await nameSeen(await resigned(u, () => {}))).toBe('Cached Name');
  });

  it('is looked up instead when the cache is not one Better Auth would answer from', async () => {
    const u = await signUp('Real Name');
    const past = Date.now() - 1000;
    const refused: [string, string][] = [
      ['changed without its signature', await resigned(u, () => {}, { keepSignature: true })],
      ['signed with another secret', await resigned(u, () => {}, { secret: `${SECRET}-other` })],
      ['past its max age', await resigned(u, (c) => (c.expiresAt = past))],
      ['of an expired session', await resigned(u, (c) => (c.session.session.expiresAt = new Date(past)))],
      ['of another session token', await resigned(u, (c) => (c.session.session.token = 'another-token'))],
      ['of another cache version', await resigned(u, (c) => (c.session.version = '2'))],
      // Better Auth's parser reads this name as a date, which its schema refuses.
      [
        'whose name reads as a date',
        await resigned(u, (c) => (c.session.user.name = '2026-01-01T00:00:00Z')),
      ],
      ['without a session id', await resigned(u, (c) => delete c.session.session.id)],
      ['not JSON', withCookie(u.cookie, DATA, 'bm90IGpzb24')],
      // Forged: a signature cut short, one emptied, one of another cache of the same user.
      [
        'with its signature truncated',
        await resigned(u, () => {}).then(async (cookie) => {
          const cache = JSON.parse(atob(cookieOf(cookie, DATA).replace(/-/g, '+').replace(/_/g, '/')));
          cache.signature = cache.signature.slice(0, 20);
          return withCookie(cookie, DATA, b64url(new TextEncoder().encode(JSON.stringify(cache))));
        }),
      ],
      [
        'with an empty signature',
        await resigned(u, () => {}).then((cookie) =>
          resignedCookie(cookie, (c) => (c.signature = ''), { keepSignature: true }),
        ),
      ],
      [
        "with another cache's signature",
        await resigned(u, (c) => (c.session.user.name = 'Other Name')).then(async (other) => {
          const mine = await resigned(u, () => {});
          const sig = (JSON.parse(atob(cookieOf(other, DATA).replace(/-/g, '+').replace(/_/g, '/'))) as Cache)
            .signature;
          return resignedCookie(mine, (c) => (c.signature = sig), { keepSignature: true });
        }),
      ],
      ['32 KiB of junk', withCookie(u.cookie, DATA, 'A'.repeat(32 * 1024))],
    ];
    for (const [why, cookie] of refused) {
      const r = await call('/api/me', { cookie });
      expect(r.status, why).toBe(200);
      expect(r.json.user.name, why).toBe('Real Name');
      // Better Auth read the database and renewed (or cleared) the cache.
      expect(r.headers.getSetCookie().join('\n'), why).toContain(`${DATA}=`);
    }
  });

  it('refuses a cache with a malformed %-escape (Better Auth cannot decode it) rather than read it', async () => {
    const u = await signUp('Real Name');
    const cache = cookieOf(await resigned(u, () => {}), DATA);
    expect(await nameSeen(withCookie(u.cookie, DATA, `${cache}%E0%A4%A`))).toBe(401);
  });

  it('needs the session token cookie, signed, beside it', async () => {
    const u = await signUp('Real Name');
    const cache = await resigned(u, () => {});
    const token = cookieOf(u.cookie, TOKEN);
    const forged = token.replace(/^[^.]+/, 'another-token');
    expect(await nameSeen(withCookie(cache, TOKEN, forged))).toBe(401);
    // The token's signature cut short (better-call wants 44 base64 characters).
    const [value, sig] = decodeURIComponent(token).split('.') as [string, string];
    expect(await nameSeen(withCookie(cache, TOKEN, encodeURIComponent(`${value}.${sig.slice(0, 43)}`)))).toBe(
      401,
    );
    expect(
      await nameSeen(
        cache
          .split('; ')
          .filter((c) => !c.startsWith(TOKEN))
          .join('; '),
      ),
    ).toBe(401);
  });

  it("never answers one user's session with another's cookies", async () => {
    const [alice, bob] = await Promise.all([signUp('Alice'), signUp('Bob')]);
    const aliceToken = `${TOKEN}=${cookieOf(alice.cookie, TOKEN)}`;
    const bobToken = `${TOKEN}=${cookieOf(bob.cookie, TOKEN)}`;
    const aliceCache = `${DATA}=${cookieOf(await freshFor(alice.cookie, 60_000), DATA)}`;
    const bobCache = `${DATA}=${cookieOf(await freshFor(bob.cookie, 60_000), DATA)}`;
    // Each cookie signed by the server, paired with the other user's: the token decides, from the database.
    expect(await idSeen(`${aliceToken}; ${bobCache}`)).toBe(alice.id);
    expect(await idSeen(`${bobToken}; ${aliceCache}`)).toBe(bob.id);
    // Duplicated names: the first of each is read (as better-call does), and they still must match.
    expect(await idSeen(`${aliceToken}; ${bobCache}; ${aliceCache}`)).toBe(alice.id);
    expect(await idSeen(`${aliceToken}; ${bobToken}; ${bobCache}`)).toBe(alice.id);
    expect(await idSeen(`${bobCache}; ${aliceToken}; ${bobToken}`)).toBe(alice.id);
    // `__Secure-` names are production's (https); on http neither reader takes them.
    expect(await idSeen(`__Secure-${aliceToken}; __Secure-${aliceCache}`)).toBe(401);
    // The whole cache %-encoded is what better-call decodes too: the same user, nobody else.
    const encoded = [...cookieOf(aliceCache, DATA)].map((ch) => `%${ch.charCodeAt(0).toString(16)}`).join('');
    expect(await idSeen(`${aliceToken}; ${DATA}=${encoded}`)).toBe(alice.id);
  });

  it('does not reuse a remembered cache past its expiry, nor past its session’s', async () => {
    const u = await signUp('Real Name');
    const lasting = await resigned(u, (c) => (c.expiresAt = Date.now() + 60_000));
    expect(await nameSeen(lasting)).toBe('Cached Name');
    // 300 other verified caches go through the isolate's memory (256 at most): the first is evicted.
    for (let i = 0; i < 300; i++) {
      await call('/api/me', { cookie: await resigned(u, (c) => (c.session.updatedAt = i)) });
    }
    expect(await nameSeen(lasting)).toBe('Cached Name'); // verified again
    const soon = Date.now() + 1500;
    const short = await resigned(u, (c) => (c.expiresAt = soon));
    const shortSession = await resigned(u, (c) => {
      c.expiresAt = Date.now() + 60_000;
      c.session.session.expiresAt = new Date(soon).toISOString();
    });
    expect(await nameSeen(short)).toBe('Cached Name');
    expect(await nameSeen(shortSession)).toBe('Cached Name');
    await sleep(Math.max(0, soon - Date.now()) + 100);
    expect(await nameSeen(short)).toBe('Real Name');
    expect(await nameSeen(shortSession)).toBe('Real Name');
  }, 60_000);

  it('ends access at once when the session is signed out or revoked, whatever the cache says', async () => {
    const u = await signUp('Real Name');
    const org = await createOrg(u);
    const kept = await freshFor(u.cookie, 10 * 60_000); // a copy of the cookies, kept past sign-out
    expect(await nameSeen(kept)).toBe('Real Name');
    const out = await call('/api/auth/sign-out', { cookie: kept, body: {} });
    expect(out.status).toBe(200);
    const refused: [string, Promise<{ status: number }>][] = [
      ['GET /api/me', call('/api/me', { cookie: kept })],
      ['GET /api/api-keys', call('/api/api-keys', { cookie: kept })],
      [
        'POST /api/api-keys',
        call('/api/api-keys', { cookie: kept, body: { name: 'k', organizationId: org } }),
      ],
      [
        'DELETE /api/api-keys/:id',
        call(`/api/api-keys/${crypto.randomUUID()}`, { cookie: kept, method: 'DELETE' }),
      ],
      ['GET /api/invitations', call('/api/invitations', { cookie: kept })],
      ['GET /api/workspaces', call(`/api/workspaces?organizationId=${org}`, { cookie: kept })],
      ['GET /api/me/secrets', call('/api/me/secrets', { cookie: kept })],
    ];
    for (const [why, r] of refused) expect((await r).status, why).toBe(401);
  });

  it('refuses a terminal ticket issued before sign-out, and a fresh cache on the sockets', async () => {
    const u = await signUp();
    const org = await createOrg(u);
    const { id } = await runningWorkspace(u, org);
    const kept = await freshFor(u.cookie, 10 * 60_000);
    const win = await call(`/api/workspaces/${id}/terminals`, { cookie: kept, body: {} });
    const ticket = await call(`/api/workspaces/${id}/terminal-ticket`, { cookie: kept, body: {} });
    expect(win.status).toBe(201);
    expect(ticket.status).toBe(201);
    expect(ticket.json.ticket).toMatch(/\S{16,}/);
    expect((await call('/api/auth/sign-out', { cookie: kept, body: {} })).status).toBe(200);
    const upgrade = (path: string, cookie?: string) =>
      SELF.fetch(BASE + path, {
        headers: { Upgrade: 'websocket', origin: BASE, ...(cookie ? { cookie } : {}) },
      }).then(async (r) => {
        await r.body?.cancel();
        return r.status;
      });
    const term = `/api/workspaces/${id}/terminals/${win.json.windowId}`;
    expect(await upgrade(`${term}?ticket=${ticket.json.ticket}`)).toBe(401);
    expect(await upgrade(term, kept)).toBe(401);
    expect(await upgrade(`/api/organizations/${org}/events`, kept)).toBe(401);
  }, 60_000);

  it("keeps the cache from Better Auth's own routes, however the cookie is spelled", async () => {
    const u = await signUp('Real Name');
    const kept = await freshFor(u.cookie, 10 * 60_000);
    await deleteSessions(u.id);
    const cache = cookieOf(kept, DATA);
    const spelled = {
      plain: kept,
      // Better Auth joins chunks `.0`, `.1`, ... when the cookie itself is missing.
      chunked: kept.replace(
        `${DATA}=${cache}`,
        `${DATA}.0=${cache.slice(0, 50)}; ${DATA}.1=${cache.slice(50)}`,
      ),
      // better-call trims the name.
      'space before =': kept.replace(`${DATA}=`, `${DATA} =`),
      'tab after ;': kept.replace(`; ${DATA}=`, `;\t${DATA}=`),
    };
    for (const [why, cookie] of Object.entries(spelled)) {
      const s = await call('/api/auth/get-session', { cookie });
      expect(s.json, why).toBeNull();
      const slug = `org-${crypto.randomUUID().slice(0, 8)}`;
      const made = await call('/api/auth/organization/create', { cookie, body: { name: 'Theirs', slug } });
      expect(made.status, why).toBe(401);
    }
  });

  it('reads membership from the database: a member removed while their cache is fresh is out', async () => {
    const [owner, contractor] = await Promise.all([signUp(), signUp()]);
    const org = await createOrg(owner);
    await addMember(owner, org, contractor);
    const kept = await freshFor(contractor.cookie, 10 * 60_000);
    expect((await call(`/api/workspaces?organizationId=${org}`, { cookie: kept })).status).toBe(200);
    const removed = await call('/api/auth/organization/remove-member', {
      cookie: owner.cookie,
      body: { memberIdOrEmail: contractor.email, organizationId: org },
    });
    expect(removed.status).toBe(200);
    expect((await call(`/api/workspaces?organizationId=${org}`, { cookie: kept })).status).toBe(404);
    expect((await call(`/api/organizations/${org}/usage`, { cookie: kept })).status).toBe(404);
    const me = await call('/api/me', { cookie: kept });
    expect(me.json.organizations.map((o: { id: string }) => o.id)).not.toContain(org);
  });

  it('refuses a deleted user whose cache is fresh', async () => {
    const u = await signUp('Real Name');
    const kept = await resigned(u, (c) => (c.expiresAt = Date.now() + 10 * 60_000));
    expect(await nameSeen(kept)).toBe('Cached Name');
    const { db, close } = createDb(parseConfig(env as unknown as Env));
    await db.execute(sql`delete from "user" where id = ${u.id}`);
    await close();
    expect(await nameSeen(kept)).toBe(401);
    expect((await call('/api/api-keys', { cookie: kept })).status).toBe(401);
  });
});
