import { and, desc, eq, ne } from 'drizzle-orm';
import { prebuilds } from '../schema';
import type { Database } from '../client';

export type PrebuildRow = typeof prebuilds.$inferSelect;

/** The newest ready prebuild of a repository's branch, whatever its setup definition. */
export async function newestPrebuild(db: Database, repositoryId: string, branch: string) {
  const [row] = await db
    .select()
    .from(prebuilds)
    .where(
      and(
        eq(prebuilds.repositoryId, repositoryId),
        eq(prebuilds.branch, branch),
        eq(prebuilds.status, 'ready'),
      ),
    )
    .orderBy(desc(prebuilds.createdAt))
    .limit(1);
  return row;
}

/** Records a ready prebuild and answers the older ones of the branch, removed (their snapshots go next). */
export async function recordPrebuild(
  db: Database,
  p: {
    repositoryId: string;
    branch: string;
    setupHash: string;
    snapshotId: string;
    commitSha: string | null;
  },
): Promise<PrebuildRow[]> {
  const [row] = await db
    .insert(prebuilds)
    .values({ ...p, status: 'ready' })
    .returning();
  return db
    .delete(prebuilds)
    .where(
      and(
        eq(prebuilds.repositoryId, p.repositoryId),
        eq(prebuilds.branch, p.branch),
        ne(prebuilds.id, row!.id),
      ),
    )
    .returning();
}

export async function deletePrebuild(db: Database, id: string) {
  await db.delete(prebuilds).where(eq(prebuilds.id, id));
}
