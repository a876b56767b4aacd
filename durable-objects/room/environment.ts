import { loadKeyring } from '../../core/secrets/crypto';
import { mergeEnvironment } from '../../core/secrets/rules';
import { openSecretRows, workspaceSecrets, type SealedSecretRow } from '../../db/queries/secrets';
import type { RoomState } from './state';

// The environment of a workspace's shells, execs and setup, computed when each one starts (so changed
// secrets reach new shells and commands, never running ones). Lowest precedence first: the
// repository's `containerEnv`/`remoteEnv` (`base`), organization, repository, then the personal
// secrets of `userId`, the person the shell is for (null: none). Values never reach a log. `sealed`:
// the rows as the Worker read them for this very request (an exec), so the room need not read them.

export async function workspaceEnvironment(
  s: RoomState,
  userId: string | null,
  base?: Record<string, string>,
  sealed?: SealedSecretRow[],
): Promise<Record<string, string>> {
  const spec = s.deps.config.secretsKey;
  if (!spec) return mergeEnvironment(base);
  const ring = await loadKeyring(spec);
  const found = sealed
    ? // Another person's personal rows never apply, whoever passed them.
      await openSecretRows(
        ring,
        sealed.filter((r) => r.scope !== 'personal' || r.userId === userId),
      )
    : await s.deps.withDb((db) => workspaceSecrets(db, ring, s.workspaceId, userId));
  if (found.unreadable.length) {
    console.error(`workspace ${s.workspaceId}: secrets that did not open: ${found.unreadable.join(', ')}`);
  }
  return mergeEnvironment(base, found.organization, found.repository, found.personal);
}
