import { savePrebuild } from '../vm-setup/prebuild';
import { setupSettings, type SetupFinished } from './setup';
import type { RoomState } from './state';
import { aroundSnapshot } from './ssh-env';
import { liveGrants } from './ssh-grants';

/**
 * After a workspace's full setup succeeded: its VM is snapshotted and becomes the branch's prebuild
 * (vm-setup/prebuild.ts). Best effort, in the background: a failure is logged. A setup from a prebuild
 * of the same definition, or postStartCommand alone, leaves the prebuild as it is. Live SSH grants'
 * environment files are taken out of the VM for the snapshot (room/ssh-env.ts).
 */
export async function takePrebuild(s: RoomState, done: SetupFinished): Promise<void> {
  const { workspace: ws, run } = done;
  if (!done.succeeded || run.phase !== 'create' || run.fromPrebuild || !ws.freestyleVmId) return;
  try {
    const settings = await s.deps.withDb((db) => setupSettings(db, ws.repositoryId));
    if (!settings.prebuildsEnabled) return;
    const vmId = ws.freestyleVmId;
    await savePrebuild(
      s.deps.vm,
      s.deps.withDb,
      {
        vmId,
        repositoryId: ws.repositoryId,
        branch: ws.branch,
        setupHash: run.hash,
        commitSha: ws.lastCommitSha,
      },
      // Under the lock, so no SSH grant is issued between the removal of their files and the snapshot.
      (snapshot) => s.lock.run(async () => aroundSnapshot(s, vmId, await liveGrants(s), snapshot)),
    );
  } catch (err) {
    console.error('taking a prebuild failed:', err);
  }
}
