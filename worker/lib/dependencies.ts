import { sql } from 'drizzle-orm';
import { ErrorCode } from '../../core/errors';
import type { Database } from '../../db/client';
import { apiError } from './errors';

// A database that is down is a 503 the client can retry, never a 401 or a 500, and its own words
// (SQL, host names) stay in our log. (The room words VM host failures itself.)

export const databaseUnavailable = () =>
  apiError(
    503,
    ErrorCode.serviceUnavailable,
    'The database is unavailable right now. Nothing was changed; try again shortly.',
  );

// Postgres SQLSTATEs that mean "not now" rather than "wrong": connection exceptions (08), too many
// connections (53300), out of resources (53xxx), shutting down / starting up (57P01-57P03).
const UNAVAILABLE_STATE = /^(08\d{3}|53\d{3}|57P0[1-3])$/;
const UNAVAILABLE_TEXT =
  /too many clients|remaining connection slots|Connection terminated|the database system is (starting|shutting)/i;

/** Whether an error (or a cause) is Postgres saying "not now"; other shapes are settled by a probe. */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 8; depth++) {
    if (typeof e !== 'object') return typeof e === 'string' && UNAVAILABLE_TEXT.test(e);
    const { code, message, cause } = e as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === 'string' && UNAVAILABLE_STATE.test(code)) return true;
    if (typeof message === 'string' && UNAVAILABLE_TEXT.test(message)) return true;
    e = cause;
  }
  return false;
}

/** A cheap check for the failure paths only: can this request's database answer at all? */
export async function databaseAnswers(db: Database, ms = 2000): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([db.execute(sql`select 1`).then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
