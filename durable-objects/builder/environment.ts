import { loadKeyring } from '../../core/secrets/crypto';
import { mergeEnvironment } from '../../core/secrets/rules';
import { prebuildSecrets } from '../../db/queries/secrets';
import type { BuilderState } from './state';

/**
 * A build's setup gets what a workspace's gets, without personal secrets (the snapshot is shared by
 * every member): the organization's, then the repository's, over nothing else (the devcontainer env is
 * exported by the script itself). Values never reach a log.
 */
export async function buildEnvironment(
  s: BuilderState,
  organizationId: string,
  repositoryId: string,
): Promise<Record<string, string>> {
  const spec = s.deps.config.secretsKey;
  if (!spec) return {};
  const ring = await loadKeyring(spec);
  const found = await s.deps.withDb((db) => prebuildSecrets(db, ring, organizationId, repositoryId));
  if (found.unreadable.length)
    console.error(`prebuild: secrets that did not open: ${found.unreadable.join(', ')}`);
  return mergeEnvironment(undefined, found.organization, found.repository);
}
