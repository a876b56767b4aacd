import { and, eq } from 'drizzle-orm';
import { member } from '../../db/schema';
import type { Database } from '../../db/client';
import { notFound } from './errors';

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
