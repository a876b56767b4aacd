import type { PrebuildBuild, PrebuildBuildReason } from '../../core/api/prebuilds';
import { rememberTarget, type BuilderState, type BuildTarget } from './state';
import { GENERATION_KEY, LAST_KEY, WANTED_KEY } from './storage-keys';

/**
 * Asks for a build of the branch's head; the alarm starts it (and supersedes an older one). With
 * `onlyIfBuiltBefore`, a branch this builder never built is left alone (answers false): a push to a
 * branch without a prebuild builds only where a build was wanted once (and, say, failed).
 */
export async function requestBuild(
  s: BuilderState,
  target: BuildTarget,
  reason: PrebuildBuildReason,
  onlyIfBuiltBefore = false,
): Promise<boolean> {
  if (onlyIfBuiltBefore && !(await s.ctx.storage.get(LAST_KEY))) return false;
  await rememberTarget(s, target);
  const generation = ((await s.ctx.storage.get<number>(GENERATION_KEY)) ?? 0) + 1;
  await s.ctx.storage.put({
    [GENERATION_KEY]: generation,
    [WANTED_KEY]: { generation, reason, requestedAt: Date.now() },
  });
  await s.ctx.storage.setAlarm(Date.now());
  return true;
}

export const lastBuild = async (s: BuilderState): Promise<PrebuildBuild | null> =>
  (await s.ctx.storage.get<PrebuildBuild>(LAST_KEY)) ?? null;
