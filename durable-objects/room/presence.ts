import { eq, inArray } from 'drizzle-orm';
import { SESSION_STALE_MS, type Presence, type PresenceUser } from '../../core/protocol';
import { cloudWorkspaceSessions } from '../../db/schema';
import type { RoomSession } from './contract';
import { orgEventsOf } from './events';
import { recordActivity } from './idle';
import { broadcast, viewerAttachments, type ViewerAttachment } from './sockets';
import { loadMeta, type RoomState } from './state';
import { SESSION_PREFIX, Timer } from './storage-keys';
import { setTimer } from './timers';

// Client sessions (desktop and web apps) live in room storage and in cloud_workspace_sessions; the
// room expires stale ones on its alarm. Presence is those sessions plus the open terminal sockets.

const PRESENCE_DEBOUNCE_MS = 50;

export async function openSession(s: RoomState, session: RoomSession): Promise<void> {
  await loadMeta(s);
  await s.ctx.storage.put(SESSION_PREFIX + session.sessionId, session);
  await setTimer(s.ctx.storage, Timer.presence, session.lastHeartbeatAt + SESSION_STALE_MS);
  schedulePresence(s);
}

/** Returns false when the session is unknown or already stale (the client should open a new one). */
export async function heartbeat(s: RoomState, sessionId: string, active: boolean): Promise<boolean> {
  const key = SESSION_PREFIX + sessionId;
  const session = await s.ctx.storage.get<RoomSession>(key);
  const now = Date.now();
  if (!session || isStale(session, now)) return false;
  await s.ctx.storage.put(key, { ...session, lastHeartbeatAt: now });
  await setTimer(s.ctx.storage, Timer.presence, now + SESSION_STALE_MS);
  if (active) recordActivity(s);
  await s.deps
    .withDb((db) =>
      db
        .update(cloudWorkspaceSessions)
        .set({ lastHeartbeatAt: new Date(now) })
        .where(eq(cloudWorkspaceSessions.id, sessionId)),
    )
    .catch(() => {});
  return true;
}

export async function closeSession(s: RoomState, sessionId: string): Promise<void> {
  const session = await s.ctx.storage.get<RoomSession>(SESSION_PREFIX + sessionId);
  await s.ctx.storage.delete(SESSION_PREFIX + sessionId);
  if (session?.clientType === 'ssh') sshProxyLeft(s, session.userId);
  schedulePresence(s);
}

export async function currentPresence(s: RoomState): Promise<Presence> {
  const ssh = s.sshScan?.present ?? [];
  return computePresence(await listSessions(s.ctx.storage), viewerAttachments(s), Date.now(), ssh);
}

/** Stale sessions leave the room and the database; the timer re-arms for the next one. */
export async function expireSessions(s: RoomState) {
  const now = Date.now();
  const sessions = await listSessions(s.ctx.storage);
  const stale = sessions.filter((x) => isStale(x, now));
  if (stale.length) {
    await s.ctx.storage.delete(stale.map((x) => SESSION_PREFIX + x.sessionId));
    const ids = stale.map((x) => x.sessionId);
    await s.deps
      .withDb((db) => db.delete(cloudWorkspaceSessions).where(inArray(cloudWorkspaceSessions.id, ids)))
      .catch(() => {});
    schedulePresence(s);
  }
  const fresh = sessions.filter((x) => !isStale(x, now));
  if (fresh.length) {
    const next = Math.min(...fresh.map((x) => x.lastHeartbeatAt)) + SESSION_STALE_MS;
    await setTimer(s.ctx.storage, Timer.presence, next);
  }
}

/** A cw ssh-proxy session of `userId` ended: its plain-SSH entry goes too until the next scan sees it. */
function sshProxyLeft(s: RoomState, userId: string) {
  const st = s.sshScan;
  if (st?.present.some((p) => p.userId === userId))
    st.present = st.present.filter((p) => p.userId !== userId);
}

/** Publishes presence shortly: viewers joining or leaving together make one message. */
export function schedulePresence(s: RoomState) {
  if (s.presenceTimer) return;
  s.presenceTimer = setTimeout(() => {
    s.presenceTimer = null;
    s.ctx.waitUntil(publishPresence(s).catch(() => {}));
  }, PRESENCE_DEBOUNCE_MS);
}

async function publishPresence(s: RoomState) {
  const presence = await currentPresence(s);
  broadcast(s, { type: 'presence', presence });
  const meta = await loadMeta(s);
  if (meta) await orgEventsOf(s, meta.organizationId).publishPresence(meta.workspaceId, presence);
}

export async function listSessions(storage: DurableObjectStorage): Promise<RoomSession[]> {
  return [...(await storage.list<RoomSession>({ prefix: SESSION_PREFIX })).values()];
}

export const isStale = (s: RoomSession, now: number) => now - s.lastHeartbeatAt >= SESSION_STALE_MS;

/** Who is connected: fresh sessions and open terminal sockets, one entry per user. */
export function computePresence(
  sessions: RoomSession[],
  viewers: ViewerAttachment[],
  now: number,
  ssh: { userId: string; name: string; image: string | null }[] = [],
): Presence {
  const users = new Map<string, PresenceUser>();
  const entry = (userId: string, name: string, image: string | null) => {
    let u = users.get(userId);
    if (!u) {
      u = { userId, name, image, clientTypes: [], terminals: 0 };
      users.set(userId, u);
    }
    return u;
  };
  for (const s of sessions) {
    if (isStale(s, now)) continue;
    const u = entry(s.userId, s.name, s.image);
    if (!u.clientTypes.includes(s.clientType)) u.clientTypes.push(s.clientType);
  }
  for (const v of viewers) {
    const u = entry(v.userId, v.name, v.image);
    u.terminals++;
    if (!u.clientTypes.includes(v.clientType)) u.clientTypes.push(v.clientType);
  }
  // Plain SSH sessions (room/ssh-presence.ts); one of cw ssh-proxy for the same member is one `ssh`.
  for (const x of ssh) {
    const u = entry(x.userId, x.name, x.image);
    if (!u.clientTypes.includes('ssh')) u.clientTypes.push('ssh');
  }
  const list = [...users.values()].sort((a, b) => a.name.localeCompare(b.name));
  return { count: list.length, users: list };
}
