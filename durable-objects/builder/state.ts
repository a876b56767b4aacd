import type { PrebuildBuild, PrebuildBuildReason } from '../../core/api/prebuilds';
import type { SetupPhase } from '../../core/setup-plan';
import { createRoomDeps, type RoomDeps } from '../room/context';
import { STORAGE_VERSION, STORAGE_VERSION_KEY, TARGET_KEY } from './storage-keys';

/** What a builder builds. */
export interface BuildTarget {
  repositoryId: string;
  branch: string;
}

/** A request to build, waiting for the alarm. */
export interface BuildWanted {
  generation: number;
  reason: PrebuildBuildReason;
  requestedAt: number;
}

/** The build in progress. `starting`: VM and clone on the way; `running`: the setup's session runs. */
export interface BuildRun {
  generation: number;
  reason: PrebuildBuildReason;
  phase: 'starting' | 'running';
  startedAt: number;
  vmId: string | null;
  commitSha: string | null;
  command: string | null;
  sessionId?: number;
  setupStartedAt?: number;
  timeoutMs?: number;
  hash?: string;
  setupPhase?: SetupPhase;
}

export interface BuilderState {
  readonly ctx: DurableObjectState;
  readonly env: Env;
  readonly deps: RoomDeps;
}

export function createBuilderState(ctx: DurableObjectState, env: Env): BuilderState {
  let deps: RoomDeps | undefined;
  return {
    ctx,
    env,
    // The config is parsed only when the builder does real work.
    get deps() {
      deps ??= createRoomDeps(ctx.storage, env);
      return deps;
    },
  };
}

/** Records the target (and the layout's version) on the first request. */
export async function rememberTarget(s: BuilderState, target: BuildTarget): Promise<void> {
  const known = await s.ctx.storage.get<BuildTarget>(TARGET_KEY);
  if (known?.repositoryId === target.repositoryId && known.branch === target.branch) return;
  await s.ctx.storage.put({ [TARGET_KEY]: target, [STORAGE_VERSION_KEY]: STORAGE_VERSION });
}

/** The build as the settings page shows it. */
export function buildView(
  run: BuildRun,
  end?: Partial<Pick<PrebuildBuild, 'status' | 'exitCode' | 'timedOut' | 'message'>>,
): PrebuildBuild {
  return {
    status: end?.status ?? 'building',
    reason: run.reason,
    commitSha: run.commitSha,
    command: run.command,
    startedAt: new Date(run.startedAt).toISOString(),
    finishedAt: end?.status ? new Date().toISOString() : null,
    exitCode: end?.exitCode ?? null,
    timedOut: end?.timedOut ?? false,
    message: end?.message ?? null,
  };
}
