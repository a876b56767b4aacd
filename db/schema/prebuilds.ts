import { index, pgEnum, pgTable, text, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';
import { repositories } from './repositories';

export const PREBUILD_STATUSES = ['building', 'ready', 'failed'] as const;
export const prebuildStatusEnum = pgEnum('prebuild_status', PREBUILD_STATUSES);

/**
 * A VM snapshot taken after a successful setup, keyed by repository, branch and the hash of the setup
 * definition (devcontainer.json + setup command). New workspaces of the same key boot from the newest.
 */
export const prebuilds = pgTable(
  'prebuilds',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    repositoryId: uuid('repository_id')
      .notNull()
      .references(() => repositories.id, { onDelete: 'cascade' }),
    branch: varchar('branch', { length: 255 }).notNull(),
    setupHash: varchar('setup_hash', { length: 64 }).notNull(),
    status: prebuildStatusEnum('status').notNull().default('building'),
    snapshotId: varchar('snapshot_id', { length: 255 }),
    commitSha: varchar('commit_sha', { length: 40 }),
    message: varchar('message', { length: 1000 }),
    createdAt: timestamp('created_at', { withTimezone: true }).defaultNow().notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).defaultNow().notNull(),
  },
  (t) => [index('prebuilds_repo_branch_idx').on(t.repositoryId, t.branch, t.createdAt)],
);
