import type { Paged } from './page';
// `GET /api/invitations` (our route, not Better Auth's) as it goes over the wire: dates are ISO strings.

/** One of the signed-in person's own pending invitations. */
export interface PendingInvitation {
  id: string;
  organizationId: string;
  organizationName: string;
  organizationSlug: string;
  role: string | null;
  inviterName: string;
  expiresAt: string;
}

/** Paged (`?limit=&cursor=`, core/schemas/page.ts). */
export interface PendingInvitationListResponse extends Paged {
  invitations: PendingInvitation[];
}
