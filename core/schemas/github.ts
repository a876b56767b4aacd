import { z } from 'zod';

// The parts of GitHub webhook payloads we read, and nothing more. Everything else in a payload is
// ignored; these are read only after the delivery's signature has been verified.

/** GitHub's own cap on a delivery; anything larger is not from GitHub. */
export const GITHUB_WEBHOOK_MAX_BYTES = 25 * 1024 * 1024;

/** Events we act on; any other event is acknowledged with 202 and ignored. */
export const HANDLED_GITHUB_EVENTS = ['ping', 'push'] as const;

const RepositoryRef = z.object({
  full_name: z.string().max(300).optional(),
  clone_url: z.string().max(2000).optional(),
  html_url: z.string().max(2000).optional(),
  url: z.string().max(2000).optional(),
});

export const GithubPushPayload = z.object({
  ref: z.string().min(1).max(1000),
  deleted: z.boolean().optional(),
  after: z.string().max(64).optional(),
  repository: RepositoryRef,
});
export type GithubPushPayload = z.infer<typeof GithubPushPayload>;

/** What the webhook answers when it accepted a delivery (errors use the API's error shape). */
export interface WebhookResponse {
  ok: true;
  event: string;
  delivery: string | null;
  /** Set when nothing was done, with the reason: duplicate, tag push, branch deleted, unknown event. */
  ignored?: string;
  /** Workspaces asked to pull (running ones now, others when they next run). */
  workspaces?: number;
}

/** What a pull did, for `POST /api/workspaces/:id/pull` and the workspace's record. */
export interface PullResult {
  pulled: boolean;
  /** The workspace's HEAD after the attempt, when known. */
  commit: string | null;
  outcome: PullOutcome;
  message: string;
}

export type PullOutcome =
  'pulled' | 'up_to_date' | 'dirty' | 'diverged' | 'other_branch' | 'not_running' | 'failed';

/**
 * `refs/heads/<branch>` -> `<branch>`; tags and anything else -> null. The branch is only ever used as a
 * bound SQL parameter to find workspaces; it never reaches a shell.
 */
export function branchOfRef(ref: string): string | null {
  const prefix = 'refs/heads/';
  return ref.startsWith(prefix) && ref.length > prefix.length ? ref.slice(prefix.length) : null;
}

/** A push that removed the branch: `deleted: true`, or the new SHA all zeros. */
export function isBranchDeletion(p: Pick<GithubPushPayload, 'deleted' | 'after'>): boolean {
  return p.deleted === true || (!!p.after && /^0+$/.test(p.after));
}
