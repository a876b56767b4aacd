import { eq, sql } from 'drizzle-orm';
import { auditEvents } from './schema';
import type { Database } from './client';

export interface AuditEntry {
  organizationId: string;
  workspaceId?: string | null;
  actorUserId?: string | null;
  actorType: 'user' | 'api_key' | 'system';
  action: string;
  detail?: Record<string, unknown>;
}

export async function recordAudit(db: Database, entry: AuditEntry) {
  await auditInsert(db, entry);
}

/** The audit entry's insert as one statement, so it can share a batch with the change it records. */
export function auditInsert(db: Database, entry: AuditEntry) {
  return db.insert(auditEvents).values({ ...entry, detail: entry.detail ?? null });
}

/**
 * An audit entry written by the status change it records, in the same statement (its organization and
 * workspace are the changed row's): a lifecycle action costs no round trip of its own. `id` is chosen
 * before, so the entry can be withdrawn if the VM then refuses the change (`withdrawAudit`).
 */
export interface StatusAudit {
  id: string;
  actorUserId: string | null;
  actorType: AuditEntry['actorType'];
  action: string;
  detail: Record<string, unknown>;
}

/** The insert as a CTE body over `changed` (a data-modifying CTE returning the workspace row). */
export const statusAuditInsert = (a: StatusAudit) => sql`
  insert into ${auditEvents} (id, organization_id, workspace_id, actor_user_id, actor_type, action, detail)
  select ${a.id}, organization_id, id, ${a.actorUserId}, ${a.actorType}, ${a.action}, ${JSON.stringify(a.detail)}::jsonb
  from changed`;

export async function withdrawAudit(db: Database, id: string) {
  await db.delete(auditEvents).where(eq(auditEvents.id, id));
}
