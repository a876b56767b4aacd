import { index, pgTable, text, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';
import { workspaceStatusEnum } from './workspaces';

// Running and paused time, exact: one span per stretch a workspace spends running or paused, opened and
// closed by the same statement that changes its status (db/queries/workspaces.ts). Kept after the
// workspace is deleted, so an organization's usage does not forget it; names are copied for that.
export const workspaceUsageSpans = pgTable(
  'workspace_usage_spans',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: text('organization_id').notNull(),
    workspaceId: uuid('workspace_id').notNull(),
    workspaceName: varchar('workspace_name', { length: 255 }).notNull(),
    /** The workspace's creator: usage by user counts whose workspaces ran. */
    userId: text('user_id'),
    status: workspaceStatusEnum('status').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }).notNull(),
    endedAt: timestamp('ended_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    index('workspace_usage_spans_org_idx').on(t.organizationId, t.startedAt),
    index('workspace_usage_spans_open_idx').on(t.workspaceId, t.endedAt),
  ],
);
