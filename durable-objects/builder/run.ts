import { eq } from 'drizzle-orm';
import type { PrebuildBuild } from '../../core/api/prebuilds';
import { isVmApiError, VM_HOST_UNREACHABLE } from '../../core/vm';
import { newestPrebuild } from '../../db/queries/prebuilds';
import { repositories } from '../../db/schema';
import { CLONE_TIMEOUT_MS, cloneCommand, readableCloneError } from '../vm-setup/clone';
import { readDefinition } from '../vm-setup/definition';
import { savePrebuild } from '../vm-setup/prebuild';
import { SETUP_EXEC, writeSetupScript } from '../vm-setup/script';
import { sessionOutcome, startSession } from '../vm-setup/session';
import { buildEnvironment } from './environment';
import { buildView, type BuilderState, type BuildRun, type BuildTarget, type BuildWanted } from './state';
import { LAST_KEY, RUN_KEY, TARGET_KEY, WANTED_KEY } from './storage-keys';

// One build (docs/setup.md "Prebuilds"): a new VM, a fresh clone of the branch's head, the repository's
// whole setup in a PTY session polled on the alarm (a setup may take 30 minutes: no request or
// waitUntil lives that long), a snapshot on success. Its VM is deleted in every outcome.

type Ending = Pick<PrebuildBuild, 'status'> &
  Partial<Pick<PrebuildBuild, 'exitCode' | 'timedOut' | 'message'>>;

/** Polled often at first (a short setup should not wait), then every 5 s for a long one. */
const pollDelay = (elapsedMs: number) => (elapsedMs < 10_000 ? 250 : elapsedMs < 60_000 ? 1_000 : 5_000);

const save = (s: BuilderState, run: BuildRun) =>
  s.ctx.storage.put({ [RUN_KEY]: run, [LAST_KEY]: buildView(run) });

/** Ends the build: its VM goes, whatever happened, and the outcome is what the settings page shows. */
export async function endRun(s: BuilderState, run: BuildRun, end: Ending): Promise<void> {
  if (run.vmId) {
    await s.deps.vm.deleteVm(run.vmId).catch((err) => {
      if (!(isVmApiError(err) && err.status === 404)) console.error('deleting a build VM failed:', err);
    });
  }
  await s.ctx.storage.delete(RUN_KEY);
  await s.ctx.storage.put(LAST_KEY, buildView(run, end));
}

/** Words for an unexpected failure; the details go to the log. */
function failure(err: unknown): string {
  console.error('prebuild build failed:', err);
  if (isVmApiError(err) && err.code === VM_HOST_UNREACHABLE) return 'The VM host is unreachable.';
  if (isVmApiError(err)) return `The VM host answered ${err.status}.`;
  return 'The build failed unexpectedly.';
}

/** Boots the VM, clones, and starts the setup; a build with nothing to do ends at once. */
export async function startRun(s: BuilderState, wanted: BuildWanted): Promise<void> {
  const target = await s.ctx.storage.get<BuildTarget>(TARGET_KEY);
  await s.ctx.storage.delete(WANTED_KEY);
  let run: BuildRun = {
    generation: wanted.generation,
    reason: wanted.reason,
    phase: 'starting',
    startedAt: Date.now(),
    vmId: null,
    commitSha: null,
    command: null,
  };
  await save(s, run);
  if (!target) return endRun(s, run, { status: 'skipped', message: 'Nothing to build.' });
  try {
    const repo = await s.deps.withDb(async (db) => {
      const [row] = await db
        .select()
        .from(repositories)
        .where(eq(repositories.id, target.repositoryId))
        .limit(1);
      return row;
    });
    if (!repo) return endRun(s, run, { status: 'skipped', message: 'The repository was removed.' });
    if (!repo.prebuildsEnabled) return endRun(s, run, { status: 'skipped', message: 'Prebuilds are off.' });
    const vm = s.deps.vm;
    const created = await vm.createVm({
      metadata: { prebuildOf: repo.id, branch: target.branch },
      displayName: `prebuild ${repo.name} ${target.branch}`.slice(0, 200),
    });
    run = { ...run, vmId: created.id };
    await save(s, run);
    const clone = await vm.exec(created.id, {
      command: cloneCommand(repo.url, target.branch),
      timeoutMs: CLONE_TIMEOUT_MS,
    });
    if (clone.statusCode !== 0) {
      const message =
        clone.statusCode === null
          ? 'git clone timed out after 10 minutes.'
          : readableCloneError(clone.stderr ?? '', target.branch, repo.url);
      return endRun(s, run, { status: 'failed', message });
    }
    run = { ...run, commitSha: (clone.stdout ?? '').trim().split('\n').pop() ?? null };
    await save(s, run);
    const { dc, hash } = await readDefinition(vm, created.id, repo.setupCommand);
    const newest = await s.deps.withDb((db) => newestPrebuild(db, repo.id, target.branch));
    if (newest?.setupHash === hash && newest.commitSha === run.commitSha)
      return endRun(s, run, {
        status: 'skipped',
        message: 'The prebuild is already at this commit and setup.',
      });
    const env = await buildEnvironment(s, repo.organizationId, repo.id);
    const plan = await writeSetupScript(vm, created.id, dc, repo.setupCommand, 'create', env);
    if (!plan.script || !plan.command)
      return endRun(s, run, {
        status: 'skipped',
        message: plan.problem
          ? `${plan.problem.path} is malformed (line ${plan.problem.line}, column ${plan.problem.column}).`
          : 'Nothing to set up: no postCreateCommand and no setup command.',
      });
    const sessionId = await startSession(vm, created.id, `prebuild-${Date.now().toString(36)}`, SETUP_EXEC);
    const now = Date.now();
    run = {
      ...run,
      phase: 'running',
      command: plan.command,
      sessionId,
      setupStartedAt: now,
      // Tests shorten it (SETUP_TIMEOUT_MS), as for a workspace's setup; the repository's setting otherwise.
      timeoutMs: s.deps.config.setupTimeoutMs ?? repo.setupTimeoutMinutes * 60_000,
      hash,
    };
    await save(s, run);
    await s.ctx.storage.setAlarm(now + pollDelay(0));
  } catch (err) {
    await endRun(s, run, { status: 'failed', message: failure(err) });
  }
}

/** The alarm while the setup runs: exited, past its time, or look again. */
export async function pollRun(s: BuilderState, run: BuildRun): Promise<void> {
  const target = await s.ctx.storage.get<BuildTarget>(TARGET_KEY);
  if (!target || !run.vmId || run.sessionId === undefined) {
    return endRun(s, run, { status: 'failed', message: 'The build was interrupted.' });
  }
  let outcome;
  try {
    outcome = await sessionOutcome(s.deps.vm, run.vmId, run.sessionId);
  } catch (err) {
    if (isVmApiError(err) && err.status === 404 && err.code !== VM_HOST_UNREACHABLE)
      return endRun(s, run, { status: 'failed', message: 'The build VM is gone.' });
    console.error('prebuild poll failed:', err);
    await s.ctx.storage.setAlarm(Date.now() + 2_000);
    return;
  }
  const elapsed = Date.now() - (run.setupStartedAt ?? run.startedAt);
  if (outcome.state === 'gone')
    return endRun(s, run, { status: 'failed', message: 'The setup ended with its VM host.' });
  if (outcome.state === 'exited') {
    if (outcome.exitCode !== 0)
      return endRun(s, run, {
        status: 'failed',
        exitCode: outcome.exitCode,
        message: `Setup failed (exit ${outcome.exitCode}).`,
      });
    try {
      await savePrebuild(s.deps.vm, s.deps.withDb, {
        vmId: run.vmId,
        repositoryId: target.repositoryId,
        branch: target.branch,
        setupHash: run.hash ?? '',
        commitSha: run.commitSha,
      });
    } catch (err) {
      return endRun(s, run, { status: 'failed', exitCode: 0, message: `Snapshot failed: ${failure(err)}` });
    }
    return endRun(s, run, { status: 'succeeded', exitCode: 0 });
  }
  if (elapsed > (run.timeoutMs ?? 30 * 60_000)) {
    await s.deps.vm.killPtySession(run.vmId, run.sessionId).catch(() => {});
    const minutes = Math.max(1, Math.round((run.timeoutMs ?? 0) / 60_000));
    return endRun(s, run, {
      status: 'failed',
      timedOut: true,
      message: `Setup timed out after ${minutes} min and was stopped.`,
    });
  }
  await s.ctx.storage.setAlarm(Date.now() + pollDelay(elapsed));
}
