import { IDLE_WARNING_MS, PAUSED_STOP_MS } from '../../core/protocol';

// Idle pause and paused cleanup, on the room's alarm (timers.ts). The idle timer does not move with
// every keystroke: activity only updates `lastActivityAt`; when the timer fires it looks at how long
// the workspace has really been idle and either acts or re-arms itself for the right moment.

export const IDLE_TIMER = 'idle';
export const PAUSED_STOP_TIMER = 'paused-stop';
export const LAST_ACTIVITY_KEY = 'idle:lastActivityAt';
export const WARNED_KEY = 'idle:warnedFor';

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
): IdleDecision {
  const limit = autoStopMinutes * 60_000;
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

/** When a workspace paused at `pausedAt` is to be stopped. */
export const stopDueAt = (pausedAt: number) => pausedAt + PAUSED_STOP_MS;
