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
  await db.insert(auditEvents).values({ ...entry, detail: entry.detail ?? null });
}
