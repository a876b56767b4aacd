import { createMiddleware } from 'hono/factory';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { ErrorCode } from '../../core/errors';
import { apiError } from '../lib/errors';
import type { AppEnv } from '../types';

/**
 * A cookie rides along on any site's form or bodiless POST (pause, stop, pull, terminal-ticket, ...),
 * so state-changing cookie requests need a same-origin `Origin` or `Sec-Fetch-Site: same-origin`
 * (Hono's csrf), on top of SameSite. JSON bodies need a CORS preflight we never grant. API keys are
 * not ambient: bearer requests are not checked.
 */
export const csrfForCookies = createMiddleware<AppEnv>(async (c, next) => {
  if (/^Bearer\s/i.test(c.req.header('authorization') ?? '')) return next();
  const check = csrf({ origin: c.var.config.auth.trustedOrigins, secFetchSite: 'same-origin' });
  try {
    await check(c, async () => {});
  } catch (err) {
    if (err instanceof HTTPException && err.status === 403) {
      throw apiError(403, ErrorCode.forbidden, 'Cross-site request refused: send it from the app.');
    }
    throw err;
  }
  await next();
});
