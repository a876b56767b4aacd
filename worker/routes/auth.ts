import { Hono } from 'hono';
import { ErrorCode } from '../../core/errors';
import { apiError } from '../lib/errors';
import { databaseAnswers, databaseUnavailable } from '../lib/dependencies';
import { afterAuthResponse } from '../lib/membership-changes';
import { authInput } from '../middleware/auth-input';
import type { AppEnv } from '../types';

/**
 * Better Auth's own endpoints read the session from the database, never from the cookie cache: they
 * change things (sign-out, invitations, which need the address verified since the cookie was signed)
 * or are the app's one read of the session per page (get-session, which renews the cached cookie).
 * Every cookie Better Auth could read as the cache goes: its name as better-call parses it (trimmed,
 * so `session_data =` counts) and its chunks (`session_data.0`, ...), which it joins into one.
 */
export function withoutCachedSession(req: Request): Request {
  const cookie = req.headers.get('cookie');
  if (!cookie || !cookie.includes('session_data')) return req;
  const kept = cookie
    .split(';')
    .filter((part) => {
      const eq = part.indexOf('=');
      return eq < 0 || !CACHE_NAME.test(part.slice(0, eq).trim());
    })
    .join(';');
  const headers = new Headers(req.headers);
  headers.set('cookie', kept);
  return new Request(req, { headers });
}

/** `[__Secure-]<prefix>.session_data` (on https `__Host-better-auth.session_data`), and its chunks `.0`, ... */
const CACHE_NAME = /^(?:__Secure-)?[^.]*\.session_data(?:\..*)?$/;

/**
 * Better Auth's routes. It answers a failed dependency with an empty 500 (and a session it could not
 * read as no session): both become our JSON error, a 503 when the database is what failed.
 */
export const authRoutes = new Hono<AppEnv>().on(['GET', 'POST'], '/*', authInput, async (c) => {
  let res: Response;
  try {
    res = await c.var.auth.handler(withoutCachedSession(c.req.raw));
  } catch (err) {
    console.error(`${c.req.method} ${c.req.path} failed:`, err);
    res = new Response(null, { status: 500 });
  }
  const sessionLost = c.req.path.endsWith('/get-session') && res.status === 200 && !!c.req.header('cookie');
  // Someone left an organization: their SSH access to its workspaces goes with them.
  if (res.status < 500 && !sessionLost) return afterAuthResponse(c, res);
  if (sessionLost) {
    const text = await res.clone().text();
    if (text !== 'null' && text !== '') return res;
  }
  if (!(await databaseAnswers(c.var.db))) throw databaseUnavailable();
  if (sessionLost) return res;
  const body = await res.clone().text();
  if (res.headers.get('content-type')?.includes('application/json') && body) return res;
  throw apiError(500, ErrorCode.internal, 'Something went wrong on our side.');
});
