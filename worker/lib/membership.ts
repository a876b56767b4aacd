import { and, eq } from 'drizzle-orm';
import { member } from '../../db/schema';
import type { Database } from '../../db/client';
import { ErrorCode } from '../../core/errors';
import { apiError, notFound } from './errors';

export async function isMember(db: Database, userId: string, organizationId: string): Promise<boolean> {
  const rows = await db
    .select({ id: member.id })
    .from(member)
    .where(and(eq(member.userId, userId), eq(member.organizationId, organizationId)))
    .limit(1);
  return rows.length > 0;
}

/** Non-members get the same 404 as a missing organization: do not reveal that it exists. */
export async function assertMember(
  db: Database,
  userId: string,
  organizationId: string,
  what = 'Organization',
) {
  if (!(await isMember(db, userId, organizationId))) throw notFound(what);
}

/** Members see the organization; only these roles may act on it (403 for a member, 404 for outsiders). */
export async function assertRole(
  db: Database,
  userId: string,
  organizationId: string,
  roles: readonly string[],
  doing: string,
) {
  const [row] = await db
    .select({ role: member.role })
    .from(member)
    .where(and(eq(member.userId, userId), eq(member.organizationId, organizationId)))
    .limit(1);
  if (!row) throw notFound('Organization');
  // Better Auth keeps several roles comma-separated.
  if (!row.role.split(',').some((r) => roles.includes(r.trim()))) {
    throw apiError(403, ErrorCode.forbidden, `Only an organization's ${roles.join(' or ')} can ${doing}.`);
  }
}
