import { and, desc, eq, sql } from 'drizzle-orm';
import { auditEvents, cloudWorkspaces, user } from '../schema';
import type { Database } from '../client';

export interface AuditCursor {
  /** Postgres' own text of the timestamp: microseconds, which a JS Date would round away. */
  at: string;
  id: string;
}

/** A page of an organization's audit trail, newest first, after `cursor` (the last row of a page). */
export async function auditPage(db: Database, organizationId: string, limit: number, cursor?: AuditCursor) {
  const rows = await db
    .select({
      id: auditEvents.id,
      workspaceId: auditEvents.workspaceId,
      workspaceName: cloudWorkspaces.name,
      actorType: auditEvents.actorType,
      actorUserId: auditEvents.actorUserId,
      actorName: user.name,
      action: auditEvents.action,
      detail: auditEvents.detail,
      createdAt: auditEvents.createdAt,
      at: sql<string>`${auditEvents.createdAt}::text`,
    })
    .from(auditEvents)
    .leftJoin(cloudWorkspaces, eq(cloudWorkspaces.id, auditEvents.workspaceId))
    .leftJoin(user, eq(user.id, auditEvents.actorUserId))
    .where(
      and(
        eq(auditEvents.organizationId, organizationId),
        cursor
          ? sql`(${auditEvents.createdAt}, ${auditEvents.id}) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)`
          : undefined,
      ),
    )
    .orderBy(desc(auditEvents.createdAt), desc(auditEvents.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    events: page.map(({ at: _at, ...e }) => e),
    next: rows.length > limit && last ? { at: last.at, id: last.id } : null,
  };
}

export const encodeCursor = (c: AuditCursor) => btoa(`${c.at}|${c.id}`);

export function decodeCursor(s: string): AuditCursor | null {
  try {
    const [at, id] = atob(s).split('|');
    if (!at || !id || Number.isNaN(Date.parse(at)) || !/^[0-9a-f-]{36}$/.test(id)) return null;
    return { at, id };
  } catch {
    return null;
  }
}
