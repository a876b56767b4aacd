import { eq } from 'drizzle-orm';
import { repositories } from '../../db/schema';
import { shellQuote } from '../../core/shell';
import { isVmApiError, VM_HOST_UNREACHABLE, VM_WORKSPACE_PATH } from '../../core/vm';
import type { PullOutcome, PullResult } from '../../core/schemas/github';
import { getWorkspace, updateWorkspace, type WorkspaceRow } from '../../db/queries/workspaces';
import { recordAudit } from '../../db/audit';
import type { RoomDeps } from './context';
import type { Actor, PullRunResult } from './contract';
import { notFoundResult } from './results';
import { PULL_ATTEMPTS_KEY as ATTEMPTS_KEY, Timer } from './storage-keys';
import { setTimer } from './timers';

// Auto-pull (issue 6). The webhook marks workspaces `pendingPull` and asks their rooms to pull; the room
// runs the pull on its alarm, under its lifecycle lock, and retries transient failures. Nothing from a
// webhook payload reaches the VM: the pull fetches the workspace's own branch from its own origin.

/** Waits between attempts after a transient failure (VM host unreachable, fetch failed). */
export const PULL_RETRY_DELAYS_MS = [2_000, 10_000, 30_000, 120_000];
const PULL_TIMEOUT_MS = 2 * 60_000;

/** Asks for a pull on the room's alarm (now, or after `delayMs`). */
export async function schedulePull(storage: DurableObjectStorage, delayMs = 0) {
  await setTimer(storage, Timer.pull, Date.now() + delayMs);
}

/** Called after every change of the workspace: one that runs again with a pull owed gets it now. */
export async function pullIfPending(storage: DurableObjectStorage, ws: WorkspaceRow | undefined) {
  if (ws?.status === 'running' && ws.pendingPull) await schedulePull(storage);
}

/**
 * The one command a pull runs. Only the workspace's own branch (validated when it was created, and
 * quoted here anyway) and fixed paths appear in it. Exit codes name the outcome; see `interpret`.
 */
export function pullScript(branch: string): string {
  const dir = shellQuote(VM_WORKSPACE_PATH);
  const b = shellQuote(branch);
  const remote = shellQuote(`refs/remotes/origin/${branch}`);
  const refspec = shellQuote(`+refs/heads/${branch}:refs/remotes/origin/${branch}`);
  return [
    'export GIT_TERMINAL_PROMPT=0 LC_ALL=C',
    `cd -- ${dir} || exit 90`,
    // On another branch (someone switched): not ours to move.
    `cur=$(git symbolic-ref --quiet --short HEAD) || cur=''`,
    `if [ "$cur" != ${b} ]; then printf '%s\\n' "$cur"; exit 91; fi`,
    // Uncommitted changes to tracked files: never touched. Untracked files are safe: a fast-forward
    // that would overwrite one is refused by git itself (exit 96 below).
    `dirty=$(git status --porcelain --untracked-files=no) || exit 94`,
    `if [ -n "$dirty" ]; then printf '%s\\n' "$dirty" | head -n 5; exit 92; fi`,
    `git fetch --quiet --no-tags origin -- ${refspec} || exit 93`,
    `head=$(git rev-parse --verify HEAD) && up=$(git rev-parse --verify ${remote}) || exit 94`,
    // Up to date, or only local commits on top: nothing to pull.
    `if git merge-base --is-ancestor "$up" "$head"; then echo "up_to_date $head"; exit 0; fi`,
    `if ! git merge-base --is-ancestor "$head" "$up"; then echo "$head"; exit 95; fi`,
    `git merge --ff-only --quiet "$up" || exit 96`,
    `echo "pulled $(git rev-parse HEAD)"`,
  ].join('\n');
}

interface Interpreted {
  outcome: PullOutcome;
  commit: string | null;
  message: string;
  /** A failure worth retrying on the alarm. */
  transient: boolean;
}

const short = (sha: string | null) => (sha ? sha.slice(0, 7) : '?');
const SHA = /^[0-9a-f]{40}$/;

export function interpret(
  res: { stdout?: string | null; stderr?: string | null; statusCode?: number | null },
  ctx: { branch: string; source: string; previous: string | null },
): Interpreted {
  // Not trimmed as a whole: `git status --porcelain` lines start with a meaningful space.
  const lines = (res.stdout ?? '').split('\n').filter((l) => l.trim());
  const last = lines.at(-1)?.trim() ?? '';
  const err = (res.stderr ?? '').trim().split('\n').filter(Boolean).at(-1) ?? '';
  const failed = (message: string, transient = false): Interpreted => ({
    outcome: 'failed',
    commit: ctx.previous,
    message,
    transient,
  });
  switch (res.statusCode) {
    case 0: {
      const [word, sha] = last.split(' ');
      const commit = sha && SHA.test(sha) ? sha : ctx.previous;
      if (word === 'pulled') {
        return {
          outcome: 'pulled',
          commit,
          message: `pulled ${short(commit)} from ${ctx.source}`,
          transient: false,
        };
      }
      return {
        outcome: 'up_to_date',
        commit,
        message: `already up to date at ${short(commit)}`,
        transient: false,
      };
    }
    case 91:
      return {
        outcome: 'other_branch',
        commit: ctx.previous,
        message: `not pulled: the workspace is on ${last ? `branch ${last}` : 'a detached HEAD'}, not ${ctx.branch}`,
        transient: false,
      };
    case 92: {
      const files = lines.map((l) => l.slice(3)).filter(Boolean);
      const shown = files.slice(0, 3).join(', ') + (files.length > 3 ? ', ...' : '');
      return {
        outcome: 'dirty',
        commit: ctx.previous,
        message: `not pulled: uncommitted changes (${shown}); commit or stash them, then pull`,
        transient: false,
      };
    }
    case 93:
      return failed(`could not fetch from origin: ${err || 'git fetch failed'}`, true);
    case 95:
      return {
        outcome: 'diverged',
        commit: SHA.test(last) ? last : ctx.previous,
        message: `not pulled: ${ctx.branch} has diverged from origin (local commits not on origin); merge or rebase by hand`,
        transient: false,
      };
    case 96:
      return failed(`not pulled: git refused the fast-forward: ${err || 'merge failed'}`);
    case 90:
      return failed('not pulled: the workspace has no clone to pull into');
    case null:
    case undefined:
      return failed('not pulled: git took longer than 2 minutes', true);
    default:
      return failed(`not pulled: git failed: ${err || `exit ${res.statusCode}`}`);
  }
}

/**
 * One pull of a workspace. Run under the room's lock so it never races pause or stop. A workspace that is
 * not running keeps `pendingPull` and pulls when it next runs; transient failures retry on the alarm.
 */
export async function runPull(deps: RoomDeps, workspaceId: string, actor: Actor): Promise<PullRunResult> {
  const prep = await deps.withDb(async (db) => {
    const ws = await getWorkspace(db, workspaceId);
    if (!ws) return undefined;
    if (ws.status !== 'running' || !ws.freestyleVmId) {
      const marked = ws.pendingPull ? ws : ((await updateWorkspace(db, ws.id, { pendingPull: true })) ?? ws);
      return { ws: marked, running: false, fullName: null };
    }
    const [repo] = await db
      .select({ fullName: repositories.fullName })
      .from(repositories)
      .where(eq(repositories.id, ws.repositoryId))
      .limit(1);
    // Cleared before fetching: a push that lands while we pull sets it again and schedules another pull.
    const cleared = (await updateWorkspace(db, ws.id, { pendingPull: false })) ?? ws;
    return { ws: cleared, running: true, fullName: repo?.fullName ?? null };
  });
  if (!prep) return notFoundResult();
  const { ws } = prep;
  if (!prep.running) {
    const result: PullResult = {
      pulled: false,
      commit: ws.lastCommitSha,
      outcome: 'not_running',
      message: `The workspace is ${ws.status}; it will pull when it next runs.`,
    };
    return { ok: true, result, workspace: ws };
  }

  const source = prep.fullName ? 'GitHub' : 'origin';
  let verdict: Interpreted;
  try {
    const res = await deps.vm.exec(ws.freestyleVmId!, {
      command: pullScript(ws.branch),
      timeoutMs: PULL_TIMEOUT_MS,
    });
    verdict = interpret(res, { branch: ws.branch, source, previous: ws.lastCommitSha });
  } catch (err) {
    const reason =
      isVmApiError(err) && err.code === VM_HOST_UNREACHABLE
        ? 'the VM host is unreachable'
        : `the VM host refused: ${err instanceof Error ? err.message : String(err)}`;
    verdict = {
      outcome: 'failed',
      commit: ws.lastCommitSha,
      message: `not pulled: ${reason}`,
      transient: true,
    };
  }

  let message = verdict.message;
  if (verdict.transient) {
    const attempts = ((await deps.storage.get<number>(ATTEMPTS_KEY)) ?? 0) + 1;
    const delay = PULL_RETRY_DELAYS_MS[attempts - 1];
    if (delay !== undefined) {
      await deps.storage.put(ATTEMPTS_KEY, attempts);
      await schedulePull(deps.storage, delay);
      message += `; retrying in ${Math.round(delay / 1000)} s`;
    } else {
      await deps.storage.delete(ATTEMPTS_KEY);
      message += `; gave up after ${attempts} attempts (it will try again when the workspace next runs)`;
    }
  } else {
    await deps.storage.delete(ATTEMPTS_KEY);
  }

  const updated = await deps.withDb(async (db) => {
    const row = await updateWorkspace(db, ws.id, {
      pullMessage: message.slice(0, 1000),
      ...(verdict.outcome === 'pulled' || verdict.outcome === 'up_to_date'
        ? { lastCommitSha: verdict.commit }
        : {}),
      // A pull that could not happen for a passing reason is still owed.
      ...(verdict.transient ? { pendingPull: true } : {}),
    });
    await recordAudit(db, {
      organizationId: ws.organizationId,
      workspaceId: ws.id,
      actorType: actor.type,
      actorUserId: actor.userId,
      action: verdict.outcome === 'pulled' ? 'pulled' : 'pull_skipped',
      detail: { outcome: verdict.outcome, from: ws.lastCommitSha, to: verdict.commit, message },
    });
    return row ?? ws;
  });
  return {
    ok: true,
    result: {
      pulled: verdict.outcome === 'pulled',
      commit: verdict.commit,
      outcome: verdict.outcome,
      message,
    },
    workspace: updated,
  };
}
