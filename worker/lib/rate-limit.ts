import { sql } from 'drizzle-orm';
import { rateLimits } from '../../db/schema';
import type { Database } from '../../db/client';
import { HTTPException } from 'hono/http-exception';
import { ErrorCode, type ApiErrorBody } from '../../core/errors';

/** The limits (README, "Rate limits"): at most `max` in each `windowS` seconds, per subject. */
export const RATE_LIMITS = {
  'sign-in:ip': { max: 30, windowS: 600 },
  'sign-in:email': { max: 10, windowS: 600 },
  'sign-up:ip': { max: 10, windowS: 3600 },
  'sign-up:email': { max: 5, windowS: 3600 },
  'workspace-create:user': { max: 20, windowS: 600 },
  'exec:user': { max: 120, windowS: 60 },
} as const;
export type RateLimitRule = keyof typeof RATE_LIMITS;

/**
 * Counts one request of `subject` under `rule` in Postgres (one atomic upsert, so every isolate sees
 * the same count). A query, so it can share a round trip with others (`db.batch`); `enforce` reads it.
 */
export function rateLimitQuery(db: Database, rule: RateLimitRule, subject: string) {
  const { windowS } = RATE_LIMITS[rule];
  const key = `${rule}:${subject.toLowerCase().slice(0, 300)}`;
  const expired = sql`${rateLimits.windowStart} <= now() - make_interval(secs => ${windowS})`;
  return db
    .insert(rateLimits)
    .values({ key, count: 1, windowStart: sql`now()` })
    .onConflictDoUpdate({
      target: rateLimits.key,
      set: {
        count: sql`case when ${expired} then 1 else ${rateLimits.count} + 1 end`,
        windowStart: sql`case when ${expired} then now() else ${rateLimits.windowStart} end`,
      },
    })
    .returning({
      count: rateLimits.count,
      retryAfter: sql<number>`ceil(extract(epoch from (${rateLimits.windowStart} + make_interval(secs => ${windowS}) - now())))::int`,
    });
}

/** Throws 429 with `Retry-After` when the counted request was past the limit. */
export function enforceRateLimit(rule: RateLimitRule, rows: { count: number; retryAfter: number }[]) {
  const row = rows[0];
  if (row && row.count > RATE_LIMITS[rule].max) {
    const retryAfter = Math.max(1, row.retryAfter);
    const message = `Too many requests; try again in ${retryAfter} s.`;
    const body: ApiErrorBody = { error: { code: ErrorCode.rateLimited, message, retryAfter } };
    const res = Response.json(body, { status: 429, headers: { 'Retry-After': String(retryAfter) } });
    throw new HTTPException(429, { res, message });
  }
}

/** Counts the request and throws 429 past the limit (README, "Rate limits"). */
export async function rateLimit(db: Database, rule: RateLimitRule, subject: string) {
  enforceRateLimit(rule, await rateLimitQuery(db, rule, subject));
}
