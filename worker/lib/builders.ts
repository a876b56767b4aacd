import { and, eq } from 'drizzle-orm';
import type { PrebuildBuildReason } from '../../core/api/prebuilds';
import type { Database } from '../../db/client';
import { prebuilds } from '../../db/schema';

/** A branch's prebuild builder: its Durable Object is named `<repositoryId>:<branch>`. */
export const builderFor = (env: Env, repositoryId: string, branch: string) =>
  env.PREBUILD_BUILDER.get(env.PREBUILD_BUILDER.idFromName(`${repositoryId}:${branch}`));

/** Asks each branch's builder for a build; a failure to ask is logged (the next change asks again). */
export async function requestBuilds(
  env: Env,
  repositoryId: string,
  branches: string[],
  reason: PrebuildBuildReason,
  opts: { onlyIfBuiltBefore?: boolean } = {},
): Promise<void> {
  const results = await Promise.allSettled(
    [...new Set(branches)].map((b) =>
      builderFor(env, repositoryId, b).request(repositoryId, b, reason, opts),
    ),
  );
  for (const r of results)
    if (r.status === 'rejected') console.error('requesting a prebuild failed:', r.reason);
}

/** The branches a settings change rebuilds: the default one and every one with a prebuild. */
export async function prebuiltBranches(db: Database, repositoryId: string, defaultBranch: string) {
  const rows = await db
    .selectDistinct({ branch: prebuilds.branch })
    .from(prebuilds)
    .where(and(eq(prebuilds.repositoryId, repositoryId), eq(prebuilds.status, 'ready')));
  return [defaultBranch, ...rows.map((r) => r.branch)];
}
