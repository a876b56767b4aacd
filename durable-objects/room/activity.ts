import { touchWorkspace } from '../../db/queries/workspaces';
import { decideIdle, IDLE_TIMER, LAST_ACTIVITY_KEY, WARNED_KEY } from './idle';
import { broadcast } from './sockets';
import type { RoomState } from './state';
import { clearTimer, setTimer } from './timers';

// Activity is frequent (every keystroke): memory is updated each time, storage and the database
// only every so often. The idle checks on the alarm (room/alarm.ts) read both.
const ACTIVITY_PERSIST_MS = 5_000;
const ACTIVITY_DB_MS = 60_000;

/** The workspace is in use: cancels a pending idle warning. `force` persists at once. */
export function recordActivity(s: RoomState, force = false) {
  const a = s.activity;
  const now = Date.now();
  a.lastAt = now;
  if (a.warnedFor !== undefined) {
    a.warnedFor = undefined;
    void s.ctx.storage.delete(WARNED_KEY);
    broadcast(s, { type: 'idle_warning', pausesAt: null });
  }
  if (force || now - a.persistedAt >= ACTIVITY_PERSIST_MS) {
    a.persistedAt = now;
    void s.ctx.storage.put(LAST_ACTIVITY_KEY, now);
  }
  if (now - a.touchedDbAt >= ACTIVITY_DB_MS && s.meta) {
    a.touchedDbAt = now;
    const id = s.meta.workspaceId;
    s.ctx.waitUntil(s.deps.withDb((db) => touchWorkspace(db, id)).catch(() => {}));
  }
}

/** The later of the remembered and the stored last activity, else `fallback`. */
export async function lastActivity(s: RoomState, fallback: number): Promise<number> {
  const stored = (await s.ctx.storage.get<number>(LAST_ACTIVITY_KEY)) ?? 0;
  const last = Math.max(s.activity.lastAt, stored);
  return last || fallback;
}

/** Sets the idle timer for when the workspace could next need a warning or a pause. */
export async function armIdle(s: RoomState, now: number) {
  const meta = s.meta;
  if (!meta) return;
  const d = decideIdle(now, s.activity.lastAt || now, meta.autoStopMinutes, s.activity.warnedFor);
  await setTimer(s.ctx.storage, IDLE_TIMER, d.action === 'wait' ? d.until : now);
}

/** The workspace stopped running: no idle timer, no warning. */
export async function disarmIdle(s: RoomState) {
  await clearTimer(s.ctx.storage, IDLE_TIMER);
  s.activity.warnedFor = undefined;
  await s.ctx.storage.delete(WARNED_KEY);
}
