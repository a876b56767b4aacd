import { eq, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import { cloudWorkspaces, repositories } from '../../db/schema';
import { isUuid } from '../../core/ids';
import type { Action } from '../../core/policy';
import type { WorkspaceRow } from '../../db/queries/workspaces';
import type { Database } from '../../db/client';
import type { Principal } from '../types';
import { notFound } from './errors';
import { check, roleSql, signedInSql, type BatchResults } from './membership';

type WorkspaceAction = Action | ((ws: WorkspaceRow) => Action);

/** The workspace, the caller's role in its organization and whether their sign-in holds: one statement. */
function workspaceAccessQuery(db: Database, principal: Principal, id: string) {
  return db
    .select({
      workspace: cloudWorkspaces,
      role: roleSql(principal.userId, sql`${cloudWorkspaces}.organization_id`),
      signedIn: signedInSql(principal).mapWith(Boolean),
    })
    .from(cloudWorkspaces)
    .where(eq(cloudWorkspaces.id, id))
    .limit(1);
}

function checkWorkspace(
  principal: Principal,
  row: { workspace: WorkspaceRow; role: string | null; signedIn: boolean } | undefined,
  action: WorkspaceAction,
): WorkspaceRow {
  if (!row) throw notFound('Workspace');
  const ws = row.workspace;
  // A key of another organization sees the outsider's 404.
  if (principal.key && principal.key.organizationId !== ws.organizationId) throw notFound('Workspace');
  check(principal, row, typeof action === 'function' ? action(ws) : action, 'Workspace');
  return ws;
}

/**
 * A workspace the caller may act on, in one round trip: missing, malformed and other organizations'
 * all answer the same 404; a member whose role does not allow `action` gets 403. `action` may depend
 * on the workspace (stopping one's own is not stopping another's).
 */
export async function loadWorkspace(
  db: Database,
  principal: Principal,
  id: string,
  action: WorkspaceAction,
): Promise<WorkspaceRow> {
  if (!isUuid(id)) throw notFound('Workspace');
  const [row] = await workspaceAccessQuery(db, principal, id);
  return checkWorkspace(principal, row, action);
}

/**
 * `loadWorkspace` and the queries that go with it in the same round trip (one batch); their results
 * are handed out only once the check passed. For reads, and writes that are the caller's own (a rate
 * limit), which an outsider may run without learning anything.
 */
export async function loadWorkspaceWith<T extends [BatchItem<'pg'>, ...BatchItem<'pg'>[]]>(
  db: Database,
  principal: Principal,
  id: string,
  action: WorkspaceAction,
  queries: T,
): Promise<{ workspace: WorkspaceRow; results: BatchResults<T> }> {
  if (!isUuid(id)) throw notFound('Workspace');
  const [rows, ...results] = await db.batch([workspaceAccessQuery(db, principal, id), ...queries]);
  const workspace = checkWorkspace(principal, (rows as never[])[0], action);
  return { workspace, results: results as BatchResults<T> };
}

export function repositoryQuery(db: Database, id: string) {
  return db.select().from(repositories).where(eq(repositories.id, id)).limit(1);
}

export function checkRepository<R extends { organizationId: string }>(
  repo: R | undefined,
  organizationId: string,
): R {
  if (!repo || repo.organizationId !== organizationId) throw notFound('Repository');
  return repo;
}

export async function loadRepository(db: Database, organizationId: string, id: string) {
  if (!isUuid(id)) throw notFound('Repository');
  const [repo] = await repositoryQuery(db, id);
  return checkRepository(repo, organizationId);
}

/** A repository by id alone (the caller's membership is checked after, against its organization). */
export async function loadRepositoryById(db: Database, id: string) {
  if (!isUuid(id)) return undefined;
  const [repo] = await repositoryQuery(db, id);
  return repo;
}
