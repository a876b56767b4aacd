import { emit } from './events';
import { idlePauseFailed, idlePaused, idleTimerFired, pausedStopDue } from './idle';
import { armWatch, pullNow, reconcile, SYSTEM, transition, workspaceChanged } from './lifecycle';
import { expireSessions } from './presence';
import { expireSsh } from './ssh-grants';
import { provisionAttempt } from './provisioning';
import { pollSetup, startSetup } from './setup';
import { takePrebuild } from './prebuild';
import { pullIfPending } from './pull';
import type { RoomState } from './state';
import { Timer } from './storage-keys';
import { takeDueTimers } from './timers';

// The room's one alarm runs whichever named timers (room/timers.ts) are due, each in the module that
// owns it; the transitions the idle policy asks for run here, so that policy never calls the lifecycle.

export async function runAlarm(s: RoomState): Promise<void> {
  if (!s.workspaceId) return;
  for (const timer of await takeDueTimers(s.ctx.storage, Date.now())) {
    switch (timer) {
      case Timer.provision: {
        const ws = await provisionAttempt(s.deps, s.workspaceId, (vmId, row, repo, prebuildHash) =>
          startSetup(s, vmId, repo, 'create', false, row.creatorId, prebuildHash),
        );
        if (ws) await workspaceChanged(s, ws);
        await pullIfPending(s.ctx.storage, ws);
        break;
      }
      case Timer.pull:
        await pullNow(s, SYSTEM);
        break;
      case Timer.idle: {
        const idleMinutes = await idleTimerFired(s);
        if (idleMinutes === null) break;
        const result = await transition(s, 'idle_pause', SYSTEM, { idleMinutes });
        if (result.ok) await idlePaused(s, idleMinutes);
        // Not paused and not because the workspace changed meanwhile: try again, and say so.
        else if (result.status >= 500) await idlePauseFailed(s, idleMinutes, result.message);
        break;
      }
      case Timer.pausedStop: {
        if (!(await pausedStopDue(s))) break;
        const result = await transition(s, 'idle_stop', SYSTEM);
        if (result.ok) await emit(s, { type: 'stopped', message: 'Stopped after 24 h paused.' });
        break;
      }
      case Timer.presence:
        await expireSessions(s);
        break;
      case Timer.setup: {
        const done = await pollSetup(s);
        if (done) {
          await workspaceChanged(s, done.workspace);
          s.ctx.waitUntil(takePrebuild(s, done));
        }
        break;
      }
      case Timer.sshExpiry:
        await expireSsh(s);
        break;
      case Timer.watch:
        await reconcile(s);
        if (s.meta?.status === 'running' || s.meta?.status === 'paused') await armWatch(s);
        break;
    }
  }
}
