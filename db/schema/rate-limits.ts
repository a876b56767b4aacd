import { integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

// Fixed-window counters shared by every Worker isolate (an in-memory limit holds per isolate only).
// One row per rule and subject, e.g. `sign-in:email:ada@example.com`; a row is reused when its window ends.
export const rateLimits = pgTable('rate_limits', {
  key: text('key').primaryKey(),
  count: integer('count').notNull(),
  windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
});
