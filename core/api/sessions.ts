import type { Paged } from './page';
// Response shapes of client sessions (presence) as they go over the wire: dates are ISO strings.
import type { Presence } from '../protocol';
import type { ClientType } from '../schemas/sessions';

/** A row of `cloud_workspace_sessions`, as `PATCH /api/sessions/:id` answers it. */
export interface ClientSession {
  id: string;
  workspaceId: string;
  userId: string;
  clientType: ClientType;
  clientInfo: string | null;
  localWorktreePath: string | null;
  localSyncEnabled: boolean;
  connectedAt: string;
  lastHeartbeatAt: string;
}

/** A live session of a workspace, with who holds it. */
export interface PresenceSession extends Omit<ClientSession, 'workspaceId'> {
  userName: string;
  userImage: string | null;
}

export interface OpenSessionResponse {
  sessionId: string;
  heartbeatIntervalMs: number;
  staleAfterMs: number;
}

/** Paged (`?limit=&cursor=`, core/schemas/page.ts). */
export interface SessionListResponse extends Paged {
  sessions: PresenceSession[];
  presence: Presence;
}

export interface HeartbeatResponse {
  ok: true;
  staleAfterMs: number;
}

export interface SessionResponse {
  session: ClientSession;
}
