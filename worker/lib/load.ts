import { eq } from 'drizzle-orm';
import { repositories } from '../../db/schema';
import { isUuid } from '../../core/ids';
import { getWorkspace, type WorkspaceRow } from '../../db/queries/workspaces';
import type { Database } from '../../db/client';
import { notFound } from './errors';
import { isMember } from './membership';

/** A workspace the caller may use: missing, malformed and other organizations' all answer the same 404. */
export async function loadWorkspace(db: Database, userId: string, id: string): Promise<WorkspaceRow> {
  if (!isUuid(id)) throw notFound('Workspace');
  const ws = await getWorkspace(db, id);
  if (!ws || !(await isMember(db, userId, ws.organizationId))) throw notFound('Workspace');
  return ws;
}

export async function loadRepository(db: Database, organizationId: string, id: string) {
  const [repo] = await db.select().from(repositories).where(eq(repositories.id, id)).limit(1);
  if (!repo || repo.organizationId !== organizationId) throw notFound('Repository');
  return repo;
}
