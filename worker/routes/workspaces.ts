import { Hono, type Context } from 'hono';
import { and, desc, eq, getTableColumns, inArray, sql } from 'drizzle-orm';
import { cloudWorkspaces, cloudWorkspaceSessions, repositories, user } from '../../db/schema';
import {
  ActiveWorkspacesQuery,
  CreateWorkspaceInput,
  ExecInput,
  ListWorkspacesQuery,
} from '../../core/schemas/workspaces';
import type { WorkspaceAction } from '../../core/workspace-state';
import { json, query } from '../lib/validate';
import { authorizeWith } from '../lib/membership';
import { isUuid } from '../../core/ids';
import { enforceRateLimit, rateLimitQuery } from '../lib/rate-limit';
import { workspaceManageAction } from '../../core/policy';
import { checkRepository, loadWorkspace, loadWorkspaceWith, repositoryQuery } from '../lib/load';
import { actorOf, roomFor, transitionVia, unwrap } from '../lib/rooms';
import { createWorkspaceWithinLimits } from '../../db/queries/limits';
import { quotaError } from '../lib/quota';
import type { Database } from '../../db/client';
import { freshSessions } from '../../db/queries/sessions';
import { execVia } from '../lib/exec';
import { redactOthers } from '../lib/presence';
import { SESSION_STALE_MS } from '../../core/protocol';
import type {
  ExecResponse,
  WorkspaceDetailResponse,
  WorkspaceListResponse,
  WorkspaceResponse,
} from '../../core/api/workspaces';
import type { SshAccessResponse } from '../../core/api/ssh';
import type { Reply } from '../lib/reply';
import { sshAccess } from '../lib/ssh-access';
import type { AppEnv } from '../types';
import type { PageParams } from '../../core/schemas/page';
import { afterCursor, cursorAt, encodeCursor } from '../../db/queries/page';
import { rowMapper } from '../../db/rows';
import { cursorParam } from '../lib/page';
import { prepared } from '../../db/prepared';

const NO_ID = '00000000-0000-0000-0000-000000000000';

// Flat, so one small mapper (db/rows.ts) makes the answer's rows: the workspace's columns, then these.
const listItem = {
  ...getTableColumns(cloudWorkspaces),
  repositoryName: repositories.name,
  repositoryUrl: repositories.url,
  creatorName: user.name,
  connectedCount: sql<number>`(select count(distinct ${cloudWorkspaceSessions.userId})::int from ${cloudWorkspaceSessions}
    where ${cloudWorkspaceSessions.workspaceId} = ${cloudWorkspaces.id}
    and ${cloudWorkspaceSessions.lastHeartbeatAt} > now() - make_interval(secs => ${SESSION_STALE_MS / 1000}))`,
};
const listRow = rowMapper(listItem);
// The page's cursor rides after the item's columns.
const listColumns = { ...listItem, cursorAt: cursorAt(cloudWorkspaces.createdAt) };
const CURSOR_AT = Object.keys(listItem).length;
const ID = Object.keys(listItem).indexOf('id');

const ACTIVE_STATUSES = ['provisioning', 'running', 'paused'] as const;

/**
 * A page, newest first: by creation, which never changes, so a row is on one page only. Its SQL is
 * built once per shape (db/prepared.ts): the list is the hottest read.
 */
function listQuery(
  db: Database,
  filter: { organizationId: string; repositoryId?: string; active?: boolean },
  page: PageParams,
) {
  const cursor = cursorParam(page.cursor);
  const shape = [filter.repositoryId && 'repository', filter.active && 'active', cursor && 'after'];
  const key = ['workspaces.list', ...shape.filter(Boolean)].join('.');
  const build = () =>
    db
      .select(listColumns)
      .from(cloudWorkspaces)
      .innerJoin(repositories, eq(repositories.id, cloudWorkspaces.repositoryId))
      .innerJoin(user, eq(user.id, cloudWorkspaces.creatorId))
      .where(
        and(
          eq(cloudWorkspaces.organizationId, sql.placeholder('organizationId')),
          filter.repositoryId ? eq(cloudWorkspaces.repositoryId, sql.placeholder('repositoryId')) : undefined,
          filter.active ? inArray(cloudWorkspaces.status, [...ACTIVE_STATUSES]) : undefined,
          cursor
            ? afterCursor(
                cloudWorkspaces.createdAt,
                cloudWorkspaces.id,
                { at: sql.placeholder('cursorAt'), id: sql.placeholder('cursorId') },
                { at: 'timestamptz', id: 'uuid' },
              )
            : undefined,
        ),
      )
      .orderBy(desc(cloudWorkspaces.createdAt), desc(cloudWorkspaces.id))
      .limit(sql.placeholder('limit'));
  const values = {
    organizationId: filter.organizationId,
    repositoryId: filter.repositoryId ?? null,
    cursorAt: cursor?.at ?? null,
    cursorId: cursor?.id ?? null,
    limit: page.limit + 1,
  };
  return prepared(db, key, build, values, 'rows');
}

function listPage(rows: unknown[][], limit: number) {
  const last = rows.length > limit ? rows[limit - 1] : undefined;
  return {
    workspaces: rows.slice(0, limit).map(listRow),
    nextCursor: last ? encodeCursor({ at: last[CURSOR_AT] as string, id: last[ID] as string }) : null,
  };
}

const lifecycle =
  (action: WorkspaceAction) =>
  async (c: Context<AppEnv>): Reply<WorkspaceResponse> => {
    const { db, principal } = c.var;
    // Stopping another member's workspace takes a manager; the rest of the lifecycle is use.
    const ws = await loadWorkspace(db, principal, c.req.param('id')!, (w) =>
      action === 'stop' ? workspaceManageAction(w.creatorId, principal.userId) : 'workspace.use',
    );
    const { workspace } = await transitionVia(c.env, ws, action, principal);
    return c.json({ workspace }, 200);
  };

export const workspaces = new Hono<AppEnv>()
  .post('/', json(CreateWorkspaceInput), async (c): Reply<WorkspaceResponse, 201> => {
    const input = c.req.valid('json');
    const { db, principal } = c.var;
    // Round trip 1: who is asking, the rate limit and the repository; 2: the insert within the limits
    // and its audit entry; 3: the room, which provisions on its alarm.
    const { results } = await authorizeWith(db, principal, input.organizationId, 'workspace.create', [
      rateLimitQuery(db, 'workspace-create:user', principal.userId),
      // A malformed id finds nothing: the same 404, after the organization's own check.
      repositoryQuery(db, isUuid(input.repositoryId) ? input.repositoryId : NO_ID),
    ]);
    enforceRateLimit('workspace-create:user', results[0]);
    const repo = checkRepository(results[1][0], input.organizationId);
    const created = await createWorkspaceWithinLimits(
      db,
      {
        organizationId: input.organizationId,
        repositoryId: repo.id,
        branch: input.branch,
        name: input.name ?? `${repo.name}/${input.branch}`,
        creatorId: principal.userId,
        autoStopMinutes: input.autoStopMinutes ?? 30,
      },
      c.var.config.limits,
      { actorType: actorOf(principal).type, actorUserId: principal.userId },
    );
    const { limits } = created;
    if (created.total >= limits.workspaces) throw quotaError('workspaces', limits.workspaces, created.total);
    if (!created.workspace) throw quotaError('running', limits.running, created.running);
    const ws = created.workspace;
    await roomFor(c.env, ws.id).provision();
    return c.json({ workspace: ws }, 201);
  })
  .get('/', query(ListWorkspacesQuery), async (c): Reply<WorkspaceListResponse> => {
    const { organizationId, repositoryId, ...page } = c.req.valid('query');
    const { results } = await authorizeWith(c.var.db, c.var.principal, organizationId, 'workspace.read', [
      listQuery(c.var.db, { organizationId, repositoryId }, page),
    ]);
    return c.json(listPage(results[0], page.limit), 200);
  })
  .get('/active', query(ActiveWorkspacesQuery), async (c): Reply<WorkspaceListResponse> => {
    const { organizationId, ...page } = c.req.valid('query');
    const { results } = await authorizeWith(c.var.db, c.var.principal, organizationId, 'workspace.read', [
      listQuery(c.var.db, { organizationId, active: true }, page),
    ]);
    return c.json(listPage(results[0], page.limit), 200);
  })
  .get('/:id', async (c): Reply<WorkspaceDetailResponse> => {
    const { db, principal } = c.var;
    const id = c.req.param('id');
    const { workspace, results } = await loadWorkspaceWith(db, principal, id, 'workspace.read', [
      freshSessions(db, id),
    ]);
    return c.json({ workspace, sessions: redactOthers(results[0], principal.userId) }, 200);
  })
  .delete('/:id', async (c) => {
    const { db, principal } = c.var;
    const ws = await loadWorkspace(db, principal, c.req.param('id'), (w) =>
      workspaceManageAction(w.creatorId, principal.userId),
    );
    unwrap(await roomFor(c.env, ws.id).destroy(actorOf(principal)));
    return c.body(null, 204);
  })
  .post('/:id/exec', json(ExecInput), async (c): Reply<ExecResponse> => {
    const { result } = unwrap(await execVia(c, c.req.param('id'), c.req.valid('json')));
    return c.json(result, 200);
  })
  .post('/:id/ssh', async (c): Reply<SshAccessResponse> => {
    const { db, principal, config } = c.var;
    // SSH is a shell in the VM: the same right as exec and terminals.
    const ws = await loadWorkspace(db, principal, c.req.param('id'), 'workspace.use');
    // A key that expires sooner ends the SSH access with it (the room's alarm deletes the identity).
    const keyLeft = principal.key?.expiresAt
      ? Math.floor((principal.key.expiresAt - Date.now()) / 1000)
      : Infinity;
    const ttl = Math.max(1, Math.min(config.sshGateway.tokenTtlSeconds, keyLeft));
    const grant = unwrap(
      await roomFor(c.env, ws.id).issueSsh(actorOf(principal), ttl, {
        authSessionId: principal.sessionId,
        keyId: principal.key?.id,
      }),
    );
    return c.json(sshAccess(config, ws, grant), 200);
  })
  .post('/:id/pause', lifecycle('pause'))
  .post('/:id/resume', lifecycle('resume'))
  .post('/:id/stop', lifecycle('stop'))
  .post('/:id/start', lifecycle('start'))
  .post('/:id/retry', lifecycle('retry'));
