import { z } from 'zod';
import { boundedIntQuery, text } from './text';

// Queries of the organization's usage and audit routes.

const MAX_RANGE_DAYS = 366;
const DAY_MS = 86_400_000;

export const USAGE_GROUPS = ['workspace', 'user', 'day'] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];

export const UsageQuery = z
  .object({
    /** ISO dates or times; default: the last 30 days up to now. */
    from: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
    to: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
    groupBy: z.enum(USAGE_GROUPS).default('workspace'),
  })
  .transform((q, ctx) => {
    const to = q.to ? new Date(q.to) : new Date();
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - 30 * DAY_MS);
    if (!(from < to)) {
      ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be before to' });
      return z.NEVER;
    }
    if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['from'],
        message: `the range is at most ${MAX_RANGE_DAYS} days`,
      });
      return z.NEVER;
    }
    return { from, to, groupBy: q.groupBy };
  });

export const AUDIT_PAGE_DEFAULT = 50;
export const AUDIT_PAGE_MAX = 200;

export const AuditQuery = z.object({
  /** The `nextCursor` of the previous page. */
  cursor: text(200).optional(),
  limit: boundedIntQuery(1, AUDIT_PAGE_MAX).optional().default(AUDIT_PAGE_DEFAULT),
});
