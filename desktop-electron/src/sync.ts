import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { CloudPullReport, SyncActionResult, SyncProblem, SyncState } from '../../core/desktop-bridge';
import { isValidBranchName } from '../../core/schemas/repositories';
import { gitOutput, parsePorcelain, runGit, sameRepository, validateLocalPath, type GitRunner } from './git';

/** One workspace synced on this computer. */
export interface SyncLink {
  workspaceId: string;
  path: string;
  branch: string;
  kind: 'clone' | 'worktree';
  repositoryUrl: string;
  sessionId?: string | null;
}

/** The links, in `sync-links.json` under userData (paths only: no secrets). */
export class LinkStore {
  private readonly file: string;
  constructor(userData: string) {
    this.file = join(userData, 'sync-links.json');
  }
  all(): Record<string, SyncLink> {
    try {
      return JSON.parse(readFileSync(this.file, 'utf8'));
    } catch {
      return {};
    }
  }
  get(workspaceId: string): SyncLink | null {
    return this.all()[workspaceId] ?? null;
  }
  set(link: SyncLink) {
    this.write({ ...this.all(), [link.workspaceId]: link });
  }
  delete(workspaceId: string) {
    const all = this.all();
    delete all[workspaceId];
    this.write(all);
  }
  private write(all: Record<string, SyncLink>) {
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(all, null, 2));
    renameSync(tmp, this.file);
  }
}

/** What sync needs from the API (DesktopApi in the app, the test stack's client in tests). */
export interface SyncApi {
  workspace(
    id: string,
  ): Promise<{ id: string; organizationId: string; repositoryId: string; branch: string }>;
  repository(organizationId: string, repositoryId: string): Promise<{ url: string; name: string }>;
  /** Records the local folder on the desktop session (reusing `previousSessionId`), returning its id; null when it could not. */
  recordLocalSync(
    workspaceId: string,
    path: string,
    previousSessionId: string | null,
  ): Promise<string | null>;
  /** `POST /api/workspaces/:id/pull`. */
  requestCloudPull(workspaceId: string): Promise<CloudPullReport>;
}

export class SyncError extends Error {
  constructor(
    readonly problem: SyncProblem,
    readonly output = '',
  ) {
    super(problem.message);
  }
}

const fail = (code: SyncProblem['code'], message: string, output = '') =>
  new SyncError({ code, message }, output);

/** `feature/greeting` -> `feature-greeting`, for a worktree folder name. */
const slug = (branch: string) => branch.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'branch';

const isEmptyDir = (p: string) => statSync(p).isDirectory() && readdirSync(p).length === 0;

/**
 * Sync to local (the plan's flow 4) with the system's git: clone the workspace's branch or add a worktree
 * to an existing clone, report ahead/behind/uncommitted against the branch on the origin, pull
 * fast-forward only, push and ask the cloud workspace to pull. Never merges, rebases or resets: a
 * divergence or a conflict is reported with what to do.
 */
export class SyncService {
  private readonly git: GitRunner;
  constructor(
    private readonly deps: {
      api: SyncApi;
      links: LinkStore;
      /** The folder dialog: resolves null when cancelled. */
      chooseFolder: () => Promise<string | null>;
      /** Whether a folder named by the caller (the page) may be used; unset: any (main's own callers). */
      mayUseFolder?: (workspaceId: string, folder: string) => boolean;
      git?: GitRunner;
      now?: () => Date;
    },
  ) {
    this.git = deps.git ?? runGit;
  }

  private async g(
    cwd: string | undefined,
    args: string[],
    what: string,
    code: SyncProblem['code'] = 'failed',
  ) {
    const r = await this.git(cwd, args);
    if (r.code !== 0)
      throw fail(code, `${what} failed: ${gitOutput(r).split('\n').at(-1) ?? 'git error'}`, gitOutput(r));
    return r.stdout.trim();
  }

  async syncToLocal(workspaceId: string, folder?: string): Promise<SyncState> {
    const ws = await this.deps.api.workspace(workspaceId);
    if (!isValidBranchName(ws.branch))
      throw fail('failed', `The workspace's branch name is not valid: ${ws.branch}`);
    const repo = await this.deps.api.repository(ws.organizationId, ws.repositoryId);
    if (folder !== undefined && this.deps.mayUseFolder && !this.deps.mayUseFolder(workspaceId, folder))
      throw Object.assign(new Error('Choose the folder in the dialog: the page cannot name one.'), {
        code: 'forbidden',
      });
    const chosen = folder ?? (await this.deps.chooseFolder());
    if (chosen === null) return this.state(workspaceId, { fetch: false });
    const link = await this.materialize(validateLocalPath(chosen), ws.branch, repo);
    const previous = this.deps.links.get(workspaceId);
    let sessionId: string | null = null;
    try {
      sessionId = await this.deps.api.recordLocalSync(workspaceId, link.path, previous?.sessionId ?? null);
    } catch {
      sessionId = null; // recording is informational; the local copy is already there
    }
    this.deps.links.set({ workspaceId, ...link, sessionId });
    return this.state(workspaceId);
  }

  /** Finds or makes the folder that holds `branch` of `repo`, starting from what the user chose. */
  private async materialize(folder: string, branch: string, repo: { url: string; name: string }) {
    const base = { branch, repositoryUrl: repo.url };
    if (existsSync(folder) && !statSync(folder).isDirectory())
      throw fail('failed', `${folder} is a file, not a folder.`);
    if (!existsSync(folder) || isEmptyDir(folder))
      return { ...base, path: await this.clone(repo.url, branch, folder), kind: 'clone' as const };
    const top = await this.git(folder, ['rev-parse', '--show-toplevel']);
    if (top.code === 0)
      return { ...base, ...(await this.fromExistingClone(top.stdout.trim(), branch, repo)) };
    // A folder of projects: clone into <folder>/<repo name>, or reuse a clone already there.
    const inside = join(folder, repo.name.replace(/[^A-Za-z0-9._-]+/g, '-'));
    if (!existsSync(inside) || isEmptyDir(inside))
      return { ...base, path: await this.clone(repo.url, branch, inside), kind: 'clone' as const };
    const top2 = await this.git(inside, ['rev-parse', '--show-toplevel']);
    if (top2.code === 0)
      return { ...base, ...(await this.fromExistingClone(top2.stdout.trim(), branch, repo)) };
    throw fail('failed', `${inside} already exists and is not a git clone: choose an empty folder.`);
  }

  private async clone(url: string, branch: string, target: string) {
    mkdirSync(dirname(target), { recursive: true });
    await this.g(
      undefined,
      ['clone', '--quiet', '--branch', branch, '--origin', 'origin', '--', url, target],
      'git clone',
    );
    return target;
  }

  private async fromExistingClone(top: string, branch: string, repo: { url: string }) {
    const remote = (await this.git(top, ['config', '--get', 'remote.origin.url'])).stdout.trim();
    if (!remote || !sameRepository(remote, repo.url)) {
      throw fail(
        'failed',
        `${top} is a clone of ${remote || 'another repository (no "origin")'}, not of ${repo.url}. Choose an empty folder or a clone of ${repo.url}.`,
      );
    }
    const current = (await this.git(top, ['symbolic-ref', '--quiet', '--short', 'HEAD'])).stdout.trim();
    const kindOf = async (dir: string) => {
      const gitDir = await this.g(dir, ['rev-parse', '--absolute-git-dir'], 'git rev-parse');
      const common = await this.g(
        dir,
        ['rev-parse', '--path-format=absolute', '--git-common-dir'],
        'git rev-parse',
      );
      return gitDir === common ? ('clone' as const) : ('worktree' as const);
    };
    if (current === branch) return { path: top, kind: await kindOf(top) };
    // Already checked out in one of its worktrees?
    const list = await this.g(top, ['worktree', 'list', '--porcelain'], 'git worktree list');
    let wt: string | null = null;
    for (const block of list.split('\n\n')) {
      const path = block.match(/^worktree (.+)$/m)?.[1];
      if (path && block.split('\n').includes(`branch refs/heads/${branch}`)) wt = path;
    }
    if (wt) return { path: wt, kind: 'worktree' as const };
    // Add one beside the clone: <clone>-<branch>.
    await this.g(
      top,
      ['fetch', '--quiet', '--no-tags', 'origin', `+refs/heads/${branch}:refs/remotes/origin/${branch}`],
      'git fetch',
      'fetch_failed',
    );
    const target = join(dirname(top), `${basename(top)}-${slug(branch)}`);
    if (existsSync(target))
      throw fail(
        'failed',
        `${target} already exists: move it away, or choose that folder if it is this branch's copy.`,
      );
    const hasLocal =
      (await this.git(top, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`])).code === 0;
    const args = hasLocal
      ? ['worktree', 'add', '--quiet', target, branch]
      : ['worktree', 'add', '--quiet', '--track', '-b', branch, target, `origin/${branch}`];
    await this.g(top, args, 'git worktree add');
    return { path: target, kind: 'worktree' as const };
  }

  /** Where and how the local copy stands; `fetch: false` skips contacting the origin. */
  async state(workspaceId: string, opts: { fetch?: boolean } = {}): Promise<SyncState> {
    const link = this.deps.links.get(workspaceId);
    if (!link) return { linked: false };
    const base = {
      linked: true as const,
      workspaceId,
      path: link.path,
      branch: link.branch,
      kind: link.kind,
    };
    const empty = {
      ahead: 0,
      behind: 0,
      uncommitted: 0,
      conflicted: 0,
      currentBranch: null,
      fetchedAt: null,
    };
    if (!existsSync(link.path)) {
      return {
        ...base,
        ...empty,
        problem: {
          code: 'missing',
          message: `${link.path} no longer exists. Sync to local again, or forget this folder.`,
        },
      };
    }
    let fetchedAt: string | null = null;
    let fetchProblem: SyncProblem | null = null;
    if (opts.fetch !== false) {
      const f = await this.git(link.path, [
        'fetch',
        '--quiet',
        '--no-tags',
        'origin',
        `+refs/heads/${link.branch}:refs/remotes/origin/${link.branch}`,
      ]);
      if (f.code === 0) fetchedAt = (this.deps.now?.() ?? new Date()).toISOString();
      else
        fetchProblem = {
          code: 'fetch_failed',
          message: `Could not reach the origin (${gitOutput(f).split('\n').at(-1)}). The counts below may be stale.`,
        };
    }
    const currentBranch =
      (await this.git(link.path, ['symbolic-ref', '--quiet', '--short', 'HEAD'])).stdout.trim() || null;
    const status = parsePorcelain(
      (await this.git(link.path, ['status', '--porcelain=v1', '--untracked-files=normal'])).stdout,
    );
    let ahead = 0;
    let behind = 0;
    let upstream = true;
    const counts = await this.git(link.path, [
      'rev-list',
      '--left-right',
      '--count',
      `HEAD...refs/remotes/origin/${link.branch}`,
    ]);
    if (counts.code === 0)
      [ahead, behind] = counts.stdout.trim().split(/\s+/).map(Number) as [number, number];
    else upstream = false;
    const problem =
      this.problemOf({ link, currentBranch, conflicted: status.conflicted, ahead, behind, upstream }) ??
      fetchProblem;
    return {
      ...base,
      ahead,
      behind,
      uncommitted: status.changed,
      conflicted: status.conflicted,
      currentBranch,
      problem,
      fetchedAt,
    };
  }

  private problemOf(s: {
    link: SyncLink;
    currentBranch: string | null;
    conflicted: number;
    ahead: number;
    behind: number;
    upstream: boolean;
  }): SyncProblem | null {
    const { path, branch } = s.link;
    if (s.conflicted > 0)
      return {
        code: 'conflicts',
        message: `${s.conflicted} file(s) in ${path} have unresolved conflicts. Resolve them in your editor, "git add" them and finish with "git rebase --continue" or "git commit" (or give up with "git rebase --abort" / "git merge --abort").`,
      };
    if (s.currentBranch !== branch)
      return {
        code: 'other_branch',
        message: `${path} is on ${s.currentBranch ? `"${s.currentBranch}"` : 'a detached HEAD'}, not "${branch}". Run "git switch ${branch}" there to sync again.`,
      };
    if (!s.upstream)
      return {
        code: 'no_upstream',
        message: `origin/${branch} is unknown in ${path}: check the origin is reachable and the branch still exists.`,
      };
    if (s.ahead > 0 && s.behind > 0)
      return {
        code: 'diverged',
        message: `Your local "${branch}" and the origin's have both moved (${s.ahead} local, ${s.behind} remote commit(s)). In ${path} run "git pull --rebase" (or "git merge origin/${branch}"), resolve any conflicts, then Push.`,
      };
    return null;
  }

  private link(workspaceId: string): SyncLink {
    const link = this.deps.links.get(workspaceId);
    if (!link)
      throw fail('missing', 'This workspace is not synced on this computer: use "Sync to local" first.');
    return link;
  }

  /** `git pull --ff-only`. A divergence, local changes in the way or a conflict come back as a problem. */
  async pull(workspaceId: string): Promise<SyncActionResult> {
    const link = this.link(workspaceId);
    const before = await this.state(workspaceId);
    if (
      before.linked &&
      before.problem &&
      ['missing', 'conflicts', 'other_branch', 'diverged'].includes(before.problem.code)
    )
      return { ok: false, output: '', problem: before.problem, state: before };
    const r = await this.git(link.path, [
      'pull',
      '--ff-only',
      '--no-rebase',
      '--quiet',
      'origin',
      link.branch,
    ]);
    const output = gitOutput(r);
    const state = await this.state(workspaceId, { fetch: false });
    if (r.code === 0) return { ok: true, output, problem: null, state };
    let problem: SyncProblem;
    if (/would be overwritten|Please commit your changes or stash them/i.test(output))
      problem = {
        code: 'pull_refused',
        message: `Your uncommitted changes touch files the pull changes. Commit (or "git stash") them in ${link.path}, then Pull again.`,
      };
    else if (/not possible to fast-forward|diverg|non-fast-forward/i.test(output))
      problem = {
        code: 'diverged',
        message: `The branches have diverged: in ${link.path} run "git pull --rebase" (or merge), resolve any conflicts, then Push.`,
      };
    else
      problem = {
        code: 'failed',
        message: `git pull failed: ${output.split('\n').at(-1) ?? 'unknown error'}`,
      };
    return { ok: false, output, problem, state };
  }

  /** `git push` of the branch, then asks the cloud workspace to pull so its terminal sees the change. */
  async push(workspaceId: string): Promise<SyncActionResult> {
    const link = this.link(workspaceId);
    const before = await this.state(workspaceId);
    if (
      before.linked &&
      before.problem &&
      ['missing', 'conflicts', 'other_branch', 'diverged'].includes(before.problem.code)
    ) {
      const problem =
        before.problem.code === 'diverged'
          ? { code: 'push_rejected' as const, message: `${before.problem.message}` }
          : before.problem;
      return { ok: false, output: '', problem, state: before };
    }
    const r = await this.git(link.path, [
      'push',
      '--porcelain',
      'origin',
      `refs/heads/${link.branch}:refs/heads/${link.branch}`,
    ]);
    const output = gitOutput(r);
    if (r.code !== 0) {
      const state = await this.state(workspaceId, { fetch: false });
      const problem: SyncProblem = /rejected|non-fast-forward|fetch first/i.test(output)
        ? {
            code: 'push_rejected',
            message: `The origin has commits you do not have: Pull first (resolve any divergence), then Push again.`,
          }
        : /authenticat|could not read username|permission denied|403/i.test(output)
          ? {
              code: 'failed',
              message: `git could not authenticate to the origin: set up a credential helper or SSH key for it (the app uses your own git credentials).`,
            }
          : { code: 'failed', message: `git push failed: ${output.split('\n').at(-1) ?? 'unknown error'}` };
      return { ok: false, output, problem, state };
    }
    let cloudPull: CloudPullReport | null = null;
    try {
      cloudPull = await this.deps.api.requestCloudPull(workspaceId);
    } catch (err) {
      cloudPull = {
        outcome: 'failed',
        message: `Pushed, but the cloud workspace could not be asked to pull: ${(err as Error).message}`,
      };
    }
    return { ok: true, output, problem: null, state: await this.state(workspaceId), cloudPull };
  }

  unlink(workspaceId: string) {
    this.deps.links.delete(workspaceId);
  }

  /** Re-records a link whose session expired (the app was closed, the computer slept). */
  async reopenSession(workspaceId: string): Promise<void> {
    const link = this.deps.links.get(workspaceId);
    if (!link) return;
    const sessionId = await this.deps.api.recordLocalSync(workspaceId, link.path, null);
    this.deps.links.set({ ...link, sessionId });
  }

  linkedPath(workspaceId: string): string {
    return this.link(workspaceId).path;
  }
}
