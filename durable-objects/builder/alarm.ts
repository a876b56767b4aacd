import { endRun, pollRun, startRun } from './run';
import type { BuilderState, BuildRun, BuildWanted } from './state';
import { RUN_KEY, WANTED_KEY } from './storage-keys';

/**
 * The builder's alarm: a newer request supersedes the build in progress (its VM is deleted), a
 * running build is polled, a waiting request starts. A build found mid-start was interrupted (the
 * object restarted while its VM booted): it ends, and its VM goes.
 */
export async function runBuilder(s: BuilderState): Promise<void> {
  const run = await s.ctx.storage.get<BuildRun>(RUN_KEY);
  const wanted = await s.ctx.storage.get<BuildWanted>(WANTED_KEY);
  if (run) {
    if (wanted && wanted.generation > run.generation) {
      await endRun(s, run, {
        status: 'superseded',
        message: 'A newer push or settings change started another build.',
      });
    } else if (run.phase === 'running') {
      return pollRun(s, run);
    } else {
      await endRun(s, run, { status: 'failed', message: 'The build was interrupted; it starts again.' });
      return startRun(s, { ...run, requestedAt: Date.now() });
    }
  }
  if (wanted) await startRun(s, wanted);
}
