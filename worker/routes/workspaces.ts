import { Hono, type Context } from 'hono';
import { and, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { cloudWorkspaces, cloudWorkspaceSessions, repositories, user } from '../../db/schema';
import {
  ActiveWorkspacesQuery,
  CreateWorkspaceInput,
  ExecInput,
  ListWorkspacesQuery,
} from '../../core/schemas/workspaces';
import type { WorkspaceAction } from '../../core/workspace-state';
import { json, query } from '../lib/validate';
import { authorize } from '../lib/membership';
import { rateLimit } from '../lib/rate-limit';
import { workspaceManageAction } from '../../core/policy';
import { loadRepository, loadWorkspace } from '../lib/load';
import { actorOf, roomFor, transitionVia, unwrap } from '../lib/rooms';
import { recordAudit } from '../../db/audit';
import { limitsFor, withOrgLimitsLock, workspaceCounts } from '../../db/queries/limits';
import { quotaError } from '../lib/quota';
import type { Database } from '../../db/client';
import { freshSessions } from '../../db/queries/sessions';
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

const listColumns = {
  workspace: cloudWorkspaces,
  repositoryName: repositories.name,
  repositoryUrl: repositories.url,
  creatorName: user.name,
  connectedCount: sql<number>`(select count(distinct ${cloudWorkspaceSessions.userId})::int from ${cloudWorkspaceSessions}
    where ${cloudWorkspaceSessions.workspaceId} = ${cloudWorkspaces.id}
    and ${cloudWorkspaceSessions.lastHeartbeatAt} > now() - make_interval(secs => ${SESSION_STALE_MS / 1000}))`,
};

async function listWorkspaces(db: Database, where: SQL | undefined) {
  const rows = await db
    .select(listColumns)
    .from(cloudWorkspaces)
    .innerJoin(repositories, eq(repositories.id, cloudWorkspaces.repositoryId))
    .innerJoin(user, eq(user.id, cloudWorkspaces.creatorId))
    .where(where)
    .orderBy(desc(cloudWorkspaces.updatedAt));
  return rows.map(({ workspace, ...rest }) => ({ ...workspace, ...rest }));
}

const lifecycle =
  (action: WorkspaceAction) =>
  async (c: Context<AppEnv>): Reply<WorkspaceResponse> => {
    const { db, principal } = c.var;
    // Stopping another member's workspace takes a manager; the rest of the lifecycle is use.
    const ws = await loadWorkspace(db, principal, c.req.param('id')!, (w) =>
      action === 'stop' ? workspaceManageAction(w.creatorId, principal.userId) : 'workspace.use',
    );
    const { workspace } = await transitionVia(c.env, ws.id, action, principal);
    return c.json({ workspace }, 200);
  };

export const workspaces = new Hono<AppEnv>()
  .post('/', json(CreateWorkspaceInput), async (c): Reply<WorkspaceResponse, 201> => {
    const input = c.req.valid('json');
    const { db, principal } = c.var;
    await authorize(db, principal, input.organizationId, 'workspace.create');
    await rateLimit(db, 'workspace-create:user', principal.userId);
    const repo = await loadRepository(db, input.organizationId, input.repositoryId);
    // A new workspace is one more, and one more running: both limits are checked under one lock.
    const ws = await withOrgLimitsLock(db, input.organizationId, async (tx) => {
      const limits = await limitsFor(tx, input.organizationId, c.var.config.limits);
      const counts = await workspaceCounts(tx, input.organizationId);
      if (counts.total >= limits.workspaces) throw quotaError('workspaces', limits.workspaces, counts.total);
      if (counts.running >= limits.running) throw quotaError('running', limits.running, counts.running);
      const [row] = await tx
        .insert(cloudWorkspaces)
        .values({
          organizationId: input.organizationId,
          repositoryId: repo.id,
          branch: input.branch,
          name: input.name ?? `${repo.name}/${input.branch}`,
          creatorId: principal.userId,
          autoStopMinutes: input.autoStopMinutes ?? 30,
        })
        .returning();
      return row!;
    });
    await recordAudit(db, {
      organizationId: ws.organizationId,
      workspaceId: ws.id,
      actorType: actorOf(principal).type,
      actorUserId: principal.userId,
      action: 'create',
      detail: { repositoryId: repo.id, branch: ws.branch },
    });
    await roomFor(c.env, ws.id).provision();
    return c.json({ workspace: ws }, 201);
  })
  .get('/', query(ListWorkspacesQuery), async (c): Reply<WorkspaceListResponse> => {
    const { organizationId, repositoryId } = c.req.valid('query');
    await authorize(c.var.db, c.var.principal, organizationId, 'workspace.read');
    const where = and(
      eq(cloudWorkspaces.organizationId, organizationId),
      repositoryId ? eq(cloudWorkspaces.repositoryId, repositoryId) : undefined,
    );
    return c.json({ workspaces: await listWorkspaces(c.var.db, where) }, 200);
  })
  .get('/active', query(ActiveWorkspacesQuery), async (c): Reply<WorkspaceListResponse> => {
    const { organizationId } = c.req.valid('query');
    await authorize(c.var.db, c.var.principal, organizationId, 'workspace.read');
    const where = and(
      eq(cloudWorkspaces.organizationId, organizationId),
      inArray(cloudWorkspaces.status, ['provisioning', 'running', 'paused']),
    );
    return c.json({ workspaces: await listWorkspaces(c.var.db, where) }, 200);
  })
  .get('/:id', async (c): Reply<WorkspaceDetailResponse> => {
    const { db, principal } = c.var;
    const ws = await loadWorkspace(db, principal, c.req.param('id'), 'workspace.read');
    const sessions = redactOthers(await freshSessions(db, ws.id), principal.userId);
    return c.json({ workspace: ws, sessions }, 200);
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
    const { db, principal } = c.var;
    const ws = await loadWorkspace(db, principal, c.req.param('id'), 'workspace.use');
    await rateLimit(db, 'exec:user', principal.userId);
    const { result } = unwrap(await roomFor(c.env, ws.id).exec(actorOf(principal), c.req.valid('json')));
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
