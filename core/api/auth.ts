// What the clients read from Better Auth's own endpoints (/api/auth/*: better-auth core and its
// organization plugin). These are not our routes: the shapes are Better Auth's, as they go over the
// wire (dates as ISO strings), and only the fields we read or show.

export interface User {
  id: string;
  name: string;
  email: string;
  image?: string | null;
  emailVerified?: boolean;
}

/** `GET /api/auth/get-session` (null when signed out). */
export interface AuthSession {
  session: { id: string; userId: string; activeOrganizationId?: string | null; expiresAt: string };
  user: User;
}

/** `POST /api/auth/sign-up/email` and `sign-in/email`. */
export interface SignInResponse {
  user: User;
}

/** `POST /api/auth/sign-in/social`: where to send the browser. */
export interface SocialSignInResponse {
  url?: string;
  redirect?: boolean;
}

export interface Organization {
  id: string;
  name: string;
  slug: string;
  logo?: string | null;
  createdAt: string;
}

/** A membership as accepting an invitation answers it: without the user. */
export interface MemberRecord {
  id: string;
  organizationId: string;
  userId: string;
  role: string;
  createdAt: string;
}

export interface Member extends MemberRecord {
  user: { id: string; name: string; email: string; image?: string | null };
}

export interface Invitation {
  id: string;
  organizationId: string;
  email: string;
  role: string;
  status: 'pending' | 'accepted' | 'rejected' | 'canceled';
  expiresAt: string;
  inviterId: string;
  createdAt?: string;
}

/** `GET /api/auth/organization/get-invitation`. */
export interface InvitationDetails extends Invitation {
  organizationName: string;
  organizationSlug: string;
  inviterEmail: string;
}

/** `GET /api/auth/organization/get-full-organization`. */
export interface FullOrganization extends Organization {
  members: Member[];
  invitations: Invitation[];
}

export interface AcceptInvitationResponse {
  invitation: Invitation;
  member: MemberRecord;
}

export interface RemoveMemberResponse {
  member: Member;
}
