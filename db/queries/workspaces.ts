import { and, eq, sql } from 'drizzle-orm';
import { cloudWorkspaces } from '../schema';
import type { WorkspaceStatus } from '../../core/workspace-state';
import type { Database } from '../client';

export type WorkspaceRow = typeof cloudWorkspaces.$inferSelect;

export async function getWorkspace(db: Database, id: string): Promise<WorkspaceRow | undefined> {
  const [row] = await db.select().from(cloudWorkspaces).where(eq(cloudWorkspaces.id, id)).limit(1);
  return row;
}

/**
 * The only way a status changes: `UPDATE ... WHERE status = <from>`. Of two racing callers exactly one
 * gets the row back; the other gets undefined and answers 409.
 */
export async function updateStatusIf(
  db: Database,
  id: string,
  from: WorkspaceStatus,
  to: WorkspaceStatus,
  fields: Partial<
    Pick<WorkspaceRow, 'statusMessage' | 'lastCommitSha' | 'freestyleVmId' | 'provisionAttempts'>
  > = {},
): Promise<WorkspaceRow | undefined> {
  const now = new Date();
  const [row] = await db
    .update(cloudWorkspaces)
    .set({ ...fields, status: to, statusChangedAt: now, updatedAt: now })
    .where(and(eq(cloudWorkspaces.id, id), eq(cloudWorkspaces.status, from)))
    .returning();
  return row;
}

export async function updateWorkspace(
  db: Database,
  id: string,
  fields: Partial<Omit<WorkspaceRow, 'id' | 'status'>>,
): Promise<WorkspaceRow | undefined> {
  const [row] = await db
    .update(cloudWorkspaces)
    .set({ ...fields, updatedAt: new Date() })
    .where(eq(cloudWorkspaces.id, id))
    .returning();
  return row;
}

export async function touchWorkspace(db: Database, id: string) {
  await db
    .update(cloudWorkspaces)
    .set({ lastActiveAt: sql`now()` })
    .where(eq(cloudWorkspaces.id, id));
}

export async function deleteWorkspaceRow(db: Database, id: string) {
  await db.delete(cloudWorkspaces).where(eq(cloudWorkspaces.id, id));
}
