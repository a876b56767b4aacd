import { and, count, eq, gt } from 'drizzle-orm';
import { cloudWorkspaces, cloudWorkspaceSessions, user } from '../schema';
import { SESSION_STALE_MS } from '../../core/protocol';
import type { Database } from '../client';
import type { Db } from './limits';

/** Sessions of a workspace that are still live (a heartbeat within the last two minutes), with who. */
export function freshSessions(db: Database, workspaceId: string) {
  return db
    .select({
      id: cloudWorkspaceSessions.id,
      userId: cloudWorkspaceSessions.userId,
      userName: user.name,
      userImage: user.image,
      clientType: cloudWorkspaceSessions.clientType,
      clientInfo: cloudWorkspaceSessions.clientInfo,
      localWorktreePath: cloudWorkspaceSessions.localWorktreePath,
      localSyncEnabled: cloudWorkspaceSessions.localSyncEnabled,
      connectedAt: cloudWorkspaceSessions.connectedAt,
      lastHeartbeatAt: cloudWorkspaceSessions.lastHeartbeatAt,
    })
    .from(cloudWorkspaceSessions)
    .innerJoin(user, eq(user.id, cloudWorkspaceSessions.userId))
    .where(
      and(
        eq(cloudWorkspaceSessions.workspaceId, workspaceId),
        gt(cloudWorkspaceSessions.lastHeartbeatAt, new Date(Date.now() - SESSION_STALE_MS)),
      ),
    );
}

/** A person's live sessions across the workspaces of one organization. */
export async function liveSessionCount(db: Db, userId: string, organizationId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(cloudWorkspaceSessions)
    .innerJoin(cloudWorkspaces, eq(cloudWorkspaces.id, cloudWorkspaceSessions.workspaceId))
    .where(
      and(
        eq(cloudWorkspaceSessions.userId, userId),
        eq(cloudWorkspaces.organizationId, organizationId),
        gt(cloudWorkspaceSessions.lastHeartbeatAt, new Date(Date.now() - SESSION_STALE_MS)),
      ),
    );
  return row?.n ?? 0;
}
