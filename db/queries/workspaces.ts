import { and, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
import { cloudWorkspaces, workspaceUsageSpans } from '../schema';
import type { WorkspaceStatus } from '../../core/workspace-state';
import type { Database } from '../client';
import { statusAuditInsert, type StatusAudit } from '../audit';

export type WorkspaceRow = typeof cloudWorkspaces.$inferSelect;

export async function getWorkspace(db: Database, id: string): Promise<WorkspaceRow | undefined> {
  const [row] = await db.select().from(cloudWorkspaces).where(eq(cloudWorkspaces.id, id)).limit(1);
  return row;
}

/**
 * The only way a status changes: `UPDATE ... WHERE status = <from>`. Of two racing callers exactly one
 * gets the row back; the other gets undefined and answers 409. The same statement closes the
 * workspace's open usage span and opens one for a running or paused workspace, at the same instant
 * as `statusChangedAt`, so usage is exact and never half-written.
 */
export async function updateStatusIf(
  db: Database | Parameters<Parameters<Database['transaction']>[0]>[0],
  id: string,
  from: WorkspaceStatus,
  to: WorkspaceStatus,
  fields: StatusFields = {},
  audit?: StatusAudit,
): Promise<WorkspaceRow | undefined> {
  return changedRow(await statusUpdate(db, id, from, to, fields, undefined, audit));
}

export type StatusFields = Partial<
  Pick<WorkspaceRow, 'statusMessage' | 'statusCode' | 'lastCommitSha' | 'freestyleVmId' | 'provisionAttempts'>
>;

/** The changed row of a `statusUpdate`, undefined when the status was not `from` (or `guard` failed). */
export function changedRow(result: { rows: unknown[] }): WorkspaceRow | undefined {
  const [raw] = result.rows as Record<string, unknown>[];
  return raw ? fromRow(raw) : undefined;
}

/**
 * `updateStatusIf` as one statement, so it can join a batch; `guard` is a further condition of the
 * update (the organization's running limit).
 */
export function statusUpdate(
  db: Database | Parameters<Parameters<Database['transaction']>[0]>[0],
  id: string,
  from: WorkspaceStatus,
  to: WorkspaceStatus,
  fields: StatusFields = {},
  guard?: SQL,
  audit?: StatusAudit,
) {
  const now = new Date();
  const at = now.toISOString();
  // A status code belongs to the status it came with: any other change clears it.
  const set: Record<string, unknown> = {
    statusCode: null,
    ...fields,
    status: to,
    statusChangedAt: at,
    updatedAt: at,
  };
  const assignments = sql.join(
    Object.entries(set).map(([key, v]) => sql`${sql.identifier(columnOf[key]!.name)} = ${v ?? null}`),
    sql`, `,
  );
  const ws = cloudWorkspaces;
  const spans = workspaceUsageSpans;
  return db.execute(sql`
    with changed as (
      update ${ws} set ${assignments} where ${ws.id} = ${id} and ${ws.status} = ${from}
        ${guard ? sql`and ${guard}` : sql``} returning *
    ),
    closed as (
      update ${spans} set ended_at = ${at}
      where ${spans.workspaceId} = ${id} and ${spans.endedAt} is null and exists (select 1 from changed)
    ),
    opened as (
      insert into ${spans} (organization_id, workspace_id, workspace_name, user_id, status, started_at)
      select organization_id, id, name, creator_id, status, ${at} from changed
      where status in ('running', 'paused')
    )${
      audit
        ? sql`,
    audited as (${statusAuditInsert(audit)})`
        : sql``
    }
    select * from changed`);
}

const columnOf = getTableColumns(cloudWorkspaces) as Record<
  string,
  { name: string; mapFromDriverValue(v: unknown): unknown }
>;
const columns = Object.entries(columnOf);

/** A raw `cloud_workspaces` row (snake_case, driver values) as drizzle would have returned it. */
export function fromRow(raw: Record<string, unknown>): WorkspaceRow {
  const row: Record<string, unknown> = {};
  for (const [key, col] of columns) {
    const v = raw[col.name];
    row[key] = v === null || v === undefined ? null : col.mapFromDriverValue(v);
  }
  return row as WorkspaceRow;
}

export async function updateWorkspace(
  db: Database,
  id: string,
  fields: Partial<Omit<WorkspaceRow, 'id' | 'status'>>,
): Promise<WorkspaceRow | undefined> {
  const [row] = await db
    .update(cloudWorkspaces)
    .set({ ...fields, updatedAt: new Date() })
    .where(eq(cloudWorkspaces.id, id))
    .returning();
  return row;
}

export async function touchWorkspace(db: Database, id: string) {
  await db
    .update(cloudWorkspaces)
    .set({ lastActiveAt: sql`now()` })
    .where(eq(cloudWorkspaces.id, id));
}

export async function deleteWorkspaceRow(db: Database, id: string) {
  const spans = workspaceUsageSpans;
  // One statement: the row goes and its open usage span ends, together.
  await db.execute(sql`
    with gone as (delete from ${cloudWorkspaces} where ${cloudWorkspaces.id} = ${id} returning id)
    update ${spans} set ${sql.identifier(spans.endedAt.name)} = now()
    where ${spans.workspaceId} in (select id from gone) and ${spans.endedAt} is null`);
}
