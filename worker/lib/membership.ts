import { and, eq, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import { member, session } from '../../db/schema';
import type { Database } from '../../db/client';
import { keyAllows, roleAllows, type Action } from '../../core/policy';
import type { Principal } from '../types';
import { forbidden, notFound, unauthorized } from './errors';
import { preparedSql } from '../../db/prepared';

/**
 * Whether the caller's sign-in still holds, as SQL. A cookie's session comes from Better Auth's cookie
 * cache (no query), so a session signed out or revoked since is caught here, in the statement that
 * checks membership anyway. A key was looked up in this request already.
 */
export function signedInSql(principal: Principal): SQL {
  return principal.sessionId ? sessionHoldsSql(principal.sessionId) : sql`true`;
}

const sessionHoldsSql = (sessionId: unknown) =>
  sql`exists (select 1 from ${session} as s where s.id = ${sessionId}
    and s.expires_at > (now() at time zone 'utc'))`;

/** `signedInSql` for a statement built once per shape: the session id is the `sessionId` placeholder. */
const signedInShapeSql = (bySession: boolean) =>
  bySession ? sessionHoldsSql(sql.placeholder('sessionId')) : sql`true`;

/**
 * Whether the caller's sign-in holds, as a statement of its own for `db.batch`: for routes outside
 * any organization (the caller's own keys, invitations, `/api/me`), which would otherwise answer a
 * session signed out or revoked since its cookie was cached (worker/lib/session-cache.ts).
 */
export function signedInQuery(db: Database, principal: Principal) {
  const bySession = !!principal.sessionId;
  return preparedSql<{ rows: { signed_in: boolean }[] }>(
    db,
    bySession ? 'signedIn.session' : 'signedIn.key',
    () => sql`select ${signedInShapeSql(bySession)} as signed_in`,
    { sessionId: principal.sessionId ?? null },
  );
}

/** 401 unless `signedInQuery` said the sign-in holds. */
export function assertSignedIn(result: { rows: { signed_in: boolean }[] }) {
  if (result.rows[0]?.signed_in !== true) throw unauthorized();
}

/**
 * The caller's role in `organizationId` as a scalar subquery: a value, or an outer table's column as
 * `sql\`${table}.column\``. Aliased, so an outer column of the same name is never mistaken for ours.
 */
export function roleSql(
  userId: string | SQLWrapper,
  organizationId: string | SQLWrapper,
): SQL<string | null> {
  return sql<string | null>`(select m.role from ${member} as m
    where m.user_id = ${userId} and m.organization_id = ${organizationId} limit 1)`;
}

export interface Access {
  role: string | null;
  signedIn: boolean;
}

/** One row: the caller's role in the organization and whether their sign-in holds. Built once per shape. */
export function accessQuery(db: Database, principal: Principal, organizationId: string) {
  const bySession = !!principal.sessionId;
  return preparedSql<{ rows: { role: string | null; signed_in: boolean }[] }>(
    db,
    bySession ? 'access.session' : 'access.key',
    () =>
      sql`select ${roleSql(sql.placeholder('userId'), sql.placeholder('organizationId'))} as role, ${signedInShapeSql(bySession)} as signed_in`,
    { userId: principal.userId, organizationId, sessionId: principal.sessionId ?? null },
  );
}

export function accessOf(result: { rows: { role: string | null; signed_in: boolean }[] }): Access {
  const row = result.rows[0];
  return { role: row?.role ?? null, signedIn: row?.signed_in === true };
}

/**
 * Checks `action` (core/policy.ts) against what the database said. Outsiders, and API keys of another
 * organization, get the same 404 as a missing organization: do not reveal that it exists. A member
 * whose role or key does not allow it gets 403; a session signed out since its cookie was cached, 401.
 */
export function check(principal: Principal, access: Access, action: Action, what = 'Organization') {
  if (!access.signedIn) throw unauthorized();
  if (access.role === null) throw notFound(what);
  if (!roleAllows(access.role, action)) throw forbidden();
  if (principal.key && !keyAllows(principal.key.permissions, action)) {
    throw forbidden('This API key does not have the permission for this.');
  }
}

/** The caller's role in the organization (Better Auth's `member.role`), or null for outsiders. */
export async function roleIn(db: Database, userId: string, organizationId: string): Promise<string | null> {
  const rows = await db
    .select({ role: member.role })
    .from(member)
    .where(and(eq(member.userId, userId), eq(member.organizationId, organizationId)))
    .limit(1);
  return rows[0]?.role ?? null;
}

/** Checks `action` in the organization in one round trip (see `check`). */
export async function authorize(
  db: Database,
  principal: Principal,
  organizationId: string,
  action: Action,
  what = 'Organization',
): Promise<Access> {
  if (principal.key && principal.key.organizationId !== organizationId) throw notFound(what);
  const access = accessOf(await accessQuery(db, principal, organizationId));
  check(principal, access, action, what);
  return access;
}

/**
 * `authorize`, and the queries it guards in the same round trip (one batch): their results are
 * returned only once the check passed. For reads, where running them for an outsider costs nothing.
 */
export async function authorizeWith<T extends [BatchItem<'pg'>, ...BatchItem<'pg'>[]]>(
  db: Database,
  principal: Principal,
  organizationId: string,
  action: Action,
  queries: T,
  what = 'Organization',
): Promise<{ access: Access; results: BatchResults<T> }> {
  if (principal.key && principal.key.organizationId !== organizationId) throw notFound(what);
  const [first, ...results] = await db.batch([accessQuery(db, principal, organizationId), ...queries]);
  const access = accessOf(first as never);
  check(principal, access, action, what);
  return { access, results: results as BatchResults<T> };
}

export type BatchResults<T extends BatchItem<'pg'>[]> = {
  [K in keyof T]: T[K] extends PromiseLike<infer R> ? R : never;
};
