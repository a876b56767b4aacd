import type { SnapshotCreated, VmClient } from '../../core/vm';
import type { Database } from '../../db/client';
import { recordPrebuild } from '../../db/queries/prebuilds';

// A VM whose setup succeeded becomes its branch's prebuild: snapshotted, recorded, and the branch's older
// prebuilds and their snapshots deleted. Shared by the room (after a workspace's setup) and the builder.

export async function savePrebuild(
  vm: VmClient,
  withDb: <T>(fn: (db: Database) => Promise<T>) => Promise<T>,
  p: { vmId: string; repositoryId: string; branch: string; setupHash: string; commitSha: string | null },
  /** Takes the snapshot; the room wraps it (SSH environment files out of the VM meanwhile). */
  take: (snapshot: () => Promise<SnapshotCreated>) => Promise<SnapshotCreated> = (snapshot) => snapshot(),
): Promise<string> {
  const snap = await take(() =>
    vm.snapshotVm(p.vmId, { displayName: `${p.branch} ${p.setupHash.slice(0, 12)}` }),
  );
  const old = await withDb((db) =>
    recordPrebuild(db, {
      repositoryId: p.repositoryId,
      branch: p.branch,
      setupHash: p.setupHash,
      snapshotId: snap.snapshotId,
      commitSha: p.commitSha,
    }),
  );
  for (const o of old) if (o.snapshotId) await vm.deleteSnapshot(o.snapshotId).catch(() => {});
  return snap.snapshotId;
}
