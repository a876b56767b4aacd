import { eq } from 'drizzle-orm';
import type { Config } from '../../core/config';
import { DEVCONTAINER_PATHS } from '../../core/devcontainer';
import { setupDefinitionHash } from '../../core/setup-plan';
import { shellQuote } from '../../core/shell';
import { createVmClient, VM_WORKSPACE_PATH } from '../../core/vm';
import { createDb } from '../../db/client';
import { newestPrebuild, recordRefreshedPrebuild } from '../../db/queries/prebuilds';
import { repositories } from '../../db/schema';

// A push refreshes the branch's prebuild in the background (docs/setup.md): a VM boots from the newest
// snapshot, fast-forwards to the pushed head and, when the setup definition is unchanged, is snapshotted
// as the new prebuild (the old one and its snapshot go). A changed definition needs the whole setup: the
// webhook hands it to the branch's builder (durable-objects/prebuild-builder.ts).

export async function refreshPrebuild(config: Config, repositoryId: string, branch: string): Promise<string> {
  const { db, close } = createDb(config);
  const vm = createVmClient({
    baseUrl: config.vmApiUrl,
    apiKey: config.vmApiKey,
    fetch: fetch.bind(globalThis),
  });
  let vmId: string | undefined;
  try {
    const [repo] = await db.select().from(repositories).where(eq(repositories.id, repositoryId)).limit(1);
    if (!repo?.prebuildsEnabled) return 'prebuilds off';
    const prebuild = await newestPrebuild(db, repositoryId, branch);
    if (!prebuild?.snapshotId) return 'no prebuild yet';
    vmId = (await vm.createVm({ snapshotId: prebuild.snapshotId, metadata: { prebuildOf: repositoryId } }))
      .id;
    const dir = shellQuote(VM_WORKSPACE_PATH);
    const b = shellQuote(branch);
    const read = DEVCONTAINER_PATHS.map(
      (p) => `if [ -f ${dir}/${shellQuote(p)} ]; then head -c 262144 ${dir}/${shellQuote(p)}; exit 0; fi`,
    ).join('\n');
    const ff = await vm.exec(vmId, {
      command: `git -C ${dir} fetch --quiet origin ${b} && git -C ${dir} merge --ff-only --quiet FETCH_HEAD && git -C ${dir} rev-parse HEAD`,
      timeoutMs: 120_000,
    });
    if (ff.statusCode !== 0) return 'cannot fast-forward';
    const file = await vm.exec(vmId, { command: `${read}\nexit 3`, timeoutMs: 30_000 });
    const hash = await setupDefinitionHash(
      file.statusCode === 0 ? (file.stdout ?? '') : null,
      repo.setupCommand,
    );
    if (hash !== prebuild.setupHash) return 'setup definition changed';
    const snap = await vm.snapshotVm(vmId, { displayName: `${branch} ${hash.slice(0, 12)}` });
    const old = await recordRefreshedPrebuild(db, prebuild.id, {
      repositoryId,
      branch,
      setupHash: hash,
      snapshotId: snap.snapshotId,
      commitSha: (ff.stdout ?? '').trim().split('\n').pop() ?? null,
    });
    // A build (or a workspace's setup) recorded a newer prebuild meanwhile: it stays, this one goes.
    if (!old) {
      await vm.deleteSnapshot(snap.snapshotId).catch(() => {});
      return 'superseded';
    }
    for (const p of old) if (p.snapshotId) await vm.deleteSnapshot(p.snapshotId).catch(() => {});
    return 'refreshed';
  } finally {
    if (vmId) await vm.deleteVm(vmId).catch(() => {});
    await close();
  }
}
