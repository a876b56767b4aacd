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
