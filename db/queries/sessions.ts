import { and, count, desc, eq, gt } from 'drizzle-orm';
import { afterCursor, cursorAt, type Cursor } from './page';
import { cloudWorkspaces, cloudWorkspaceSessions, user } from '../schema';
import { SESSION_STALE_MS } from '../../core/protocol';
import type { Database } from '../client';
import type { Db } from './limits';

const sessionColumns = {
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
};

const fresh = (workspaceId: string) =>
  and(
    eq(cloudWorkspaceSessions.workspaceId, workspaceId),
    gt(cloudWorkspaceSessions.lastHeartbeatAt, new Date(Date.now() - SESSION_STALE_MS)),
  );

/** Sessions of a workspace that are still live (a heartbeat within the last two minutes), with who. */
export function freshSessions(db: Database, workspaceId: string) {
  return db
    .select(sessionColumns)
    .from(cloudWorkspaceSessions)
    .innerJoin(user, eq(user.id, cloudWorkspaceSessions.userId))
    .where(fresh(workspaceId));
}

/** A page of them, newest connection first (`toPage` cuts it). */
export function freshSessionsPage(db: Database, workspaceId: string, limit: number, cursor?: Cursor) {
  const s = cloudWorkspaceSessions;
  return db
    .select({ ...sessionColumns, cursorAt: cursorAt(s.connectedAt) })
    .from(s)
    .innerJoin(user, eq(user.id, s.userId))
    .where(
      and(fresh(workspaceId), afterCursor(s.connectedAt, s.id, cursor, { at: 'timestamptz', id: 'uuid' })),
    )
    .orderBy(desc(s.connectedAt), desc(s.id))
    .limit(limit + 1);
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
