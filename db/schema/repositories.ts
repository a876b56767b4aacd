import { boolean, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { organization, user } from './auth';

export const repositories = pgTable(
  'repositories',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organization.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    // `owner/name` for GitHub URLs; the webhook matches pushes by it across organizations.
    fullName: text('full_name'),
    name: text('name').notNull(),
    defaultBranch: text('default_branch').notNull().default('main'),
    webhookSecret: text('webhook_secret').notNull(),
    // Setup (docs/setup.md): a command for repositories without a devcontainer.json, its time limit,
    // and whether successful setups are kept as prebuilt snapshots for the next workspace.
    setupCommand: text('setup_command'),
    setupTimeoutMinutes: integer('setup_timeout_minutes').notNull().default(30),
    prebuildsEnabled: boolean('prebuilds_enabled').notNull().default(true),
    createdById: text('created_by_id').references(() => user.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).defaultNow().notNull(),
  },
  (t) => [
    index('repositories_org_idx').on(t.organizationId),
    index('repositories_full_name_idx').on(t.fullName),
    uniqueIndex('repositories_org_url_uidx').on(t.organizationId, t.url),
  ],
);
