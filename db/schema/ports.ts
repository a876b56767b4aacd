import { integer, pgEnum, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { PORT_VISIBILITIES } from '../../core/ports';
import { user } from './auth';
import { cloudWorkspaces } from './workspaces';

export const portVisibilityEnum = pgEnum('port_visibility', PORT_VISIBILITIES);

/** A port's chosen visibility; a port without a row is private. */
export const workspacePorts = pgTable(
  'workspace_ports',
  {
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => cloudWorkspaces.id, { onDelete: 'cascade' }),
    port: integer('port').notNull(),
    visibility: portVisibilityEnum('visibility').default('private').notNull(),
    updatedBy: text('updated_by').references(() => user.id, { onDelete: 'set null' }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).defaultNow().notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.port] })],
);
