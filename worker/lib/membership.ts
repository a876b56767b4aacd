import { and, eq } from 'drizzle-orm';
import { member } from '../../db/schema';
import type { Database } from '../../db/client';
import { keyAllows, roleAllows, type Action } from '../../core/policy';
import type { Principal } from '../types';
import { forbidden, notFound } from './errors';

/** The caller's role in the organization (Better Auth's `member.role`), or null for outsiders. */
export async function roleIn(db: Database, userId: string, organizationId: string): Promise<string | null> {
  const rows = await db
    .select({ role: member.role })
    .from(member)
    .where(and(eq(member.userId, userId), eq(member.organizationId, organizationId)))
    .limit(1);
  return rows[0]?.role ?? null;
}

/**
 * Checks `action` (core/policy.ts) in the organization. Outsiders, and API keys of another
 * organization, get the same 404 as a missing organization: do not reveal that it exists. A member
 * whose role or key does not allow it gets 403.
 */
export async function authorize(
  db: Database,
  principal: Principal,
  organizationId: string,
  action: Action,
  what = 'Organization',
): Promise<void> {
  if (principal.key && principal.key.organizationId !== organizationId) throw notFound(what);
  const role = await roleIn(db, principal.userId, organizationId);
  if (role === null) throw notFound(what);
  if (!roleAllows(role, action)) throw forbidden();
  if (principal.key && !keyAllows(principal.key.permissions, action)) {
    throw forbidden('This API key does not have the permission for this.');
  }
}
