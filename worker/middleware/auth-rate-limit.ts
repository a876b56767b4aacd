import { createMiddleware } from 'hono/factory';
import { rateLimit } from '../lib/rate-limit';
import type { AppEnv } from '../types';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/**
 * Sign-in and sign-up are limited per client IP and per email address, in Postgres so the limit holds
 * across isolates (guessing one account's password from many IPs, or from one IP across accounts).
 * Cloudflare sets `cf-connecting-ip`. Locally wrangler dev stamps every request with the loopback
 * address, so one developer's test accounts would share one IP's budget (and the e2e suite's twelve
 * sign-ups met it): in local mode a loopback client has only the per-email limit.
 */
export const authRateLimit = (what: 'sign-in' | 'sign-up') =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (c.req.method !== 'POST') return next();
    const header = c.req.header('cf-connecting-ip');
    const ip = c.var.config.localMode && header && LOOPBACK.test(header) ? undefined : header;
    const body = (await c.req.raw
      .clone()
      .json()
      .catch(() => null)) as { email?: unknown } | null;
    const email = typeof body?.email === 'string' ? body.email.trim() : '';
    if (ip) await rateLimit(c.var.db, `${what}:ip`, ip);
    if (email) await rateLimit(c.var.db, `${what}:email`, email);
    await next();
  });
