import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../core/config';
import { createDb } from '../../db/client';
import { createAuth } from '../../worker/auth';
import { sessionFromCookieCache } from '../../worker/lib/session-cache';
import { withoutCachedSession } from '../../worker/routes/auth';

// On https the session cookies are `__Host-` (worker/auth.ts, cookieOptions): a browser keeps such a
// cookie only from the app's own host, without Domain, so a previewed app or a sibling site under the
// same parent domain cannot plant one. A cookie it can plant (plain, or `__Secure-`, which allows
// Domain) carries nothing the app reads: here it carries a real session, as an attacker's would.
describe('session cookies on https', () => {
  it('are __Host- cookies, and the same session under a name another host could set is not read', async () => {
    const origin = 'https://app.example.test';
    const config = parseConfig({ ...(env as unknown as Env), BETTER_AUTH_URL: origin });
    const { db, close } = createDb(config);
    try {
      const auth = createAuth(db, config.auth);
      const email = `host-cookie-${crypto.randomUUID()}@example.test`;
      const res = await auth.handler(
        new Request(`${origin}/api/auth/sign-up/email`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin },
          body: JSON.stringify({ email, password: 'correct horse battery', name: 'Host Cookie' }),
        }),
      );
      expect(res.status, await res.clone().text()).toBe(200);
      const set = res.headers.getSetCookie();
      expect(set.map((c) => c.split('=')[0])).toEqual(
        expect.arrayContaining(['__Host-better-auth.session_token', '__Host-better-auth.session_data']),
      );
      for (const c of set) {
        expect(c).toMatch(/^__Host-better-auth\./);
        expect(c).toMatch(/;\s*Secure/i);
        expect(c).toMatch(/;\s*Path=\/(;|$)/i);
        expect(c).not.toMatch(/;\s*Domain=/i);
      }
      const cookie = set.map((c) => c.split(';')[0]).join('; ');
      const read = async (cookieHeader: string) => ({
        betterAuth: (await auth.api.getSession({ headers: new Headers({ cookie: cookieHeader }) }))?.user
          .email,
        cache: (await sessionFromCookieCache(auth, new Headers({ cookie: cookieHeader })))?.user.email,
      });
      expect(await read(cookie)).toEqual({ betterAuth: email, cache: email });
      for (const planted of ['better-auth.', '__Secure-better-auth.']) {
        const tossed = cookie.replaceAll('__Host-better-auth.', planted);
        expect(await read(tossed), planted).toEqual({ betterAuth: undefined, cache: undefined });
      }
      // Better Auth's own routes never see the cache, under this name either (worker/routes/auth.ts).
      const stripped = withoutCachedSession(
        new Request(`${origin}/api/auth/get-session`, { headers: { cookie } }),
      );
      expect(stripped.headers.get('cookie')).not.toContain('session_data');
      expect(stripped.headers.get('cookie')).toContain('__Host-better-auth.session_token=');
    } finally {
      await close();
    }
  });

  it('stay Better Auth’s plain names on http (the local stack)', async () => {
    const config = parseConfig(env as unknown as Env);
    expect(config.auth.baseURL).toMatch(/^http:/);
    const { db, close } = createDb(config);
    try {
      const ctx = await createAuth(db, config.auth).$context;
      expect(ctx.authCookies.sessionToken.name).toBe('better-auth.session_token');
      expect(ctx.authCookies.sessionData.name).toBe('better-auth.session_data');
    } finally {
      await close();
    }
  });
});
