import type { Paged } from './page';
// Response shapes of /api/repositories as they go over the wire: dates are ISO strings.

export interface Repository {
  id: string;
  organizationId: string;
  /** What git clones: an https URL, or a file:// URL in local mode. */
  url: string;
  /** `owner/name` for GitHub, null for local repositories. */
  fullName: string | null;
  name: string;
  defaultBranch: string;
  /** Only for those who manage repositories (owners, admins); members do not see it. */
  webhookSecret?: string;
  /** Where GitHub sends pushes, for this server. */
  webhookUrl: string;
  /** Run after the clone when the repository has no devcontainer.json. */
  setupCommand: string | null;
  setupTimeoutMinutes: number;
  /** Successful setups are snapshotted, and new workspaces boot from the newest snapshot. */
  prebuildsEnabled: boolean;
  createdById: string | null;
  createdAt: string;
}

export interface RepositoryResponse {
  repository: Repository;
}

/** Newest first, paged (`?limit=&cursor=`, core/schemas/page.ts). */
export interface RepositoryListResponse extends Paged {
  repositories: Repository[];
}
