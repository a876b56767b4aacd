// Response shapes of /api/organizations/:id/usage and /audit as they go over the wire.
import type { Limits } from '../limits';
import type { UsageGroup } from '../schemas/organizations';

export interface UsageRow {
  /** The workspace id, the user id or the day (YYYY-MM-DD), by `groupBy`. */
  key: string;
  label: string;
  runningSeconds: number;
  pausedSeconds: number;
}

export interface UsageResponse {
  from: string;
  to: string;
  groupBy: UsageGroup;
  rows: UsageRow[];
  totals: { runningSeconds: number; pausedSeconds: number };
}

export interface AuditEvent {
  id: string;
  workspaceId: string | null;
  workspaceName: string | null;
  actorType: string;
  actorUserId: string | null;
  actorName: string | null;
  action: string;
  detail: Record<string, unknown> | null;
  createdAt: string;
}

export interface AuditPage {
  events: AuditEvent[];
  /** Pass as `?cursor=` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export interface LimitsResponse {
  /** In force: the organization's own where set, else the defaults. */
  limits: Limits;
  defaults: Limits;
  usage: { workspaces: number; running: number };
}
