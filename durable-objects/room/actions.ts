import { CloseCode } from '../../core/protocol';
import type { WorkspaceAction } from '../../core/workspace-state';
import { getWorkspace } from '../../db/queries/workspaces';
import { emit, orgEventsOf, workspaceChanged } from './events';
import { deleteWorkspaceAndVm, runTransition, type Actor } from './lifecycle';
import { PROVISION_TIMER } from './provisioning';
import { pullIfPending, runPull, type PullRunResult } from './pull';
import { closeAllTerminals } from './relays';
import type { RoomResult } from './results';
import { loadMeta, remember, setMeta, type RoomState } from './state';
import { setTimer } from './timers';

// The room's lifecycle actions: each runs under the room's lock (room/lifecycle.ts, room/pull.ts do
// the work), then its outcome is announced. `inFlight` lets a shell exit during a stop read as such.

export async function transition(
  s: RoomState,
  workspaceId: string,
  action: WorkspaceAction,
  actor: Actor,
  detail?: Record<string, unknown>,
): Promise<RoomResult> {
  await remember(s, workspaceId);
  const result = await s.lock.run(async () => {
    s.inFlight = action;
    try {
      return await runTransition(s.deps, workspaceId, action, actor, detail);
    } finally {
      s.inFlight = null;
    }
  });
  if (result.ok) {
    if (action === 'retry') await setTimer(s.ctx.storage, PROVISION_TIMER, Date.now());
    await workspaceChanged(s, result.workspace);
    await pullIfPending(s.ctx.storage, result.workspace); // auto-pull: resume/start pull what is owed
  }
  return result;
}

export async function destroy(s: RoomState, workspaceId: string, actor: Actor): Promise<RoomResult> {
  s.inFlight = 'stop';
  const result = await s.lock.run(() => deleteWorkspaceAndVm(s.deps, workspaceId, actor));
  s.inFlight = null;
  if (result.ok) {
    closeAllTerminals(s, CloseCode.workspaceGone, 'workspace deleted');
    await s.ctx.storage.deleteAlarm();
    await s.ctx.storage.deleteAll();
    s.meta = undefined;
    await orgEventsOf(s, result.workspace.organizationId)
      .publishRemoved(workspaceId)
      .catch(() => {});
  }
  return result;
}

export async function pullNow(s: RoomState, workspaceId: string, actor: Actor): Promise<PullRunResult> {
  await remember(s, workspaceId);
  const result = await s.lock.run(() => runPull(s.deps, workspaceId, actor));
  if (result.ok) {
    await workspaceChanged(s, result.workspace);
    // Clients hear what happened: "pulled abc1234 from GitHub", or why the pull was skipped.
    const { outcome, message } = result.result;
    if (outcome === 'pulled') await emit(s, { type: 'pulled', message });
    else if (outcome !== 'up_to_date' && outcome !== 'not_running')
      await emit(s, { type: 'pull_skipped', message });
  }
  return result;
}

/** Resumes a paused workspace for a viewer; concurrent callers share one resume. */
export function resume(s: RoomState, actor: Actor): Promise<boolean> {
  s.resuming ??= (async () => {
    const meta = await loadMeta(s);
    if (!meta) return false;
    if (meta.status === 'running') return true;
    const r = await transition(s, meta.workspaceId, 'resume', actor);
    if (r.ok) return true;
    const now = await s.deps.withDb((db) => getWorkspace(db, meta.workspaceId));
    if (now) setMeta(s, now);
    return now?.status === 'running';
  })().finally(() => {
    s.resuming = null;
  });
  return s.resuming;
}
