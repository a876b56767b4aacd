import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

// Locally (LOCAL_MODE) mail is not sent: it is written here, printed by `npm start` and shown at
// /dev/outbox, so a developer can follow verification and invitation links without a mail provider.
export const mailOutbox = pgTable(
  'mail_outbox',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    to: text('to').notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).defaultNow().notNull(),
  },
  (t) => [index('mail_outbox_created_at_idx').on(t.createdAt)],
);
