import { Hono } from 'hono';
import { and, eq, gt, sql } from 'drizzle-orm';
import { invitation, organization, user } from '../../db/schema';
import type { PendingInvitationListResponse } from '../../core/api/invitations';
import type { Reply } from '../lib/reply';
import type { AppEnv } from '../types';

/**
 * `GET /api/invitations`: the caller's pending invitations, with the organization's name. Like Better
 * Auth's own list, none until the caller's address is verified: anyone can sign up with an invitee's.
 */
export const invitations = new Hono<AppEnv>().get('/', async (c): Reply<PendingInvitationListResponse> => {
  const [me] = await c.var.db
    .select({ verified: user.emailVerified })
    .from(user)
    .where(eq(user.id, c.var.principal.userId))
    .limit(1);
  if (!me?.verified) return c.json({ invitations: [] }, 200);
  const rows = await c.var.db
    .select({
      id: invitation.id,
      organizationId: invitation.organizationId,
      organizationName: organization.name,
      organizationSlug: organization.slug,
      role: invitation.role,
      inviterName: user.name,
      expiresAt: invitation.expiresAt,
    })
    .from(invitation)
    .innerJoin(organization, eq(organization.id, invitation.organizationId))
    .innerJoin(user, eq(user.id, invitation.inviterId))
    .where(
      and(
        eq(sql`lower(${invitation.email})`, c.var.principal.email.toLowerCase()),
        eq(invitation.status, 'pending'),
        gt(invitation.expiresAt, new Date()),
      ),
    );
  return c.json({ invitations: rows }, 200);
});
