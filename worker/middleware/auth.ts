import { createMiddleware } from 'hono/factory';
import { and, eq, gt, isNull, or, sql } from 'drizzle-orm';
import { apikey, user } from '../../db/schema';
import type { Database } from '../../db/client';
import { apiError, unauthorized } from '../lib/errors';
import { ErrorCode } from '../../core/errors';
import { API_KEY_PREFIX } from '../auth';
import { databaseAnswers, databaseUnavailable } from '../lib/dependencies';
import { keyScope, parseJson } from '../lib/key-scope';
import type { AppEnv, Principal } from '../types';
import { sessionFromCookieCache, type CachedSession } from '../lib/session-cache';

function bearer(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  return match?.[1];
}

/** Better Auth's key hash (the API-key plugin's default): SHA-256, base64url without padding. */
async function hashKey(key: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key)));
  return btoa(String.fromCharCode(...digest))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/**
 * The key and its user in one statement, which also records the key's use (the keys page shows its
 * last one). The API-key plugin's own check is three round trips (read, usage update, user).
 */
async function fromApiKey(db: Database, key: string): Promise<Principal | null> {
  if (!key.startsWith(API_KEY_PREFIX) || key.length > 512) return null;
  const now = new Date();
  const [row] = await db
    .update(apikey)
    .set({
      lastRequest: now,
      requestCount: sql`coalesce(${apikey.requestCount}, 0) + 1`,
      remaining: sql`${apikey.remaining} - 1`,
    })
    .from(user)
    .where(
      and(
        eq(apikey.key, await hashKey(key)),
        eq(user.id, apikey.referenceId),
        sql`${apikey.enabled} is not false`,
        or(isNull(apikey.expiresAt), gt(apikey.expiresAt, now)),
        or(isNull(apikey.remaining), gt(apikey.remaining, 0)),
      ),
    )
    .returning({
      keyId: apikey.id,
      metadata: apikey.metadata,
      permissions: apikey.permissions,
      expiresAt: apikey.expiresAt,
      userId: user.id,
      name: user.name,
      email: user.email,
      image: user.image,
    });
  if (!row) return null;
  const scope = keyScope({ metadata: parseJson(row.metadata), permissions: parseJson(row.permissions) });
  const { userId, name, email, image } = row;
  return {
    userId,
    via: 'api_key',
    name,
    email,
    image,
    key: { id: row.keyId, ...scope, expiresAt: row.expiresAt ? row.expiresAt.getTime() : null },
  };
}

/** Better Auth's answer as the principal needs it. */
function sessionOf(
  r:
    | { session: { id: string }; user: { id: string; name: string; email: string; image?: string | null } }
    | null
    | undefined,
): CachedSession | null {
  if (!r) return null;
  const { id, name, email, image } = r.user;
  return { sessionId: r.session.id, user: { id, name, email, image: image ?? null } };
}

/** Every /api route but health and auth: a session cookie or `Authorization: Bearer <api key>`. */
export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  const key = bearer(c.req.header('authorization'));
  let principal: Principal | null = null;
  let refreshed: string[] = [];
  if (key) {
    principal = await fromApiKey(c.var.db, key).catch(() => null);
  } else {
    // From the signed cookie cache while it is fresh (no query; routes check the session still
    // exists in their own statement, worker/lib/membership.ts), read by our own small path when it
    // holds as it is (worker/lib/session-cache.ts), else by Better Auth, which reads the database and
    // renews the cache. An invalid or expired cookie makes getSession throw: that is a 401, not a 500.
    const cached = await sessionFromCookieCache(c.var.auth, c.req.raw.headers);
    const result = cached
      ? null
      : await c.var.auth.api
          .getSession({ headers: c.req.raw.headers, returnHeaders: true })
          .catch(() => null);
    refreshed = result?.headers.getSetCookie() ?? [];
    const session = cached ?? sessionOf(result?.response);
    if (session) {
      const { id, name, email, image } = session.user;
      principal = { userId: id, via: 'session', name, email, image, sessionId: session.sessionId };
    }
  }
  if (!principal) {
    // Credentials that could not be checked are not wrong credentials: with the database down (or
    // out of connections) this is a 503, so clients keep the session and retry instead of signing out.
    const sentCredentials = !!key || !!c.req.header('cookie');
    if (sentCredentials && !(await databaseAnswers(c.var.db))) throw databaseUnavailable();
    throw unauthorized();
  }
  // A cookie rides along on any page's WebSocket to us: refuse sockets opened by another site's page.
  if (principal.via === 'session' && c.req.header('upgrade')?.toLowerCase() === 'websocket') {
    const origin = c.req.header('origin');
    if (origin && !c.var.config.auth.trustedOrigins.includes(origin)) {
      throw apiError(403, ErrorCode.forbidden, `WebSockets from ${origin} are not accepted.`);
    }
  }
  c.set('principal', principal);
  await next();
  // A cache cookie renewed from the database goes back to the browser, so its next request needs none.
  for (const cookie of refreshed) {
    try {
      c.res.headers.append('set-cookie', cookie);
    } catch {
      // An upgraded socket's or a room's response has immutable headers: the next request renews it.
    }
  }
});
