import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { user } from './auth';

// One row per GitHub delivery id: a replayed delivery finds its row and does nothing.
// Swept after 30 days by the webhook route (DELIVERY_RETENTION_DAYS).
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    deliveryId: text('delivery_id').primaryKey(),
    event: text('event').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).defaultNow().notNull(),
  },
  (t) => [index('webhook_deliveries_received_at_idx').on(t.receivedAt)],
);

// Who did what to which workspace, and when. Kept after the workspace is deleted.
export const auditEvents = pgTable(
  'audit_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: text('organization_id').notNull(),
    workspaceId: uuid('workspace_id'),
    actorUserId: text('actor_user_id').references(() => user.id, { onDelete: 'set null' }),
    // 'system' for the alarm, the webhook and provisioning; 'user' or 'api_key' otherwise.
    actorType: text('actor_type').notNull(),
    action: text('action').notNull(),
    detail: jsonb('detail'),
    createdAt: timestamp('created_at', { withTimezone: true }).defaultNow().notNull(),
  },
  (t) => [
    index('audit_events_workspace_idx').on(t.workspaceId, t.createdAt),
    index('audit_events_org_idx').on(t.organizationId, t.createdAt),
  ],
);
