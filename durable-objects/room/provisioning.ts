import { eq } from 'drizzle-orm';
import { repositories } from '../../db/schema';
import { shellQuote } from '../../core/shell';
import { isVmApiError, VM_HOST_UNREACHABLE, VM_WORKSPACE_PATH } from '../../core/vm';
import {
  getWorkspace,
  updateStatusIf,
  updateWorkspace,
  type WorkspaceRow,
} from '../../db/queries/workspaces';
import { recordAudit } from '../../db/audit';
import type { RoomDeps } from './context';
import { Timer } from './storage-keys';
import { setTimer } from './timers';
import type { SetupStart } from './setup';
import { deletePrebuild, newestPrebuild, type PrebuildRow } from '../../db/queries/prebuilds';
import type { Database } from '../../db/client';
import { runningMessage } from './setup';
import { CLONE_TIMEOUT_MS, cloneCommand, readableCloneError } from '../vm-setup/clone';

/** Starts the repository's setup once the clone is there (room/setup.ts). */
export type AfterClone = (
  vmId: string,
  ws: WorkspaceRow,
  repo: typeof repositories.$inferSelect,
  /** The setup hash of the prebuild the VM booted from: equal to the clone's, only postStart runs. */
  prebuildHash: string | null,
) => Promise<SetupStart>;

/** Waits between attempts: about 1 s, 3 s and 10 s, then the workspace is in error. */
export const PROVISION_RETRY_DELAYS_MS = [1_000, 3_000, 10_000];

class ProvisionError extends Error {}

/** An unexpected failure in the user's terms; the details go to the log, not to the page. */
function provisioningFailure(err: unknown): string {
  console.error('provisioning failed:', err);
  if (isVmApiError(err)) return `Provisioning failed: the VM host answered ${err.status}.`;
  return 'Provisioning failed unexpectedly.';
}

const fastForward = (branch: string) => {
  const dir = shellQuote(VM_WORKSPACE_PATH);
  const b = shellQuote(branch);
  return `git -C ${dir} fetch --quiet origin ${b} && git -C ${dir} checkout --quiet ${b} && git -C ${dir} merge --ff-only --quiet FETCH_HEAD && git -C ${dir} rev-parse HEAD`;
};

/** A setup that cannot even start is a failed setup, never a failed workspace. */
async function startAfterClone(
  afterClone: AfterClone,
  vmId: string,
  ws: WorkspaceRow,
  repo: typeof repositories.$inferSelect,
  prebuildHash: string | null,
): Promise<SetupStart> {
  try {
    return await afterClone(vmId, ws, repo, prebuildHash);
  } catch (err) {
    console.error('setup could not start:', err);
    const at = new Date().toISOString();
    return {
      setup: { status: 'failed', exitCode: null, startedAt: at, finishedAt: at },
      setupHash: '',
      running: false,
    };
  }
}

/** A new VM from the branch's newest prebuild (docs/setup.md), or null to make a plain one. */
async function fromPrebuild(
  deps: RoomDeps,
  ws: WorkspaceRow,
  repo: typeof repositories.$inferSelect,
  db: Database,
) {
  if (!repo.prebuildsEnabled) return null;
  const prebuild = await newestPrebuild(db, ws.repositoryId, ws.branch);
  if (!prebuild?.snapshotId) return null;
  try {
    const vm = await deps.vm.createVm({
      snapshotId: prebuild.snapshotId,
      metadata: { workspaceId: ws.id },
      displayName: ws.name,
    });
    return { vm, prebuild };
  } catch (err) {
    // Its snapshot is gone: forget it, and set up from the repository.
    console.error('booting from a prebuild failed:', err);
    if (isVmApiError(err) && err.status === 404 && err.code !== VM_HOST_UNREACHABLE)
      await deletePrebuild(db, prebuild.id);
    return null;
  }
}

async function ensureVm(
  deps: RoomDeps,
  ws: WorkspaceRow,
  db: Parameters<Parameters<RoomDeps['withDb']>[0]>[0],
  repo: typeof repositories.$inferSelect,
): Promise<{ vmId: string; fresh: boolean; prebuild?: PrebuildRow }> {
  const vm = ws.freestyleVmId
    ? await deps.vm.getVm(ws.freestyleVmId).catch((err) => {
        // Gone (Retry after the VM vanished): a new VM is set up from the repository.
        if (isVmApiError(err) && err.status === 404 && err.code !== VM_HOST_UNREACHABLE) return null;
        throw err;
      })
    : null;
  if (!vm) {
    const booted = await fromPrebuild(deps, ws, repo, db);
    if (booted) {
      await updateWorkspace(db, ws.id, { freestyleVmId: booted.vm.id });
      return { vmId: booted.vm.id, fresh: true, prebuild: booted.prebuild };
    }
    const created = await deps.vm.createVm({ metadata: { workspaceId: ws.id }, displayName: ws.name });
    await updateWorkspace(db, ws.id, { freestyleVmId: created.id });
    return { vmId: created.id, fresh: true };
  }
  // A crashed VM that a request booted again is started explicitly too: that clears its crash report.
  if ((vm.state !== 'running' && vm.state !== 'starting') || vm.local?.crash) await deps.vm.startVm(vm.id);
  return { vmId: vm.id, fresh: false };
}

/**
 * One provisioning attempt: make sure the VM exists and runs, clone the branch, record the commit.
 * Failures schedule the next attempt on the room's alarm; the last one puts the workspace in error.
 */
export async function provisionAttempt(
  deps: RoomDeps,
  workspaceId: string,
  afterClone?: AfterClone,
): Promise<WorkspaceRow | undefined> {
  return deps.withDb(async (db) => {
    const ws = await getWorkspace(db, workspaceId);
    if (!ws || ws.status !== 'provisioning') return ws;
    const [repo] = await db.select().from(repositories).where(eq(repositories.id, ws.repositoryId)).limit(1);
    try {
      if (!repo) throw new ProvisionError('The repository was removed.');
      const { vmId, fresh, prebuild } = await ensureVm(deps, ws, db, repo);
      const dir = shellQuote(VM_WORKSPACE_PATH);
      const clone = cloneCommand(repo.url, ws.branch);
      // Retry of a workspace that was set up once (its VM crashed) starts from its files: what was
      // saved or committed there is kept. Only a new VM, or one never cloned into, is cloned afresh.
      const keep = !fresh && ws.lastCommitSha !== null;
      const command = keep
        ? `if git -C ${dir} rev-parse --is-inside-work-tree >/dev/null 2>&1; then git -C ${dir} rev-parse HEAD; else ${clone}; fi`
        : clone;
      // From a prebuild: its clone fast-forwards to the branch's head; one that cannot is cloned afresh.
      let prebuildHash: string | null = null;
      let result;
      if (prebuild) {
        result = await deps.vm.exec(vmId, { command: fastForward(ws.branch), timeoutMs: CLONE_TIMEOUT_MS });
        if (result.statusCode === 0) prebuildHash = prebuild.setupHash;
        else result = await deps.vm.exec(vmId, { command: clone, timeoutMs: CLONE_TIMEOUT_MS });
      } else {
        result = await deps.vm.exec(vmId, { command, timeoutMs: CLONE_TIMEOUT_MS });
      }
      if (result.statusCode !== 0) {
        if (result.statusCode === null) throw new ProvisionError('git clone timed out after 10 minutes.');
        throw new ProvisionError(readableCloneError(result.stderr ?? '', ws.branch, repo.url));
      }
      const sha = (result.stdout ?? '').trim().split('\n').pop() ?? null;
      const setup = afterClone ? await startAfterClone(afterClone, vmId, ws, repo, prebuildHash) : null;
      if (setup?.running) {
        // Still provisioning: the setup's end makes it running (room/setup.ts).
        return await updateWorkspace(db, workspaceId, {
          lastCommitSha: sha,
          provisionAttempts: 0,
          statusMessage: runningMessage(setup.setup.command ?? ''),
          setup: setup.setup,
          setupHash: setup.setupHash,
        });
      }
      if (setup) await updateWorkspace(db, workspaceId, { setup: setup.setup, setupHash: setup.setupHash });
      const running = await updateStatusIf(db, workspaceId, 'provisioning', 'running', {
        lastCommitSha: sha,
        statusMessage: null,
        provisionAttempts: 0,
      });
      if (running) {
        await recordAudit(db, {
          organizationId: ws.organizationId,
          workspaceId,
          actorType: 'system',
          action: 'provisioned',
          detail: { commit: sha },
        });
      }
      return running;
    } catch (err) {
      const message =
        err instanceof ProvisionError
          ? err.message
          : isVmApiError(err) && err.code === VM_HOST_UNREACHABLE
            ? 'The VM host is unreachable.'
            : provisioningFailure(err);
      const attempts = ws.provisionAttempts + 1;
      const delay = PROVISION_RETRY_DELAYS_MS[attempts - 1];
      if (delay !== undefined) {
        await updateWorkspace(db, workspaceId, {
          provisionAttempts: attempts,
          statusMessage: `${message} Retrying in ${Math.round(delay / 1000)} s (attempt ${attempts + 1} of ${PROVISION_RETRY_DELAYS_MS.length + 1}).`,
        });
        await setTimer(deps.storage, Timer.provision, Date.now() + delay);
        return getWorkspace(db, workspaceId);
      }
      const failed = await updateStatusIf(db, workspaceId, 'provisioning', 'error', {
        statusMessage: message,
        provisionAttempts: attempts,
      });
      if (failed) {
        await recordAudit(db, {
          organizationId: ws.organizationId,
          workspaceId,
          actorType: 'system',
          action: 'provision_failed',
          detail: { message, attempts },
        });
      }
      return failed;
    }
  });
}
