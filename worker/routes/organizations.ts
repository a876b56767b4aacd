import { Hono } from 'hono';
import type { AuditPage, UsageResponse } from '../../core/api/organizations';
import { ErrorCode } from '../../core/errors';
import { AuditQuery, UsageQuery, type UsageGroup } from '../../core/schemas/organizations';
import type { Database } from '../../db/client';
import { auditPage, decodeCursor, encodeCursor } from '../../db/queries/audit';
import { usageFor } from '../../db/queries/usage';
import { apiError } from '../lib/errors';
import { assertMember, assertRole } from '../lib/membership';
import type { Reply } from '../lib/reply';
import { query } from '../lib/validate';
import type { AppEnv } from '../types';
import { usageCsv } from './usage-csv';

async function usage(
  db: Database,
  organizationId: string,
  q: { from: Date; to: Date; groupBy: UsageGroup },
): Promise<UsageResponse> {
  const rows = await usageFor(db, organizationId, q.from, q.to, q.groupBy);
  const sum = (k: 'runningSeconds' | 'pausedSeconds') =>
    Math.round(rows.reduce((n, r) => n + r[k], 0) * 1000) / 1000;
  return {
    from: q.from.toISOString(),
    to: q.to.toISOString(),
    groupBy: q.groupBy,
    rows,
    totals: { runningSeconds: sum('runningSeconds'), pausedSeconds: sum('pausedSeconds') },
  };
}

/** An organization's usage (every member) and audit trail (owners and admins). */
export const organizations = new Hono<AppEnv>()
  .get('/:id/usage', query(UsageQuery), async (c): Reply<UsageResponse> => {
    const { db, principal } = c.var;
    const organizationId = c.req.param('id');
    await assertMember(db, principal.userId, organizationId);
    return c.json(await usage(db, organizationId, c.req.valid('query')), 200);
  })
  /** The same numbers as a spreadsheet. */
  .get('/:id/usage.csv', query(UsageQuery), async (c) => {
    const { db, principal } = c.var;
    const organizationId = c.req.param('id');
    await assertMember(db, principal.userId, organizationId);
    const body = await usage(db, organizationId, c.req.valid('query'));
    return c.body(usageCsv(body), 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="usage-by-${body.groupBy}.csv"`,
    });
  })
  .get('/:id/audit', query(AuditQuery), async (c): Reply<AuditPage> => {
    const { db, principal } = c.var;
    const organizationId = c.req.param('id');
    await assertRole(db, principal.userId, organizationId, ['owner', 'admin'], 'read the audit log');
    const { cursor, limit } = c.req.valid('query');
    const after = cursor ? decodeCursor(cursor) : undefined;
    if (after === null)
      throw apiError(400, ErrorCode.validation, 'cursor: is not a cursor of this list', { field: 'cursor' });
    const page = await auditPage(db, organizationId, limit, after);
    return c.json(
      {
        events: page.events.map((e) => ({
          ...e,
          detail: (e.detail as Record<string, unknown> | null) ?? null,
          createdAt: e.createdAt.toISOString(),
        })),
        nextCursor: page.next ? encodeCursor(page.next) : null,
      },
      200,
    );
  });
