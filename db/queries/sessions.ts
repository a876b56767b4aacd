import { and, eq, gt } from 'drizzle-orm';
import { cloudWorkspaceSessions, user } from '../schema';
import { SESSION_STALE_MS } from '../../core/protocol';
import type { Database } from '../client';

/** Sessions of a workspace that are still live (a heartbeat within the last two minutes), with who. */
export async function freshSessions(db: Database, workspaceId: string) {
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
