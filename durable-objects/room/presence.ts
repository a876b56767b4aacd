import { SESSION_STALE_MS, type Presence, type PresenceUser } from '../../core/protocol';
import type { ClientType } from '../../core/schemas/sessions';

/** A client session (`cloud_workspace_sessions` row) as the room keeps it. */
export interface RoomSession {
  sessionId: string;
  userId: string;
  name: string;
  image: string | null;
  clientType: ClientType;
  lastHeartbeatAt: number;
}

/** What each terminal socket carries through hibernation. */
export interface ViewerAttachment {
  kind: 'terminal';
  viewerId: string;
  windowId: string;
  workspaceId: string;
  userId: string;
  name: string;
  image: string | null;
  via: 'session' | 'api_key';
  clientType: ClientType;
  sessionId?: string;
  cols: number;
  rows: number;
}

export const SESSION_PREFIX = 'session:';
export const PRESENCE_TIMER = 'presence';

export async function listSessions(storage: DurableObjectStorage): Promise<RoomSession[]> {
  return [...(await storage.list<RoomSession>({ prefix: SESSION_PREFIX })).values()];
}

export const isStale = (s: RoomSession, now: number) => now - s.lastHeartbeatAt >= SESSION_STALE_MS;

/** Who is connected: fresh sessions and open terminal sockets, one entry per user. */
export function computePresence(sessions: RoomSession[], viewers: ViewerAttachment[], now: number): Presence {
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
  const list = [...users.values()].sort((a, b) => a.name.localeCompare(b.name));
  return { count: list.length, users: list };
}
