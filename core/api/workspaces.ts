// Response shapes of /api/workspaces as they go over the wire: dates are ISO strings, not Date objects.
// The routes are typed against these (worker/lib/reply.ts) and the clients read them.
import type { WorkspaceStatus } from '../workspace-state';
import type { PullResult } from '../schemas/github';
import type { PresenceSession } from './sessions';
import type { WorkspaceSetup } from './setup';
import type { Paged } from './page';

export interface Workspace {
  id: string;
  organizationId: string;
  repositoryId: string;
  name: string;
  branch: string;
  freestyleVmId: string | null;
  status: WorkspaceStatus;
  statusMessage: string | null;
  /** Set with some statuses: `vm_crashed` (an `error` whose VM stopped or vanished on its own). */
  statusCode: string | null;
  lastCommitSha: string | null;
  /** A push arrived while it was not running: it pulls when it next runs. */
  pendingPull: boolean;
  pullMessage: string | null;
  provisionAttempts: number;
  autoStopMinutes: number;
  /** The repository's setup (devcontainer.json or the repository's setup command) in this workspace. */
  setup: WorkspaceSetup;
  creatorId: string;
  createdAt: string;
  updatedAt: string;
  statusChangedAt: string;
  lastActiveAt: string;
}

/** A row of `GET /api/workspaces` and `/active`: with its repository, creator and connected people. */
export interface WorkspaceListItem extends Workspace {
  repositoryName: string;
  repositoryUrl: string;
  creatorName: string;
  connectedCount: number;
}

/** Newest first, paged (`?limit=&cursor=`, core/schemas/page.ts). */
export interface WorkspaceListResponse extends Paged {
  workspaces: WorkspaceListItem[];
}

/** `POST /api/workspaces` and every lifecycle action (`pause`, `resume`, `stop`, `start`, `retry`). */
export interface WorkspaceResponse {
  workspace: Workspace;
}

export interface WorkspaceDetailResponse {
  workspace: Workspace;
  sessions: PresenceSession[];
}

/** `POST /api/workspaces/:id/exec` and `POST /api/cloud-workspace/command`. */
export interface ExecResponse {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  durationMs: number;
  timedOut: boolean;
  truncated: boolean;
}

/** `POST /api/workspaces/:id/pull`: what the pull did, and the workspace after it. */
export interface PullResponse extends PullResult {
  workspace: Workspace;
}
