import { and, desc, eq, lte, ne, sql } from 'drizzle-orm';
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

/** A ready prebuild as a build records it. */
export interface ReadyPrebuild {
  repositoryId: string;
  branch: string;
  setupHash: string;
  snapshotId: string;
  commitSha: string | null;
}

/** Records a ready prebuild and answers the older ones of the branch, removed (their snapshots go next). */
export async function recordPrebuild(db: Database, p: ReadyPrebuild): Promise<PrebuildRow[]> {
  const [row] = await db
    .insert(prebuilds)
    .values({ ...p, status: 'ready' })
    .returning();
  return deleteOlder(db, row!);
}

/** The branch's prebuilds older than `row` go (a newer one recorded since stays). */
function deleteOlder(db: Database, row: PrebuildRow): Promise<PrebuildRow[]> {
  return db
    .delete(prebuilds)
    .where(
      and(
        eq(prebuilds.repositoryId, row.repositoryId),
        eq(prebuilds.branch, row.branch),
        ne(prebuilds.id, row.id),
        // Postgres's own time of the row (a JS Date would cut its microseconds).
        lte(
          prebuilds.createdAt,
          sql`(select ${prebuilds.createdAt} from ${prebuilds} where ${prebuilds.id} = ${row.id})`,
        ),
      ),
    )
    .returning();
}

/**
 * The fast refresh's record (worker/lib/prebuild-refresh.ts): the refreshed prebuild replaces `baseId`,
 * the one it was booted from, only if that is still the branch's newest ready prebuild. Answers the
 * older ones removed, or undefined when a newer one was recorded meanwhile (nothing is written).
 */
export async function recordRefreshedPrebuild(
  db: Database,
  baseId: string,
  p: ReadyPrebuild,
): Promise<PrebuildRow[] | undefined> {
  // One statement: the check is the insert's own WHERE, so no other write can fall between them.
  // The select lists every column in the table's order (drizzle's insert-select names them all).
  const newest = sql`(select ${prebuilds.id} from ${prebuilds}
    where ${prebuilds.repositoryId} = ${p.repositoryId} and ${prebuilds.branch} = ${p.branch}
      and ${prebuilds.status} = 'ready'
    order by ${prebuilds.createdAt} desc limit 1)`;
  const [row] = await db
    .insert(prebuilds)
    .select(
      sql`select gen_random_uuid(), ${p.repositoryId}::uuid, ${p.branch}, ${p.setupHash},
        'ready'::prebuild_status, ${p.snapshotId}, ${p.commitSha}, null, now(), now()
      where ${newest} = ${baseId}::uuid`,
    )
    .returning();
  if (!row) return undefined;
  return deleteOlder(db, row);
}

export async function deletePrebuild(db: Database, id: string) {
  await db.delete(prebuilds).where(eq(prebuilds.id, id));
}
