import { Hono } from 'hono';
import { ErrorCode } from '../../core/errors';
import { verifyForward } from '../../core/forward-token';
import {
  FORWARD_AUTH_PATH,
  FORWARD_COOKIE,
  PREVIEW_CALLBACK_PATH,
  PREVIEW_STATE,
  parsePreviewHost,
  safePreviewPath,
} from '../../core/ports';
import { parseConfig } from '../../core/config';
import { apiError } from '../lib/errors';
import { loadWorkspace } from '../lib/load';
import { roomFor } from '../lib/rooms';
import { withoutCachedSession } from './auth';
import type { AppEnv } from '../types';

// The app origin's half of a private preview: the session and membership are checked here, where the
// session cookie lives, and a one-time code goes back to the preview host (worker/preview), which
// sets its own cookie. The preview host never sees the session cookie.

export const previewAuthorize = new Hono<AppEnv>().get('/authorize', async (c) => {
  const preview = c.var.config.preview;
  const host = c.req.query('host') ?? '';
  const target = preview ? parsePreviewHost(host, preview.domain) : null;
  if (!preview || !target)
    throw apiError(400, ErrorCode.validation, 'host must be a preview host.', { field: 'host' });
  const state = c.req.query('state') ?? '';
  if (!PREVIEW_STATE.test(state))
    throw apiError(400, ErrorCode.validation, "state must be the preview host's sign-in state.", {
      field: 'state',
    });
  const next = safePreviewPath(c.req.query('next'));
  // From the database, not the cookie cache: a browser whose session was revoked signs in again
  // (once per port and session: the grant outlives this request).
  const session = await c.var.auth.api
    .getSession({ headers: withoutCachedSession(c.req.raw).headers })
    .catch(() => null);
  if (!session) {
    const back = `/api/preview/authorize?host=${encodeURIComponent(host)}&state=${state}&next=${encodeURIComponent(next)}`;
    return c.redirect(`/sign-in?redirect=${encodeURIComponent(back)}`, 302);
  }
  const u = session.user;
  const principal = {
    userId: u.id,
    via: 'session' as const,
    name: u.name,
    email: u.email,
    image: u.image ?? null,
    sessionId: session.session.id,
  };
  await loadWorkspace(c.var.db, principal, target.workspaceId, 'port.preview');
  const code = await roomFor(c.env, target.workspaceId).issuePreviewCode(target.port, {
    userId: u.id,
    authSessionId: session.session.id,
    expiresAt: new Date(session.session.expiresAt).getTime(),
  });
  const back = `${preview.scheme}://${host}${PREVIEW_CALLBACK_PATH}?code=${encodeURIComponent(code)}&state=${state}&next=${encodeURIComponent(next)}`;
  c.header('cache-control', 'no-store');
  return c.redirect(back, 302);
});

/**
 * The VM platform's forward auth (`/v5/tls/forward-auth`): a request to a port's domain passes only
 * with the Worker's short-lived token for that workspace and port, so the platform's public domain
 * cannot be used to skip the checks above. No database: an HMAC. Asked before every preview
 * request, so worker/index.ts answers it ahead of the app's router and middleware.
 */
export async function forwardAuthAnswer(request: Request, env: Env): Promise<Response> {
  const config = parseConfig(env);
  const preview = config.preview;
  const ok = await verifyForward(
    config.auth.secret,
    cookieValue(request.headers.get('cookie'), FORWARD_COOKIE),
  );
  const host = (request.headers.get('x-forwarded-host') ?? '').toLowerCase().replace(/:\d+$/, '');
  const expected =
    ok && preview
      ? [
          `${ok.port}-${ok.workspaceId}.${preview.vmDomain}`,
          `${ok.port}-${ok.workspaceId}.${preview.domain.replace(/:\d+$/, '')}`,
        ]
      : [];
  if (!expected.includes(host)) {
    return Response.json(
      { error: { code: ErrorCode.unauthorized, message: 'Open this port through its preview URL.' } },
      { status: 401 },
    );
  }
  // 200 with a body, not 204: under wrangler dev an answer without a body costs ~5 ms more
  // (15.6 vs 10.8 ms, measured); the platform takes any 2xx.
  return new Response('ok', { status: 200, headers: { 'content-type': 'text/plain' } });
}

/** One cookie's value from a Cookie header (the token is base64url and dots: nothing to decode). */
function cookieValue(header: string | null, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

export const isForwardAuth = (request: Request) =>
  request.method === 'GET' && new URL(request.url).pathname === FORWARD_AUTH_PATH;

export { FORWARD_AUTH_PATH };
