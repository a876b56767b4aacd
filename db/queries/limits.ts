import { and, count, eq, inArray, sql } from 'drizzle-orm';
import { LIMIT_NAMES, type Limits } from '../../core/limits';
import { auditEvents, cloudWorkspaces, organizationLimits } from '../schema';
import { changedRow, fromRow, statusUpdate, type StatusFields, type WorkspaceRow } from './workspaces';
import type { WorkspaceStatus } from '../../core/workspace-state';
import type { Database } from '../client';
import type { StatusAudit } from '../audit';

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

export interface NewWorkspace {
  organizationId: string;
  repositoryId: string;
  branch: string;
  name: string;
  creatorId: string;
  autoStopMinutes: number;
}

/**
 * Creates a workspace if the organization's workspace and running limits allow it, with its audit
 * entry, in one round trip: a batch is one transaction, whose first statement takes the limits lock
 * (so racing creations count one after the other) and whose last reports the counts for a refusal.
 */
export async function createWorkspaceWithinLimits(
  db: Database,
  values: NewWorkspace,
  defaults: Limits,
  audit: { actorType: string; actorUserId: string },
): Promise<{ workspace?: WorkspaceRow; total: number; running: number; limits: Limits }> {
  const id = crypto.randomUUID();
  const org = values.organizationId;
  const ws = cloudWorkspaces;
  const ol = organizationLimits;
  const maxOf = (col: typeof ol.workspaces | typeof ol.running, fallback: number) =>
    sql`coalesce((select ${col} from ${ol} where ${ol.organizationId} = ${org}), ${fallback})`;
  const total = sql`(select count(*) from ${ws} where ${ws.organizationId} = ${org})`;
  const running = sql`(select count(*) from ${ws} where ${ws.organizationId} = ${org}
    and ${ws.status} in ('running', 'provisioning'))`;
  const [, inserted, , report] = await db.batch([
    db.execute(sql`select pg_advisory_xact_lock(hashtext(${'org-limits:' + org}))`),
    db.execute(sql`insert into ${ws} (id, organization_id, repository_id, branch, name, creator_id, auto_stop_minutes)
      select ${id}, ${org}, ${values.repositoryId}, ${values.branch}, ${values.name}, ${values.creatorId}, ${values.autoStopMinutes}
      where ${total} < ${maxOf(ol.workspaces, defaults.workspaces)}
        and ${running} < ${maxOf(ol.running, defaults.running)}
      returning *`),
    db.execute(sql`insert into ${auditEvents} (organization_id, workspace_id, actor_type, actor_user_id, action, detail)
      select ${org}, ${id}, ${audit.actorType}, ${audit.actorUserId}, 'create',
        ${JSON.stringify({ repositoryId: values.repositoryId, branch: values.branch })}::jsonb
      where exists (select 1 from ${ws} where ${ws.id} = ${id})`),
    db.execute(sql`select ${total}::int as total, ${running}::int as running,
      ${maxOf(ol.workspaces, defaults.workspaces)}::int as workspaces, ${maxOf(ol.running, defaults.running)}::int as running_max`),
  ]);
  const raw = (inserted.rows as Record<string, unknown>[])[0];
  const r = report.rows[0] as { total: number; running: number; workspaces: number; running_max: number };
  return {
    workspace: raw ? fromRow(raw) : undefined,
    // Before this one, as the limits are checked.
    total: raw ? r.total - 1 : r.total,
    running: raw ? r.running - 1 : r.running,
    limits: { ...defaults, workspaces: r.workspaces, running: r.running_max },
  };
}

/**
 * Moves a workspace from `from` to a running or provisioning `to` if the organization's running limit
 * allows, in one round trip: a batch (one transaction) that takes the limits lock, then updates only
 * while fewer than the limit of its other workspaces run. Undefined when it did not change: the
 * caller tells a status that moved from a full organization (`workspaceCounts`, `limitsFor`).
 */
export async function startWithinRunningLimit(
  db: Database,
  organizationId: string,
  id: string,
  from: WorkspaceStatus,
  to: WorkspaceStatus,
  defaults: Limits,
  fields: StatusFields = {},
  audit?: StatusAudit,
): Promise<WorkspaceRow | undefined> {
  const ws = cloudWorkspaces;
  const ol = organizationLimits;
  const max = sql`coalesce((select ${ol.running} from ${ol} where ${ol.organizationId} = ${organizationId}), ${defaults.running})`;
  const others = sql`(select count(*) from ${ws} as o where o.organization_id = ${organizationId}
    and o.id <> ${id} and o.status in ('running', 'provisioning'))`;
  const [, changed] = await db.batch([
    db.execute(sql`select pg_advisory_xact_lock(hashtext(${'org-limits:' + organizationId}))`),
    statusUpdate(db, id, from, to, fields, sql`${others} < ${max}`, audit),
  ]);
  return changedRow(changed);
}
