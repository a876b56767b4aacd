import { env } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { parseConfig } from '../../core/config';
import { createDb } from '../../db/client';

// Better Auth's signed cookie cache (the "compact" strategy), taken apart and signed again with the
// test Worker's secret: what an attacker cannot do, so that tests can show what the server does with
// a cache it signed itself (worker/lib/session-cache.ts, and Better Auth's own reader).

export const SECRET = (env as unknown as { BETTER_AUTH_SECRET: string }).BETTER_AUTH_SECRET;
export const DATA = 'better-auth.session_data';
export const TOKEN = 'better-auth.session_token';

export const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const fromB64url = (s: string) => atob(s.replace(/-/g, '+').replace(/_/g, '/'));

export async function sign(secret: string, text: string) {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return b64url(new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(text))));
}

export const cookieOf = (cookie: string, name: string) =>
  cookie
    .split('; ')
    .find((c) => c.startsWith(`${name}=`))!
    .slice(name.length + 1);
export const withCookie = (cookie: string, name: string, value: string) =>
  cookie
    .split('; ')
    .map((c) => (c.startsWith(`${name}=`) ? `${name}=${value}` : c))
    .join('; ');

export interface Cache {
  session: {
    session: Record<string, unknown>;
    user: Record<string, unknown>;
    updatedAt: number;
    version?: string;
  };
  expiresAt: number;
  signature: string;
}

/** The cookies with their cache changed by `edit` and signed again (the server's secret by default). */
export async function resignedCookie(
  cookie: string,
  edit: (c: Cache) => void,
  opts: { secret?: string; keepSignature?: boolean } = {},
) {
  const cache = JSON.parse(fromB64url(cookieOf(cookie, DATA))) as Cache;
  edit(cache);
  if (!opts.keepSignature) {
    const signed = JSON.stringify({ ...cache.session, expiresAt: cache.expiresAt });
    cache.signature = await sign(opts.secret ?? SECRET, signed);
  }
  return withCookie(cookie, DATA, b64url(new TextEncoder().encode(JSON.stringify(cache))));
}

/** A cache that stays fresh for `ms` (a test outlasting the real minute). */
export const freshFor = (cookie: string, ms: number) =>
  resignedCookie(cookie, (c) => (c.expiresAt = Date.now() + ms));

/** The user's sessions deleted in the database, as a revocation elsewhere does; no hooks run. */
export async function deleteSessions(userId: string) {
  const { db, close } = createDb(parseConfig(env as unknown as Env));
  try {
    await db.execute(sql`delete from session where user_id = ${userId}`);
  } finally {
    await close();
  }
}
