import { Hono } from 'hono';
import { PrebuildStatusQuery } from '../../core/schemas/repositories';
import { isUuid } from '../../core/ids';
import type { PrebuildStatusResponse } from '../../core/api/prebuilds';
import { newestPrebuild } from '../../db/queries/prebuilds';
import { builderFor } from '../lib/builders';
import { notFound } from '../lib/errors';
import { authorize } from '../lib/membership';
import { loadRepositoryById } from '../lib/load';
import { query } from '../lib/validate';
import type { Reply } from '../lib/reply';
import type { AppEnv } from '../types';

/**
 * `GET /api/repositories/:id/prebuild`: the snapshot new workspaces of a branch start from, and the
 * branch builder's current or last build (members of the repository's organization and read keys).
 */
export const prebuildStatus = new Hono<AppEnv>().get(
  '/',
  query(PrebuildStatusQuery),
  async (c): Reply<PrebuildStatusResponse> => {
    const { db, principal } = c.var;
    const id = c.req.param('id')!;
    if (!isUuid(id)) throw notFound('Repository');
    const repo = await loadRepositoryById(db, id);
    if (!repo) throw notFound('Repository');
    await authorize(db, principal, repo.organizationId, 'repository.read', 'Repository');
    const branch = c.req.valid('query').branch ?? repo.defaultBranch;
    const [ready, build] = await Promise.all([
      newestPrebuild(db, id, branch),
      builderFor(c.env, id, branch).status(),
    ]);
    return c.json(
      {
        prebuild: {
          repositoryId: id,
          branch,
          enabled: repo.prebuildsEnabled,
          ready: ready ? { commitSha: ready.commitSha, createdAt: ready.createdAt.toISOString() } : null,
          build,
        },
      },
      200,
    );
  },
);
