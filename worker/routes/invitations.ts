import { Hono } from 'hono';
import { and, desc, eq, gt, sql } from 'drizzle-orm';
import { PageQuery } from '../../core/schemas/page';
import { afterCursor, cursorAt, toPage } from '../../db/queries/page';
import { cursorParam } from '../lib/page';
import { query } from '../lib/validate';
import { invitation, organization, user } from '../../db/schema';
import type { PendingInvitationListResponse } from '../../core/api/invitations';
import type { Reply } from '../lib/reply';
import type { AppEnv } from '../types';
import { signedInSql } from '../lib/membership';
import { unauthorized } from '../lib/errors';

/**
 * `GET /api/invitations`: the caller's pending invitations, with the organization's name. Like Better
 * Auth's own list, none until the caller's address is verified: anyone can sign up with an invitee's.
 */
export const invitations = new Hono<AppEnv>().get(
  '/',
  query(PageQuery),
  async (c): Reply<PendingInvitationListResponse> => {
    const page = c.req.valid('query');
    const after = afterCursor(invitation.createdAt, invitation.id, cursorParam(page.cursor), {
      at: 'timestamp',
      id: 'text',
    });
    // The session cookie is read from its cache: whether it was signed out since, in the same statement.
    const [me] = await c.var.db
      .select({ verified: user.emailVerified, signedIn: signedInSql(c.var.principal).mapWith(Boolean) })
      .from(user)
      .where(eq(user.id, c.var.principal.userId))
      .limit(1);
    if (!me?.signedIn) throw unauthorized();
    if (!me.verified) return c.json({ invitations: [], nextCursor: null }, 200);
    const rows = await c.var.db
      .select({
        id: invitation.id,
        organizationId: invitation.organizationId,
        organizationName: organization.name,
        organizationSlug: organization.slug,
        role: invitation.role,
        inviterName: user.name,
        expiresAt: invitation.expiresAt,
        cursorAt: cursorAt(invitation.createdAt),
      })
      .from(invitation)
      .innerJoin(organization, eq(organization.id, invitation.organizationId))
      .innerJoin(user, eq(user.id, invitation.inviterId))
      .where(
        and(
          eq(sql`lower(${invitation.email})`, c.var.principal.email.toLowerCase()),
          eq(invitation.status, 'pending'),
          gt(invitation.expiresAt, new Date()),
          after,
        ),
      )
      .orderBy(desc(invitation.createdAt), desc(invitation.id))
      .limit(page.limit + 1);
    const { rows: list, nextCursor } = toPage(rows, page.limit);
    return c.json({ invitations: list, nextCursor }, 200);
  },
);
