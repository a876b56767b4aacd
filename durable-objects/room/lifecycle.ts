import { CloseCode } from '../../core/protocol';
import { isVmApiError, type VmData } from '../../core/vm';
import {
  transition as nextStatus,
  type WorkspaceAction,
  type WorkspaceStatus,
} from '../../core/workspace-state';
import { recordAudit, withdrawAudit, type StatusAudit } from '../../db/audit';
import {
  deleteWorkspaceRow,
  getWorkspace,
  updateStatusIf,
  type WorkspaceRow,
} from '../../db/queries/workspaces';
import { workspaceState } from '../org-events';
import type { Actor, PullRunResult, RoomResult } from './contract';
import { emit, orgEventsOf } from './events';
import { checkHealth } from './health';
import { hasLiveSshGrant, scanSshSessions } from './ssh-presence';
import { schedulePresence } from './presence';
import { idleOnStatus } from './idle';
import { pullIfPending, runPull } from './pull';
import { reconcileLocked } from './reconcile';
import { closeAllTerminals } from './relays';
import { invalidTransition, notFoundResult, notRunning, quotaExceeded, vmFailure } from './results';
import { limitsFor, startWithinRunningLimit, workspaceCounts } from '../../db/queries/limits';
import type { Database } from '../../db/client';
import { broadcast } from './sockets';
import { revokeSsh } from './ssh-grants';
import { setupOnStart } from './setup';
import { loadMeta, observe, readWorkspace, type Meta, type RoomState } from './state';
import { SESSION_PREFIX, Timer } from './storage-keys';
import { clearTimer, getTimer, setTimer } from './timers';

// The workspace's lifecycle: every transition runs under the room's lock (so a pause and a resume never
// interleave their VM calls), as a conditional update then the VM call, reverted if the VM fails; then
// every status change passes through `workspaceChanged`, which is where the room reacts to it.

export const SYSTEM: Actor = { type: 'system', userId: null };

export async function transition(
  s: RoomState,
  action: WorkspaceAction,
  actor: Actor,
  detail?: Record<string, unknown>,
  seen?: Seen,
): Promise<RoomResult> {
  const result = await s.lock.run(async () => {
    s.inFlight = action;
    try {
      return await runTransition(s, action, actor, detail, seen);
    } finally {
      s.inFlight = null;
    }
  });
  if (result.ok) {
    if (action === 'retry') await setTimer(s.ctx.storage, Timer.provision, Date.now());
    // Every start from stopped runs postStartCommand again (room/setup.ts).
    if (action === 'start') result.workspace = await setupOnStart(s, result.workspace);
    await workspaceChanged(s, result.workspace);
    await pullIfPending(s.ctx.storage, result.workspace); // auto-pull: resume/start pull what is owed
  }
  return result;
}

/**
 * Makes sure the workspace runs, resuming a paused one; concurrent callers share one resume. `fresh`
 * reads the row first (the Worker's calls); viewers trust the room's memory of it.
 */
export function ensureRunning(
  s: RoomState,
  actor: Actor,
  fresh = false,
): Promise<RoomResult<{ meta: Meta }>> {
  const run = async (): Promise<RoomResult<{ meta: Meta }>> => {
    const meta = await loadMeta(s, fresh);
    if (!meta) return notFoundResult();
    if (meta.status === 'running') return { ok: true, meta };
    if (meta.status !== 'paused') return notRunning(meta.status);
    const r = await transition(s, 'resume', actor);
    if (r.ok) return { ok: true, meta: s.meta ?? observe(s, r.workspace) };
    // Someone else resumed it a moment ago: that is what we wanted.
    const now = await readWorkspace(s);
    if (now?.status === 'running') return { ok: true, meta: s.meta! };
    return r;
  };
  const shared = (s.resuming ??= run().finally(() => {
    s.resuming = null;
  })) as Promise<RoomResult<{ meta: Meta }>>;
  return shared;
}

/** Deletes the VM first and keeps the row if the VM host cannot be reached, so no VM is orphaned. */
export async function destroy(s: RoomState, actor: Actor): Promise<RoomResult> {
  s.inFlight = 'stop';
  const result = await s.lock.run(() => deleteWorkspaceAndVm(s, actor));
  s.inFlight = null;
  if (result.ok) {
    closeAllTerminals(s, CloseCode.workspaceGone, 'workspace deleted');
    await revokeSsh(s);
    await s.ctx.storage.deleteAlarm();
    await s.ctx.storage.deleteAll();
    s.meta = undefined;
    await orgEventsOf(s, result.workspace.organizationId)
      .publishRemoved(s.workspaceId)
      .catch(() => {});
  }
  return result;
}

/** Pulls now, under the lifecycle lock, and tells the clients what happened. */
export async function pullNow(s: RoomState, actor: Actor): Promise<PullRunResult> {
  const result = await s.lock.run(() => runPull(s.deps, s.workspaceId, actor));
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

/** Every status or record change of the workspace passes here: the room's reactions to it. */
export async function workspaceChanged(s: RoomState, ws: WorkspaceRow): Promise<void> {
  const before = s.meta?.status;
  observe(s, ws);
  const state = workspaceState(ws);
  broadcast(s, { type: 'workspace', workspace: state });
  const publishes: Promise<unknown>[] = [orgEventsOf(s, ws.organizationId).publishWorkspace(state)];
  await idleOnStatus(s, ws, before);
  if (ws.status === 'running' || ws.status === 'paused') await armWatch(s);
  else await clearTimer(s.ctx.storage, Timer.watch);
  // Back to running (resumed, started): a VM that restarted meanwhile lost its live SSH grants'
  // files; the scan finds and writes them again now, not at the next check.
  if (ws.status === 'running' && before && before !== 'running' && (await hasLiveSshGrant(s))) {
    if (await scanSshSessions(s).catch(() => false)) schedulePresence(s);
  }
  if (ws.status === 'stopped' || ws.status === 'error') {
    closeAllTerminals(s, CloseCode.workspaceGone, `workspace ${ws.status}`);
    await revokeSsh(s);
  }
  if (ws.status === 'error' && before !== 'error') {
    publishes.push(emit(s, { type: 'error', message: ws.statusMessage ?? 'The workspace failed.' }));
  }
  await Promise.allSettled(publishes);
}

const RUN_LESS = new Set<WorkspaceAction>(['pause', 'idle_pause', 'stop', 'idle_stop']);
const VERB: Record<WorkspaceAction, string> = {
  pause: 'pause the workspace',
  idle_pause: 'pause the idle workspace',
  resume: 'resume the workspace',
  start: 'start the workspace',
  stop: 'stop the workspace',
  idle_stop: 'stop the workspace',
  retry: 'retry the workspace',
  provisioned: 'finish provisioning',
  provision_failed: 'record the failure',
};

async function vmStateOf(s: RoomState, vmId: string | null) {
  if (!vmId) return undefined;
  return (await s.deps.vm.getVm(vmId).catch(() => undefined))?.state;
}

/** Checks the VM every 10 s while someone watches a terminal, every minute otherwise (tests: ROOM_WATCH_MS). */
export async function armWatch(s: RoomState, now = Date.now()) {
  // Someone is connected: a terminal socket, or a client session still heartbeating (room/presence.ts).
  const connected =
    s.sockets.size > 0 ||
    (await s.ctx.storage.list({ prefix: SESSION_PREFIX, limit: 1 })).size > 0 ||
    // A live SSH grant: its plain ssh sessions are seen only by this check (room/ssh-presence.ts).
    (await hasLiveSshGrant(s, now));
  const suspect = s.suspectUntil !== undefined && now < s.suspectUntil;
  const every = s.deps.config.roomWatchMs ?? (suspect ? 2_000 : connected ? 10_000 : 60_000);
  await setTimer(s.ctx.storage, Timer.watch, now + every);
}

/** Brings an armed watch forward to at most `ms` from now (someone connected, a shell died). */
export async function watchWithin(s: RoomState, ms: number) {
  const due = await getTimer(s.ctx.storage, Timer.watch);
  if (due !== undefined && due > Date.now() + ms) await setTimer(s.ctx.storage, Timer.watch, Date.now() + ms);
}

/** A room that wakes (a deploy, an eviction, a restarted runtime) compares with its VM at once. */
export async function watchOnWake(s: RoomState) {
  if ((await getTimer(s.ctx.storage, Timer.watch)) !== undefined)
    await setTimer(s.ctx.storage, Timer.watch, Date.now());
}

/**
 * Compares the workspace's status with its VM's state and repairs it (room/reconcile.ts); when they
 * agree, checks the VM's health with the same VM data (room/health.ts).
 */
export async function reconcile(s: RoomState): Promise<void> {
  let seen: { data: VmData; ws: WorkspaceRow } | undefined;
  const changed = await s.lock.run(() => reconcileLocked(s, (data, ws) => (seen = { data, ws })));
  if (!changed) {
    if (seen) await checkHealth(s, seen.data, seen.ws);
    if (await scanSshSessions(s)) schedulePresence(s);
    return;
  }
  await workspaceChanged(s, changed);
  // A crash is told by the `error` event of workspaceChanged; other repairs say what they did.
  if (changed.status !== 'error')
    await emit(s, {
      type: 'reconciled',
      message: changed.statusMessage ?? `The workspace is ${changed.status}.`,
    });
}

/** What the VM must do for a transition. Retry has no VM effect: provisioning starts over. */
async function applyToVm(s: RoomState, action: WorkspaceAction, vmId: string | null) {
  if (!vmId) return;
  const vm = s.deps.vm;
  switch (action) {
    case 'pause':
    case 'idle_pause':
      return void (await vm.pauseVm(vmId));
    case 'resume':
    case 'start':
      return void (await vm.startVm(vmId));
    case 'stop':
    case 'idle_stop':
      return void (await vm.stopVm(vmId));
  }
}

/** What the caller read of the workspace a moment ago (the Worker's authorization statement). */
export interface Seen {
  status: WorkspaceStatus;
  organizationId: string;
}

/**
 * The conditional update of a transition (so of racing calls one wins); one that starts the workspace
 * also within the organization's running limit, in the same statement's batch. Undefined when the
 * status was not `from` or the limit was full.
 */
function changeStatus(
  s: RoomState,
  db: Database,
  seen: Seen,
  action: WorkspaceAction,
  audit: (to: WorkspaceStatus) => StatusAudit,
): Promise<WorkspaceRow | undefined> | undefined {
  const to = nextStatus(seen.status, action);
  if (!to) return undefined;
  // The entry is written by the change itself (withdrawn below if the VM refuses): no round trip.
  const entry = audit(to);
  const extra =
    action === 'retry'
      ? { provisionAttempts: 0, statusMessage: null }
      : action === 'start'
        ? { statusMessage: null } // the reason it stopped (room/reconcile.ts) is over
        : {};
  // Starting one (resume, start, retry) counts against the organization's running limit.
  if (to === 'running' || to === 'provisioning') {
    const limits = s.deps.config.limits;
    return startWithinRunningLimit(
      db,
      seen.organizationId,
      s.workspaceId,
      seen.status,
      to,
      limits,
      extra,
      entry,
    );
  }
  return updateStatusIf(db, s.workspaceId, seen.status, to, extra, entry);
}

/**
 * Conditional update first, then the VM; if the VM fails the row goes back. `seen` (the Worker's read
 * of the row) saves the read before the update; when the row moved since, it is read again.
 */
async function runTransition(
  s: RoomState,
  action: WorkspaceAction,
  actor: Actor,
  detail?: Record<string, unknown>,
  seen?: Seen,
): Promise<RoomResult> {
  const id = s.workspaceId;
  const auditId = crypto.randomUUID();
  let auditFrom: WorkspaceStatus | undefined;
  const audit = (to: WorkspaceStatus): StatusAudit => ({
    id: auditId,
    actorType: actor.type,
    actorUserId: actor.userId,
    action,
    detail: { from: auditFrom, to, ...detail },
  });
  return s.deps.withDb(async (db) => {
    let from = seen;
    auditFrom = seen?.status;
    let updated = seen ? await changeStatus(s, db, seen, action, audit) : undefined;
    if (!updated) {
      const ws = await getWorkspace(db, id);
      if (!ws) return notFoundResult();
      const to = nextStatus(ws.status, action);
      if (!to) return invalidTransition(ws.status, action);
      from = ws;
      auditFrom = ws.status;
      updated = await changeStatus(s, db, ws, action, audit);
      if (!updated) {
        const now = await getWorkspace(db, id);
        if (!now) return notFoundResult();
        const counted = to === 'running' || to === 'provisioning';
        if (now.status !== ws.status || !counted) return invalidTransition(now.status, action);
        // The status held: the organization's running limit is what refused it.
        const max = (await limitsFor(db, ws.organizationId, s.deps.config.limits)).running;
        const { running } = await workspaceCounts(db, ws.organizationId, id);
        return quotaExceeded('running', max, running);
      }
    }
    // The row as changed (its VM is the truth), with the status it came from.
    const ws = { ...updated, status: from!.status };
    const to = updated.status;
    try {
      await applyToVm(s, action, ws.freestyleVmId);
    } catch (err) {
      // The change did not happen as recorded: its entry goes (the one below says what did).
      await withdrawAudit(db, auditId);
      // The VM had stopped already (its host restarted): a pause or a stop finds what it asked for.
      if (RUN_LESS.has(action) && (await vmStateOf(s, ws.freestyleVmId)) === 'stopped') {
        const stopped = await updateStatusIf(db, id, to, 'stopped', {
          statusMessage: 'The VM had already stopped (its host restarted); its files are kept.',
        });
        if (stopped) {
          await recordAudit(db, {
            organizationId: ws.organizationId,
            workspaceId: id,
            actorType: actor.type,
            actorUserId: actor.userId,
            action,
            detail: { from: ws.status, to: 'stopped', vm: 'stopped', ...detail },
          });
          return { ok: true, workspace: stopped };
        }
      }
      await updateStatusIf(db, id, to, ws.status);
      // Whatever the VM's state is now, the alarm compares and repairs it, and says so.
      await setTimer(s.ctx.storage, Timer.watch, Date.now());
      return vmFailure(err, VERB[action]);
    }
    return { ok: true, workspace: updated };
  });
}

async function deleteWorkspaceAndVm(s: RoomState, actor: Actor): Promise<RoomResult> {
  const id = s.workspaceId;
  return s.deps.withDb(async (db) => {
    const ws = await getWorkspace(db, id);
    if (!ws) return notFoundResult();
    if (ws.freestyleVmId) {
      try {
        await s.deps.vm.deleteVm(ws.freestyleVmId);
      } catch (err) {
        // Already gone is fine; anything else keeps the row so the VM is not orphaned.
        if (!(isVmApiError(err) && err.status === 404)) return vmFailure(err, 'delete the workspace');
      }
    }
    await deleteWorkspaceRow(db, id);
    await recordAudit(db, {
      organizationId: ws.organizationId,
      workspaceId: id,
      actorType: actor.type,
      actorUserId: actor.userId,
      action: 'delete',
      detail: { from: ws.status, name: ws.name },
    });
    return { ok: true, workspace: ws };
  });
}
