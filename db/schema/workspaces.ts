import {
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';
import { organization, user } from './auth';
import { repositories } from './repositories';
import { WORKSPACE_STATUSES } from '../../core/workspace-state';
import { CLIENT_TYPES } from '../../core/schemas/sessions';
import type { WorkspaceSetup } from '../../core/api/setup';

export const workspaceStatusEnum = pgEnum('cloud_workspace_status', WORKSPACE_STATUSES);
export const clientTypeEnum = pgEnum('client_type', CLIENT_TYPES);

export const cloudWorkspaces = pgTable(
  'cloud_workspaces',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organization.id, { onDelete: 'cascade' }),
    repositoryId: uuid('repository_id')
      .notNull()
      .references(() => repositories.id, { onDelete: 'cascade' }),
    name: varchar('name', { length: 255 }).notNull(),
    branch: varchar('branch', { length: 255 }).notNull(),
    freestyleVmId: varchar('freestyle_vm_id', { length: 255 }),
    status: workspaceStatusEnum('status').default('provisioning').notNull(),
    statusMessage: varchar('status_message', { length: 1000 }),
    // Why the status is what it is, for machines: `vm_crashed` for an error whose VM stopped on its own.
    statusCode: varchar('status_code', { length: 64 }),
    lastCommitSha: varchar('last_commit_sha', { length: 40 }),
    // Set when a push arrived while the workspace was not running: pulled when it next runs.
    pendingPull: boolean('pending_pull').default(false).notNull(),
    // Why the last auto-pull did or did not happen ("pulled abc1234", "uncommitted changes", ...).
    pullMessage: varchar('pull_message', { length: 1000 }),
    provisionAttempts: integer('provision_attempts').default(0).notNull(),
    autoStopMinutes: integer('auto_stop_minutes').default(30).notNull(),
    // The repository's setup as it last ran here (core/api/setup.ts), and the hash of its definition.
    setup: jsonb('setup').$type<WorkspaceSetup>().default({ status: 'none' }).notNull(),
    setupHash: varchar('setup_hash', { length: 64 }),
    creatorId: text('creator_id')
      .notNull()
      .references(() => user.id),
    createdAt: timestamp('created_at', { withTimezone: true }).defaultNow().notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).defaultNow().notNull(),
    statusChangedAt: timestamp('status_changed_at', { withTimezone: true }).defaultNow().notNull(),
    lastActiveAt: timestamp('last_active_at', { withTimezone: true }).defaultNow().notNull(),
  },
  (t) => [
    index('cloud_workspaces_org_status_idx').on(t.organizationId, t.status),
    index('cloud_workspaces_repo_branch_idx').on(t.repositoryId, t.branch),
  ],
);

export const cloudWorkspaceSessions = pgTable(
  'cloud_workspace_sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => cloudWorkspaces.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    clientType: clientTypeEnum('client_type').notNull(),
    clientInfo: varchar('client_info', { length: 255 }),
    localWorktreePath: varchar('local_worktree_path', { length: 1000 }),
    localSyncEnabled: boolean('local_sync_enabled').default(false).notNull(),
    connectedAt: timestamp('connected_at', { withTimezone: true }).defaultNow().notNull(),
    lastHeartbeatAt: timestamp('last_heartbeat_at', { withTimezone: true }).defaultNow().notNull(),
  },
  (t) => [
    index('cloud_workspace_sessions_workspace_idx').on(t.workspaceId),
    index('cloud_workspace_sessions_user_idx').on(t.userId),
  ],
);
