// `GET /api/repositories/:id/prebuild`: a branch's prebuild and its builder's last build
// (docs/setup.md "Prebuilds"), for the repository settings page.

export const PREBUILD_BUILD_STATUSES = ['building', 'succeeded', 'failed', 'superseded', 'skipped'] as const;
export type PrebuildBuildStatus = (typeof PREBUILD_BUILD_STATUSES)[number];

/** Why a build started: a push that changed the setup definition, or a change of the settings. */
export type PrebuildBuildReason = 'push' | 'settings';

/** The builder's current or last build of one branch. */
export interface PrebuildBuild {
  status: PrebuildBuildStatus;
  reason: PrebuildBuildReason;
  /** The commit the build cloned (null until the clone is there). */
  commitSha: string | null;
  /** What the setup ran, as in the Setup window. */
  command: string | null;
  startedAt: string;
  finishedAt: string | null;
  /** The setup's exit code: null when it was killed (timeout) or never ran. */
  exitCode: number | null;
  timedOut: boolean;
  /** In the user's words: why it failed or was skipped. */
  message: string | null;
}

export interface PrebuildStatus {
  repositoryId: string;
  branch: string;
  enabled: boolean;
  /** The snapshot new workspaces of the branch start from. */
  ready: { commitSha: string | null; createdAt: string } | null;
  build: PrebuildBuild | null;
}

export interface PrebuildStatusResponse {
  prebuild: PrebuildStatus;
}
