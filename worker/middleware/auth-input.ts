import { createMiddleware } from 'hono/factory';
import { AUTH_INPUT_RULES } from '../../core/schemas/auth';
import { ErrorCode } from '../../core/errors';
import { apiError } from '../lib/errors';
import { firstIssue } from '../lib/validate';
import type { AppEnv } from '../types';

/** In front of Better Auth: names, slugs and logos follow the same rules as our own routes. */
export const authInput = createMiddleware<AppEnv>(async (c, next) => {
  const path = c.req.path.replace(/^\/api\/auth/, '');
  const rule = c.req.method === 'POST' ? AUTH_INPUT_RULES[path] : undefined;
  if (rule) {
    const parsed = rule.safeParse((await c.req.json().catch(() => undefined)) ?? {});
    if (!parsed.success) {
      const { field, message } = firstIssue(parsed.error);
      throw apiError(400, ErrorCode.validation, message, { field });
    }
    // Better Auth stores what it reads: give it the trimmed names.
    const body = JSON.stringify(parsed.data);
    const req = c.req.raw;
    c.req.raw = new Request(req.url, { method: req.method, headers: req.headers, body, signal: req.signal });
  }
  await next();
});
