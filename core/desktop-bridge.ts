// The desktop bridge: what the Electron wrapper's preload exposes to the web app as
// `window.cloudWorkspacesDesktop`. Defined once, here, with no platform imports, so the main process, the
// preload and the Solid renderer all type-check against the same contract.

/** The global the preload defines (contextBridge.exposeInMainWorld). */
export const DESKTOP_BRIDGE_GLOBAL = 'cloudWorkspacesDesktop';
/** Bumped on breaking changes; the renderer hides what it does not understand. */
export const DESKTOP_BRIDGE_API_VERSION = 1;
/** The URL scheme of deep links: `cloud-workspaces://workspace/<id>`. */
export const DESKTOP_URL_SCHEME = 'cloud-workspaces';

export const EDITORS = ['vscode', 'cursor'] as const;
export type EditorId = (typeof EDITORS)[number];

/** What the local copy of a workspace looks like. `linked: false`: not synced on this computer. */
export type SyncState =
  | { linked: false }
  | {
      linked: true;
      workspaceId: string;
      path: string;
      branch: string;
      /** `clone`: a clone of its own; `worktree`: a git worktree of an existing local clone. */
      kind: 'clone' | 'worktree';
      /** Commits here that the workspace's branch on the origin lacks, and the reverse. */
      ahead: number;
      behind: number;
      /** Changed, staged or untracked files (git status --porcelain). */
      uncommitted: number;
      /** Files with unresolved conflicts (a merge or rebase the user started). */
      conflicted: number;
      /** The branch checked out in the folder now (someone may have switched). */
      currentBranch: string | null;
      /** A problem to show with what to do, e.g. diverged, missing folder, other branch. */
      problem: SyncProblem | null;
      /** When the origin was last fetched (ISO); null when the fetch failed (offline, credentials). */
      fetchedAt: string | null;
    };

export interface SyncProblem {
  code:
    | 'diverged'
    | 'conflicts'
    | 'other_branch'
    | 'no_upstream'
    | 'missing'
    | 'fetch_failed'
    | 'push_rejected'
    | 'pull_refused'
    | 'failed';
  /** One sentence a person can act on: what happened and what to do. */
  message: string;
}

/** The cloud workspace's answer to `POST /api/workspaces/:id/pull` after a push. */
export interface CloudPullReport {
  outcome: string;
  message: string;
}

export interface SyncActionResult {
  ok: boolean;
  /** What git said, trimmed, for a details disclosure. */
  output: string;
  problem: SyncProblem | null;
  state: SyncState;
  /** After a push: what the cloud workspace did when asked to pull (null if not asked or unreachable). */
  cloudPull?: CloudPullReport | null;
}

/** A workspace change the renderer saw (org events or polling), forwarded for native notifications. */
export interface WorkspaceStateReport {
  workspaceId: string;
  name?: string;
  status: string;
  statusMessage?: string | null;
  pullMessage?: string | null;
  lastCommitSha?: string | null;
}

export interface SyncToLocalOptions {
  /** Skip the dialog (tests, "sync again"): must be an absolute path. */
  folder?: string;
}

/**
 * The bridge. Every method validates its arguments in the main process; workspace ids are UUIDs. Nothing
 * here returns a credential: the bridge's API key stays in the main process.
 */
export interface DesktopBridge {
  readonly apiVersion: number;
  readonly platform: string;
  /** Where this workspace is synced on this computer and how it compares with its branch on the origin. */
  getSyncState(workspaceId: string): Promise<SyncState>;
  /** Chooses a folder (native dialog), clones or adds a worktree at the workspace's branch, records it. */
  syncToLocal(workspaceId: string, options?: SyncToLocalOptions): Promise<SyncState>;
  /** `git pull --ff-only` in the local copy. Divergence and conflicts are reported, never resolved. */
  pull(workspaceId: string): Promise<SyncActionResult>;
  /** `git push` of the branch, then asks the cloud workspace to pull it. */
  push(workspaceId: string): Promise<SyncActionResult>;
  /** Forgets the link (the folder itself is left alone). */
  unlinkLocal(workspaceId: string): Promise<void>;
  /** Editors whose command-line launcher (`code`, `cursor`) was found. */
  listEditors(): Promise<EditorId[]>;
  openInEditor(workspaceId: string, editor: EditorId): Promise<void>;
  /** Shows the local folder in the system file manager. */
  revealLocal(workspaceId: string): Promise<void>;
  /** Forward a workspace change for a native notification (shown only while the window is in the background). */
  reportWorkspaceState(report: WorkspaceStateReport): void;
}

/** Exactly the methods above, in order: the preload exposes these and nothing else (tests assert it). */
export const DESKTOP_BRIDGE_METHODS = [
  'getSyncState',
  'syncToLocal',
  'pull',
  'push',
  'unlinkLocal',
  'listEditors',
  'openInEditor',
  'revealLocal',
  'reportWorkspaceState',
] as const satisfies readonly (keyof DesktopBridge)[];
export type DesktopBridgeMethod = (typeof DESKTOP_BRIDGE_METHODS)[number];

/** IPC channel of a bridge method. */
export const bridgeChannel = (method: DesktopBridgeMethod) => `cw-desktop:${method}`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `cloud-workspaces://workspace/<uuid>` (also `cloud-workspaces:workspace/<uuid>` and a trailing slash)
 * -> the workspace id; anything else -> null. Deep links come from any web page or program, so nothing
 * but a UUID gets through.
 */
export function parseDeepLink(raw: unknown): { workspaceId: string } | null {
  if (typeof raw !== 'string' || raw.length > 200) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== `${DESKTOP_URL_SCHEME}:`) return null;
  if (url.username || url.password || url.port || url.search || url.hash) return null;
  // `scheme://workspace/<id>` parses as host "workspace", path "/<id>"; `scheme:workspace/<id>` as a path.
  const rest = url.host ? `${url.host}${url.pathname}` : url.pathname.replace(/^\/+/, '');
  const m = rest.match(/^workspace\/([^/]+)\/?$/);
  if (!m || !UUID.test(m[1]!)) return null;
  return { workspaceId: m[1]!.toLowerCase() };
}

export const isWorkspaceId = (s: unknown): s is string => typeof s === 'string' && UUID.test(s);
