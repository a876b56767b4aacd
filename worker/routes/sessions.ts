import { Hono } from 'hono';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { cloudWorkspaceSessions } from '../../db/schema';
import { ErrorCode } from '../../core/errors';
import { isUuid } from '../../core/ids';
import { SESSION_STALE_MS } from '../../core/protocol';
import { CLIENT_TYPES } from '../../core/schemas/sessions';
import { text } from '../../core/schemas/text';
import { apiError, notFound } from '../lib/errors';
import { json, query } from '../lib/validate';
import { loadWorkspace, loadWorkspaceWith } from '../lib/load';
import { roomFor } from '../lib/rooms';
import { freshSessionsPage, liveSessionCount } from '../../db/queries/sessions';
import { PageQuery } from '../../core/schemas/page';
import { toPage } from '../../db/queries/page';
import { cursorParam } from '../lib/page';
import { limitsFor, withOrgLimitsLock } from '../../db/queries/limits';
import { quotaError } from '../lib/quota';
import { redactOthers } from '../lib/presence';
import type { Database } from '../../db/client';
import type {
  HeartbeatResponse,
  OpenSessionResponse,
  SessionListResponse,
  SessionResponse,
} from '../../core/api/sessions';
import type { Reply } from '../lib/reply';
import type { AppEnv, Principal } from '../types';

const OpenSessionInput = z.object({
  clientType: z.enum(CLIENT_TYPES),
  clientInfo: text(255).optional(),
  localWorktreePath: text(1000).optional(),
  localSyncEnabled: z.boolean().optional(),
});

const HeartbeatInput = z.object({ active: z.boolean().optional() });

const UpdateSessionInput = z
  .object({
    localWorktreePath: text(1000, 1).nullable().optional(),
    localSyncEnabled: z.boolean().optional(),
  })
  .refine((v) => v.localWorktreePath !== undefined || v.localSyncEnabled !== undefined, {
    message: 'send localWorktreePath or localSyncEnabled',
  });

const roomSession = (
  row: typeof cloudWorkspaceSessions.$inferSelect,
  principal: Principal,
  lastHeartbeatAt: number,
) => ({
  sessionId: row.id,
  userId: row.userId,
  name: principal.name,
  image: principal.image,
  clientType: row.clientType,
  lastHeartbeatAt,
});

/** `/api/workspaces/:id/sessions`: open a client session, list who is connected. */
export const workspaceSessions = new Hono<AppEnv>()
  .post('/:id/sessions', json(OpenSessionInput), async (c): Reply<OpenSessionResponse, 201> => {
    const { db, principal } = c.var;
    const ws = await loadWorkspace(db, principal, c.req.param('id'), 'workspace.use');
    const input = c.req.valid('json');
    const now = new Date();
    const [row] = await withOrgLimitsLock(db, ws.organizationId, async (tx) => {
      const max = (await limitsFor(tx, ws.organizationId, c.var.config.limits)).sessionsPerUser;
      const open = await liveSessionCount(tx, principal.userId, ws.organizationId);
      if (open >= max) throw quotaError('sessionsPerUser', max, open);
      return tx
        .insert(cloudWorkspaceSessions)
        .values({
          workspaceId: ws.id,
          userId: principal.userId,
          clientType: input.clientType,
          clientInfo: input.clientInfo,
          localWorktreePath: input.localWorktreePath,
          localSyncEnabled: input.localSyncEnabled ?? false,
          connectedAt: now,
          lastHeartbeatAt: now,
        })
        .returning();
    });
    await roomFor(c.env, ws.id).openSession(roomSession(row!, principal, now.getTime()));
    return c.json({ sessionId: row!.id, heartbeatIntervalMs: 30_000, staleAfterMs: SESSION_STALE_MS }, 201);
  })
  .get('/:id/sessions', query(PageQuery), async (c): Reply<SessionListResponse> => {
    const { db, principal } = c.var;
    const page = c.req.valid('query');
    const id = c.req.param('id');
    const cursor = cursorParam(page.cursor);
    const { workspace: ws, results } = await loadWorkspaceWith(db, principal, id, 'workspace.read', [
      freshSessionsPage(db, id, page.limit, cursor),
    ]);
    const { rows, nextCursor } = toPage(results[0], page.limit);
    const presence = await roomFor(c.env, ws.id).presence();
    return c.json({ sessions: redactOthers(rows, principal.userId), presence, nextCursor }, 200);
  });

/** A session of the caller's, in a workspace the caller may still use. */
async function loadOwnSession(db: Database, principal: Principal, id: string) {
  if (!isUuid(id)) throw notFound('Session');
  const [row] = await db
    .select()
    .from(cloudWorkspaceSessions)
    .where(eq(cloudWorkspaceSessions.id, id))
    .limit(1);
  if (!row || row.userId !== principal.userId) throw notFound('Session');
  await loadWorkspace(db, principal, row.workspaceId, 'workspace.use');
  return row;
}

/** `/api/sessions/:id`: heartbeats and goodbyes. */
export const sessions = new Hono<AppEnv>()
  .post('/:id/heartbeat', async (c): Reply<HeartbeatResponse> => {
    const { db, principal } = c.var;
    const raw = await c.req.json().catch(() => ({}));
    const parsed = HeartbeatInput.safeParse(raw ?? {});
    if (!parsed.success)
      throw apiError(400, ErrorCode.validation, 'active: must be a boolean', { field: 'active' });
    const row = await loadOwnSession(db, principal, c.req.param('id'));
    const now = Date.now();
    if (now - row.lastHeartbeatAt.getTime() >= SESSION_STALE_MS) {
      // Too late: the session is gone; the client opens a new one.
      await db.delete(cloudWorkspaceSessions).where(eq(cloudWorkspaceSessions.id, row.id));
      throw apiError(404, ErrorCode.notFound, 'The session expired; open a new one.', { expired: true });
    }
    const room = roomFor(c.env, row.workspaceId);
    if (!(await room.heartbeat(row.id, !!parsed.data.active))) {
      // The room lost track of it (restarted): it is fresh by the database, so it rejoins.
      await db
        .update(cloudWorkspaceSessions)
        .set({ lastHeartbeatAt: new Date(now) })
        .where(eq(cloudWorkspaceSessions.id, row.id));
      await room.openSession(roomSession(row, principal, now));
      if (parsed.data.active) await room.recordActivity();
    }
    return c.json({ ok: true, staleAfterMs: SESSION_STALE_MS }, 200);
  })
  .patch('/:id', json(UpdateSessionInput), async (c): Reply<SessionResponse> => {
    // The desktop app records where it synced the workspace, or that it stopped syncing.
    const { db, principal } = c.var;
    const row = await loadOwnSession(db, principal, c.req.param('id'));
    const [updated] = await db
      .update(cloudWorkspaceSessions)
      .set(c.req.valid('json'))
      .where(eq(cloudWorkspaceSessions.id, row.id))
      .returning();
    return c.json({ session: updated }, 200);
  })
  .delete('/:id', async (c) => {
    const { db, principal } = c.var;
    const row = await loadOwnSession(db, principal, c.req.param('id'));
    await db.delete(cloudWorkspaceSessions).where(eq(cloudWorkspaceSessions.id, row.id));
    await roomFor(c.env, row.workspaceId).closeSession(row.id);
    return c.body(null, 204);
  });
