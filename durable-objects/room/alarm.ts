import { getWorkspace } from '../../db/queries/workspaces';
import { transition, pullNow } from './actions';
import { lastActivity } from './activity';
import { emit, workspaceChanged } from './events';
import { decideIdle, IDLE_TIMER, PAUSED_STOP_TIMER, stopDueAt, WARNED_KEY } from './idle';
import { SYSTEM } from './lifecycle';
import { PRESENCE_TIMER } from './presence';
import { provisionAttempt, PROVISION_TIMER } from './provisioning';
import { pullIfPending, PULL_TIMER } from './pull';
import { expireSessions } from './sessions';
import { broadcast } from './sockets';
import { setMeta, storedWorkspaceId, type RoomState } from './state';
import { setTimer, takeDueTimers } from './timers';

// The room's one alarm runs whichever named timers (room/timers.ts) are due.

export async function runAlarm(s: RoomState): Promise<void> {
  const workspaceId = await storedWorkspaceId(s);
  if (!workspaceId) return;
  for (const timer of await takeDueTimers(s.ctx.storage, Date.now())) {
    if (timer === PROVISION_TIMER) {
      const ws = await provisionAttempt(s.deps, workspaceId);
      if (ws) await workspaceChanged(s, ws);
      await pullIfPending(s.ctx.storage, ws);
    } else if (timer === PULL_TIMER) {
      await pullNow(s, workspaceId, SYSTEM);
    } else if (timer === IDLE_TIMER) {
      await idleCheck(s, workspaceId);
    } else if (timer === PAUSED_STOP_TIMER) {
      await pausedStopCheck(s, workspaceId);
    } else if (timer === PRESENCE_TIMER) {
      await expireSessions(s);
    }
  }
}

/** Warns before pausing a running workspace left idle, then pauses it (decisions in room/idle.ts). */
async function idleCheck(s: RoomState, workspaceId: string) {
  const ws = await s.deps.withDb((db) => getWorkspace(db, workspaceId));
  if (!ws || ws.status !== 'running') return;
  setMeta(s, ws);
  const now = Date.now();
  const last = await lastActivity(s, new Date(ws.statusChangedAt).getTime());
  s.activity.warnedFor ??= await s.ctx.storage.get<number>(WARNED_KEY);
  const d = decideIdle(now, last, ws.autoStopMinutes, s.activity.warnedFor);
  if (d.action === 'wait') {
    await setTimer(s.ctx.storage, IDLE_TIMER, d.until);
  } else if (d.action === 'warn') {
    s.activity.warnedFor = last;
    await s.ctx.storage.put(WARNED_KEY, last);
    broadcast(s, { type: 'idle_warning', pausesAt: d.pausesAt });
    const minutes = Math.max(1, Math.round((d.pausesAt - now) / 60_000));
    await emit(s, { type: 'idle_warning', message: `Pausing in ${minutes} min without activity.` });
    await setTimer(s.ctx.storage, IDLE_TIMER, d.pausesAt);
  } else {
    const minutes = Math.round(d.idleMs / 60_000);
    const result = await transition(s, workspaceId, 'idle_pause', SYSTEM, { idleMinutes: minutes });
    if (result.ok) {
      await emit(s, { type: 'paused', message: `Paused after ${minutes} min without activity.` });
    }
  }
}

/** Stops a workspace paused for PAUSED_STOP_MS. */
async function pausedStopCheck(s: RoomState, workspaceId: string) {
  const ws = await s.deps.withDb((db) => getWorkspace(db, workspaceId));
  if (!ws || ws.status !== 'paused') return;
  const due = stopDueAt(new Date(ws.statusChangedAt).getTime());
  if (Date.now() < due) {
    await setTimer(s.ctx.storage, PAUSED_STOP_TIMER, due);
    return;
  }
  const result = await transition(s, workspaceId, 'idle_stop', SYSTEM);
  if (result.ok) await emit(s, { type: 'stopped', message: 'Stopped after 24 h paused.' });
}
