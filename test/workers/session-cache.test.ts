import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { call, signUp, type TestUser } from './helpers';

// A cookie's session is read from Better Auth's signed cookie cache without asking the database
// (worker/lib/session-cache.ts reads it on the hot path, Better Auth otherwise). What is read from the
// cache is only what Better Auth itself would accept from it: anything else is looked up in the
// database. Each case re-signs the cache with the server's secret (the tests know it) naming the user
// "Cached Name": /api/me answers that name only when the cache was what it read.

const SECRET = (env as unknown as { BETTER_AUTH_SECRET: string }).BETTER_AUTH_SECRET;
const DATA = 'better-auth.session_data';
const TOKEN = 'better-auth.session_token';

const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const fromB64url = (s: string) => atob(s.replace(/-/g, '+').replace(/_/g, '/'));

async function sign(secret: string, text: string) {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return b64url(new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(text))));
}

const cookieOf = (cookie: string, name: string) =>
  cookie
    .split('; ')
    .find((c) => c.startsWith(`${name}=`))!
    .slice(name.length + 1);
const withCookie = (cookie: string, name: string, value: string) =>
  cookie
    .split('; ')
    .map((c) => (c.startsWith(`${name}=`) ? `${name}=${value}` : c))
    .join('; ');

interface Cache {
  session: {
    session: Record<string, unknown>;
    user: Record<string, unknown>;
    updatedAt: number;
    version?: string;
  };
  expiresAt: number;
  signature: string;
}

/** The user's cache cookie changed by `edit` and signed again (with `secret`, the server's by default). */
async function resigned(
  u: TestUser,
  edit: (c: Cache) => void,
  opts: { secret?: string; keepSignature?: boolean } = {},
) {
  const cache = JSON.parse(fromB64url(cookieOf(u.cookie, DATA))) as Cache;
  cache.session.user.name = 'Cached Name';
  edit(cache);
  if (!opts.keepSignature) {
    const signed = JSON.stringify({ ...cache.session, expiresAt: cache.expiresAt });
    cache.signature = await sign(opts.secret ?? SECRET, signed);
  }
  const value = b64url(new TextEncoder().encode(JSON.stringify(cache)));
  return withCookie(u.cookie, DATA, value);
}

const nameSeen = async (cookie: string) => {
  const r = await call('/api/me', { cookie });
  return r.status === 200 ? (r.json.user.name as string) : r.status;
};

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
    ];
    for (const [why, cookie] of refused) {
      const r = await call('/api/me', { cookie });
      expect(r.status, why).toBe(200);
      expect(r.json.user.name, why).toBe('Real Name');
      // Better Auth read the database and renewed (or cleared) the cache.
      expect(r.headers.getSetCookie().join('\n'), why).toContain(`${DATA}=`);
    }
  });

  it('needs the session token cookie, signed, beside it', async () => {
    const u = await signUp('Real Name');
    const cache = await resigned(u, () => {});
    const token = cookieOf(u.cookie, TOKEN);
    const forged = token.replace(/^[^.]+/, 'another-token');
    expect(await nameSeen(withCookie(cache, TOKEN, forged))).toBe(401);
    expect(
      await nameSeen(
        cache
          .split('; ')
          .filter((c) => !c.startsWith(TOKEN))
          .join('; '),
      ),
    ).toBe(401);
  });
});
