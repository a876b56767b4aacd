import { eq } from 'drizzle-orm';
import { repositories } from '../../db/schema';
import { isUuid } from '../../core/ids';
import type { Action } from '../../core/policy';
import { getWorkspace, type WorkspaceRow } from '../../db/queries/workspaces';
import type { Database } from '../../db/client';
import type { Principal } from '../types';
import { notFound } from './errors';
import { authorize } from './membership';

/**
 * A workspace the caller may act on: missing, malformed and other organizations' all answer the same
 * 404; a member whose role does not allow `action` gets 403. `action` may depend on the workspace
 * (stopping one's own is not stopping another's).
 */
export async function loadWorkspace(
  db: Database,
  principal: Principal,
  id: string,
  action: Action | ((ws: WorkspaceRow) => Action),
): Promise<WorkspaceRow> {
  if (!isUuid(id)) throw notFound('Workspace');
  const ws = await getWorkspace(db, id);
  if (!ws) throw notFound('Workspace');
  const needed = typeof action === 'function' ? action(ws) : action;
  await authorize(db, principal, ws.organizationId, needed, 'Workspace');
  return ws;
}

export async function loadRepository(db: Database, organizationId: string, id: string) {
  if (!isUuid(id)) throw notFound('Repository');
  const [repo] = await db.select().from(repositories).where(eq(repositories.id, id)).limit(1);
  if (!repo || repo.organizationId !== organizationId) throw notFound('Repository');
  return repo;
}

/** A repository by id alone (the caller's membership is checked after, against its organization). */
export async function loadRepositoryById(db: Database, id: string) {
  if (!isUuid(id)) return undefined;
  const [repo] = await db.select().from(repositories).where(eq(repositories.id, id)).limit(1);
  return repo;
}
