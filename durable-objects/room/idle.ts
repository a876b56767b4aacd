import { IDLE_WARNING_MS, PAUSED_STOP_MS } from '../../core/protocol';
import type { WorkspaceStatus } from '../../core/workspace-state';
import { touchWorkspace, type WorkspaceRow } from '../../db/queries/workspaces';
import { emit } from './events';
import { broadcast } from './sockets';
import { readWorkspace, type RoomState } from './state';
import { IDLE_PAUSE_ATTEMPTS_KEY, LAST_ACTIVITY_KEY, Timer, WARNED_KEY } from './storage-keys';
import { clearTimer, setTimer } from './timers';

// When a workspace pauses, and when a paused one stops: the whole policy, and the only writer of
// `s.activity` and of its storage keys.
// - Activity (terminal input and output, exec, a heartbeat from a person at the keyboard, becoming
//   running) moves `lastAt`. It is frequent, so storage and the database are updated only now and then.
// - The idle timer does not move with every keystroke: when it fires it looks at how long the
//   workspace has really been idle and waits, warns (IDLE_WARNING_MS before) or asks for the pause.
// - A paused workspace stops PAUSED_STOP_MS after it paused.
// The alarm (room/alarm.ts) runs the transitions this module asks for, so it never calls the lifecycle
// that calls it back.

/** Waits before trying a failed idle pause again; the last one repeats. */
export const IDLE_PAUSE_RETRY_MS = [10_000, 30_000, 60_000, 300_000];
const ACTIVITY_PERSIST_MS = 5_000;
const ACTIVITY_DB_MS = 60_000;

export type IdleDecision =
  | { action: 'pause'; idleMs: number }
  | { action: 'warn'; pausesAt: number }
  | { action: 'wait'; until: number };

/** What to do when the idle timer fires, given the last activity and the workspace's auto-stop. */
export function decideIdle(
  now: number,
  lastActivityAt: number,
  autoStopMinutes: number,
  warnedFor: number | undefined,
  minuteMs = 60_000,
): IdleDecision {
  const limit = autoStopMinutes * minuteMs;
  const pausesAt = lastActivityAt + limit;
  if (now >= pausesAt) return { action: 'pause', idleMs: now - lastActivityAt };
  const warnAt = pausesAt - Math.min(IDLE_WARNING_MS, limit / 2);
  if (now >= warnAt) {
    // Warned already for this same stretch of idleness: just wait for the pause.
    if (warnedFor === lastActivityAt) return { action: 'wait', until: pausesAt };
    return { action: 'warn', pausesAt };
  }
  return { action: 'wait', until: warnAt };
}

/** The length of an auto-stop minute: tests shrink it (IDLE_MINUTE_MS, absent in production). */
const minuteMs = (s: RoomState) => s.deps.config.idleMinuteMs;

/** When a workspace paused at `pausedAt` is to be stopped. */
export const stopDueAt = (pausedAt: number) => pausedAt + PAUSED_STOP_MS;

/** The workspace is in use: cancels a pending idle warning. `force` persists at once. */
export function recordActivity(s: RoomState, force = false) {
  const a = s.activity;
  const now = Date.now();
  a.lastAt = now;
  if (a.warnedFor !== undefined) setWarned(s, undefined);
  if (force || now - a.persistedAt >= ACTIVITY_PERSIST_MS) {
    a.persistedAt = now;
    void s.ctx.storage.put(LAST_ACTIVITY_KEY, now);
  }
  if (now - a.touchedDbAt >= ACTIVITY_DB_MS && s.workspaceId) {
    a.touchedDbAt = now;
    s.ctx.waitUntil(s.deps.withDb((db) => touchWorkspace(db, s.workspaceId)).catch(() => {}));
  }
}

/** The one writer of the warning: memory, storage, and what the viewers' banner shows. */
function setWarned(s: RoomState, lastActivityAt: number | undefined, pausesAt?: number) {
  s.activity.warnedFor = lastActivityAt;
  if (lastActivityAt === undefined) {
    void s.ctx.storage.delete(WARNED_KEY);
    broadcast(s, { type: 'idle_warning', pausesAt: null });
  } else {
    void s.ctx.storage.put(WARNED_KEY, lastActivityAt);
    broadcast(s, { type: 'idle_warning', pausesAt: pausesAt ?? null });
  }
}

/** The later of the remembered and the stored last activity, else `fallback`. */
async function lastActivity(s: RoomState, fallback: number): Promise<number> {
  const stored = (await s.ctx.storage.get<number>(LAST_ACTIVITY_KEY)) ?? 0;
  const last = Math.max(s.activity.lastAt, stored);
  return last || fallback;
}

/** The policy's reaction to a status change (room/lifecycle.ts calls it for every change). */
export async function idleOnStatus(s: RoomState, ws: WorkspaceRow, before: WorkspaceStatus | undefined) {
  const storage = s.ctx.storage;
  if (ws.status === 'running') {
    if (before !== 'running') {
      // Becoming running (provisioned, resumed, started) counts as activity.
      recordActivity(s, true);
      const now = Date.now();
      const d = decideIdle(
        now,
        s.activity.lastAt || now,
        ws.autoStopMinutes,
        s.activity.warnedFor,
        minuteMs(s),
      );
      await setTimer(storage, Timer.idle, d.action === 'wait' ? d.until : now);
    }
  } else {
    await clearTimer(storage, Timer.idle);
    s.activity.warnedFor = undefined;
    await storage.delete(WARNED_KEY);
  }
  if (ws.status === 'paused') {
    await setTimer(storage, Timer.pausedStop, stopDueAt(new Date(ws.statusChangedAt).getTime()));
  } else {
    await clearTimer(storage, Timer.pausedStop);
  }
}

/** The idle timer fired: waits or warns, and answers the idle minutes when it is time to pause. */
export async function idleTimerFired(s: RoomState): Promise<number | null> {
  const ws = await readWorkspace(s);
  if (!ws || ws.status !== 'running') return null;
  const now = Date.now();
  const last = await lastActivity(s, new Date(ws.statusChangedAt).getTime());
  s.activity.warnedFor ??= await s.ctx.storage.get<number>(WARNED_KEY);
  const d = decideIdle(now, last, ws.autoStopMinutes, s.activity.warnedFor, minuteMs(s));
  if (d.action === 'pause') return Math.round(d.idleMs / 60_000);
  if (d.action === 'warn') {
    setWarned(s, last, d.pausesAt);
    const minutes = Math.max(1, Math.round((d.pausesAt - now) / 60_000));
    await emit(s, { type: 'idle_warning', message: `Pausing in ${minutes} min without activity.` });
  }
  await setTimer(s.ctx.storage, Timer.idle, d.action === 'wait' ? d.until : d.pausesAt);
  return null;
}

/** The paused-stop timer fired: true when the workspace has been paused long enough to stop. */
export async function pausedStopDue(s: RoomState): Promise<boolean> {
  const ws = await readWorkspace(s);
  if (!ws || ws.status !== 'paused') return false;
  const due = stopDueAt(new Date(ws.statusChangedAt).getTime());
  if (Date.now() < due) {
    await setTimer(s.ctx.storage, Timer.pausedStop, due);
    return false;
  }
  return true;
}

/** The idle pause went through: the retry count starts over, and everyone hears why it paused. */
export async function idlePaused(s: RoomState, idleMinutes: number) {
  await s.ctx.storage.delete(IDLE_PAUSE_ATTEMPTS_KEY);
  await emit(s, { type: 'paused', message: `Paused after ${idleMinutes} min without activity.` });
}

/** The idle pause failed (the VM host is unreachable or refused): try again later, and say so. */
export async function idlePauseFailed(s: RoomState, idleMinutes: number, reason: string) {
  const attempts = ((await s.ctx.storage.get<number>(IDLE_PAUSE_ATTEMPTS_KEY)) ?? 0) + 1;
  await s.ctx.storage.put(IDLE_PAUSE_ATTEMPTS_KEY, attempts);
  const wait = IDLE_PAUSE_RETRY_MS[Math.min(attempts, IDLE_PAUSE_RETRY_MS.length) - 1]!;
  await setTimer(s.ctx.storage, Timer.idle, Date.now() + wait);
  await emit(s, {
    type: 'pause_failed',
    message: `Could not pause after ${idleMinutes} min without activity: ${reason.split('. ')[0]!.replace(/\.$/, '')}. Trying again in ${Math.round(wait / 1000)} s.`,
  });
}
