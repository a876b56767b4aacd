import type { ErrorCode } from '../../core/errors';
import type { LimitName } from '../../core/limits';
import type { PullResult } from '../../core/schemas/github';
import type { ExecResponse } from '../../core/api/workspaces';
import type { ClientType } from '../../core/schemas/sessions';
import type { WorkspaceStatus } from '../../core/workspace-state';
import type { KeyPermission } from '../../core/policy';
import type { AuditEntry } from '../../db/audit';
import type { WorkspaceRow } from '../../db/queries/workspaces';

// What the Worker may pass to the room and get back: the room's RPC surface in types. RPC results are
// plain data, since errors thrown across the Durable Object boundary lose their class.

/** Who asked: a person (by cookie or API key) or the room itself (alarms). */
export interface Actor {
  type: AuditEntry['actorType'];
  userId: string | null;
}

export type RoomFailure = {
  ok: false;
  status: 404 | 409 | 502 | 503;
  code: ErrorCode;
  message: string;
  currentStatus?: WorkspaceStatus;
  /** A limit that refused the request (409 quota_exceeded). */
  limit?: { name: LimitName; max: number; current: number };
};
export type RoomResult<T = { workspace: WorkspaceRow }> = ({ ok: true } & T) | RoomFailure;

export type PullRunResult = RoomResult<{ result: PullResult; workspace: WorkspaceRow }>;
export type ExecRunResult = RoomResult<{ result: ExecResponse }>;

/** The person behind a terminal ticket or socket, as the Worker authenticated them. */
export interface TicketPrincipal {
  userId: string;
  name: string;
  email: string;
  image: string | null;
  via: 'session' | 'api_key';
  /** The Better Auth session or API key the caller rides on: what a revocation matches. */
  authSessionId?: string;
  key?: {
    id: string;
    organizationId: string | null;
    permissions: KeyPermission[];
    expiresAt?: number | null;
  };
}

/** Whose sockets a revocation closes: those matching every given field (at least one is given). */
export interface RevokeMatch {
  userId?: string;
  authSessionId?: string;
  keyId?: string;
}

/** A terminal window: one named PTY session (slug) on the VM. */
export interface TerminalWindow {
  windowId: string;
  name: string;
  slug: string;
  createdAt: number;
  createdBy: string;
  /** The Setup window (room/setup.ts): its PTY session, attached by id once it has exited. */
  kind?: 'setup';
  sessionId?: number;
}

/** What the Worker passes with a terminal upgrade (header `x-cw-attach`), after checking the caller. */
export interface AttachRequest {
  workspace: Pick<
    WorkspaceRow,
    'id' | 'organizationId' | 'status' | 'freestyleVmId' | 'autoStopMinutes' | 'name'
  >;
  principal: TicketPrincipal;
  windowId: string;
  cols: number;
  rows: number;
  clientType: 'web' | 'desktop';
  sessionId?: string;
}

/** A client session (`cloud_workspace_sessions` row) as the room keeps it. */
export interface RoomSession {
  sessionId: string;
  userId: string;
  name: string;
  image: string | null;
  clientType: ClientType;
  lastHeartbeatAt: number;
}
