import { sql } from 'drizzle-orm';
import type { UsageGroup } from '../../core/schemas/organizations';
import type { Database } from '../client';

export interface UsageTotals {
  key: string;
  label: string;
  runningSeconds: number;
  pausedSeconds: number;
}

/**
 * Running and paused seconds of an organization's workspaces within [from, to), from their usage spans
 * (each clipped to the range; an open span runs until now). By day, spans are split at UTC midnight.
 */
export async function usageFor(
  db: Database,
  organizationId: string,
  from: Date,
  to: Date,
  groupBy: UsageGroup,
): Promise<UsageTotals[]> {
  const end = sql`least(coalesce(s.ended_at, now()), ${to}::timestamptz)`;
  const start = sql`greatest(s.started_at, ${from}::timestamptz)`;
  const inRange = sql`s.organization_id = ${organizationId} and s.started_at < ${to}::timestamptz
    and coalesce(s.ended_at, now()) > ${from}::timestamptz`;
  const seconds = (lo: ReturnType<typeof sql>, hi: ReturnType<typeof sql>) =>
    sql`sum(extract(epoch from (${hi} - ${lo})))`;
  const split = (lo: ReturnType<typeof sql>, hi: ReturnType<typeof sql>) => sql`
    coalesce(${seconds(lo, hi)} filter (where s.status = 'running'), 0) as running,
    coalesce(${seconds(lo, hi)} filter (where s.status = 'paused'), 0) as paused`;

  const query =
    groupBy === 'day'
      ? sql`
        select to_char(d.day, 'YYYY-MM-DD') as key, to_char(d.day, 'YYYY-MM-DD') as label,
          ${split(sql`greatest(${start}, d.day)`, sql`least(${end}, d.day + interval '1 day')`)}
        from workspace_usage_spans s
        join generate_series(date_trunc('day', ${from}::timestamptz at time zone 'UTC') at time zone 'UTC',
          ${to}::timestamptz, interval '1 day') as d(day)
          on s.started_at < d.day + interval '1 day' and coalesce(s.ended_at, now()) > d.day
        where ${inRange} and d.day < ${to}::timestamptz
        group by d.day order by d.day`
      : groupBy === 'user'
        ? sql`
        select coalesce(s.user_id, '') as key, coalesce(max(u.name), 'Deleted user') as label,
          ${split(start, end)}
        from workspace_usage_spans s left join "user" u on u.id = s.user_id
        where ${inRange} group by s.user_id order by running desc`
        : sql`
        select s.workspace_id::text as key, max(s.workspace_name) as label, ${split(start, end)}
        from workspace_usage_spans s
        where ${inRange} group by s.workspace_id order by running desc`;
  const result = await db.execute(query);
  return (result.rows as { key: string; label: string; running: unknown; paused: unknown }[]).map((r) => ({
    key: r.key,
    label: r.label,
    runningSeconds: Math.round(Number(r.running) * 1000) / 1000,
    pausedSeconds: Math.round(Number(r.paused) * 1000) / 1000,
  }));
}
