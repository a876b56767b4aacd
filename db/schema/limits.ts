import { integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { organization } from './auth';

// An organization's own limits; a null column means the configured default (core/limits.ts).
export const organizationLimits = pgTable('organization_limits', {
  organizationId: text('organization_id')
    .primaryKey()
    .references(() => organization.id, { onDelete: 'cascade' }),
  workspaces: integer('workspaces'),
  running: integer('running'),
  windows: integer('windows'),
  terminalSockets: integer('terminal_sockets'),
  sessionsPerUser: integer('sessions_per_user'),
  updatedBy: text('updated_by'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).defaultNow().notNull(),
});
