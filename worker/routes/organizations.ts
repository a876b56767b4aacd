import { Hono } from 'hono';
import type { AuditPage, LimitsResponse, UsageResponse } from '../../core/api/organizations';
import { LimitsPatch, type Limits } from '../../core/limits';
import { organizationLimits } from '../../db/schema';
import { recordAudit } from '../../db/audit';
import { limitsFor, workspaceCounts } from '../../db/queries/limits';
import { ErrorCode } from '../../core/errors';
import { AuditQuery, UsageQuery, type UsageGroup } from '../../core/schemas/organizations';
import type { Database } from '../../db/client';
import { auditPage, decodeCursor, encodeCursor } from '../../db/queries/audit';
import { usageFor } from '../../db/queries/usage';
import { apiError } from '../lib/errors';
import { authorize } from '../lib/membership';
import type { Reply } from '../lib/reply';
import { json, query } from '../lib/validate';
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
    await authorize(db, principal, organizationId, 'organization.usage');
    return c.json(await usage(db, organizationId, c.req.valid('query')), 200);
  })
  /** The same numbers as a spreadsheet. */
  .get('/:id/usage.csv', query(UsageQuery), async (c) => {
    const { db, principal } = c.var;
    const organizationId = c.req.param('id');
    await authorize(db, principal, organizationId, 'organization.usage');
    const body = await usage(db, organizationId, c.req.valid('query'));
    return c.body(usageCsv(body), 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="usage-by-${body.groupBy}.csv"`,
    });
  })
  .get('/:id/audit', query(AuditQuery), async (c): Reply<AuditPage> => {
    const { db, principal } = c.var;
    const organizationId = c.req.param('id');
    await authorize(db, principal, organizationId, 'organization.audit');
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
  })
  .get('/:id/limits', async (c): Reply<LimitsResponse> => {
    const { db, principal, config } = c.var;
    const organizationId = c.req.param('id');
    await authorize(db, principal, organizationId, 'organization.usage');
    return c.json(await limitsView(db, organizationId, config.limits), 200);
  })
  .patch('/:id/limits', json(LimitsPatch), async (c): Reply<LimitsResponse> => {
    const { db, principal, config } = c.var;
    const organizationId = c.req.param('id');
    await authorize(db, principal, organizationId, 'organization.manageLimits');
    const patch = c.req.valid('json');
    await db
      .insert(organizationLimits)
      .values({ organizationId, ...patch, updatedBy: principal.userId })
      .onConflictDoUpdate({
        target: organizationLimits.organizationId,
        set: { ...patch, updatedBy: principal.userId, updatedAt: new Date() },
      });
    await recordAudit(db, {
      organizationId,
      actorType: principal.via === 'api_key' ? 'api_key' : 'user',
      actorUserId: principal.userId,
      action: 'limits_changed',
      detail: patch,
    });
    return c.json(await limitsView(db, organizationId, config.limits), 200);
  });

async function limitsView(db: Database, organizationId: string, defaults: Limits): Promise<LimitsResponse> {
  const [limits, counts] = await Promise.all([
    limitsFor(db, organizationId, defaults),
    workspaceCounts(db, organizationId),
  ]);
  return { limits, defaults, usage: { workspaces: counts.total, running: counts.running } };
}
