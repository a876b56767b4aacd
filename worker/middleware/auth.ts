import { createMiddleware } from 'hono/factory';
import { eq } from 'drizzle-orm';
import { user } from '../../db/schema';
import { apiError, unauthorized } from '../lib/errors';
import { ErrorCode } from '../../core/errors';
import { API_KEY_PREFIX } from '../auth';
import { databaseAnswers, databaseUnavailable } from '../lib/dependencies';
import { keyScope } from '../lib/key-scope';
import type { AppEnv, Principal } from '../types';

function bearer(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  return match?.[1];
}

async function fromApiKey(c: Parameters<Parameters<typeof createMiddleware<AppEnv>>[0]>[0], key: string) {
  if (!key.startsWith(API_KEY_PREFIX)) return null;
  const result = await c.var.auth.api.verifyApiKey({ body: { key } }).catch(() => null);
  if (!result?.valid || !result.key) return null;
  const [row] = await c.var.db.select().from(user).where(eq(user.id, result.key.referenceId)).limit(1);
  if (!row) return null;
  const expiresAt = result.key.expiresAt ? new Date(result.key.expiresAt).getTime() : null;
  const scoped = { id: result.key.id, ...keyScope(result.key), expiresAt };
  const { id, name, email, image } = row;
  return { userId: id, via: 'api_key', name, email, image, key: scoped } as Principal;
}

/** Every /api route but health and auth: a session cookie or `Authorization: Bearer <api key>`. */
export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  const key = bearer(c.req.header('authorization'));
  let principal: Principal | null = null;
  if (key) {
    principal = await fromApiKey(c, key);
  } else {
    // An invalid or expired cookie makes getSession throw: that is a 401, not a 500.
    const session = await c.var.auth.api.getSession({ headers: c.req.raw.headers }).catch(() => null);
    if (session) {
      const u = session.user;
      principal = {
        userId: u.id,
        via: 'session',
        name: u.name,
        email: u.email,
        image: u.image ?? null,
        sessionId: session.session.id,
      };
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
});
