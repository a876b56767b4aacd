import { createMiddleware } from 'hono/factory';
import { rateLimit } from '../lib/rate-limit';
import type { AppEnv } from '../types';

/**
 * Sign-in and sign-up are limited per client IP and per email address, in Postgres so the limit holds
 * across isolates (guessing one account's password from many IPs, or from one IP across accounts).
 * Cloudflare sets `cf-connecting-ip`; without it (local) only the per-email limit applies.
 */
export const authRateLimit = (what: 'sign-in' | 'sign-up') =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (c.req.method !== 'POST') return next();
    const ip = c.req.header('cf-connecting-ip');
    const body = (await c.req.raw
      .clone()
      .json()
      .catch(() => null)) as { email?: unknown } | null;
    const email = typeof body?.email === 'string' ? body.email.trim() : '';
    if (ip) await rateLimit(c.var.db, `${what}:ip`, ip);
    if (email) await rateLimit(c.var.db, `${what}:email`, email);
    await next();
  });
