import { and, count, eq, inArray, sql } from 'drizzle-orm';
import { LIMIT_NAMES, type Limits } from '../../core/limits';
import { cloudWorkspaces, organizationLimits } from '../schema';
import type { Database } from '../client';

/** The database or a transaction on it. */
export type Db = Database | Parameters<Parameters<Database['transaction']>[0]>[0];

/** The organization's limits: its own where set, else the defaults. */
export async function limitsFor(db: Db, organizationId: string, defaults: Limits): Promise<Limits> {
  const [row] = await db
    .select()
    .from(organizationLimits)
    .where(eq(organizationLimits.organizationId, organizationId))
    .limit(1);
  const out = { ...defaults };
  for (const n of LIMIT_NAMES) if (row?.[n] != null) out[n] = row[n]!;
  return out;
}

/** Workspaces that exist, and those running or on their way (provisioning counts: it will run). */
export async function workspaceCounts(db: Db, organizationId: string, exceptId?: string) {
  const rows = await db
    .select({ status: cloudWorkspaces.status, n: count() })
    .from(cloudWorkspaces)
    .where(eq(cloudWorkspaces.organizationId, organizationId))
    .groupBy(cloudWorkspaces.status);
  let total = 0;
  let running = 0;
  for (const r of rows) {
    total += r.n;
    if (r.status === 'running' || r.status === 'provisioning') running += r.n;
  }
  if (exceptId) {
    const [self] = await db
      .select({ n: count() })
      .from(cloudWorkspaces)
      .where(
        and(eq(cloudWorkspaces.id, exceptId), inArray(cloudWorkspaces.status, ['running', 'provisioning'])),
      );
    running -= self?.n ?? 0;
  }
  return { total, running };
}

/**
 * Runs `fn` in a transaction holding the organization's limits lock, so two requests racing for the
 * last slot are served one after the other and the second sees the first's row.
 */
export function withOrgLimitsLock<T>(db: Database, organizationId: string, fn: (tx: Db) => Promise<T>) {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${'org-limits:' + organizationId}))`);
    return fn(tx);
  });
}
