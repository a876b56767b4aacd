import { api } from './http';
import type {
  AcceptInvitationResponse,
  AuthSession,
  FullOrganization,
  Invitation,
  InvitationDetails,
  Member,
  Organization,
  SignInResponse,
  SocialSignInResponse,
} from '../../../core/api/auth';

// Better Auth's endpoints (better-auth core + the organization plugin), under /api/auth.
const A = '/api/auth';

export const auth = {
  getSession: () => api.get<AuthSession | null>(`${A}/get-session`),
  signUp: (input: { name: string; email: string; password: string; callbackURL?: string }) =>
    api.post<SignInResponse>(`${A}/sign-up/email`, input),
  signIn: (input: { email: string; password: string }) =>
    api.post<SignInResponse>(`${A}/sign-in/email`, input),
  signOut: () => api.post<{ success: boolean }>(`${A}/sign-out`),
  /** Sends the verification link again, to come back to `callbackURL` once verified. */
  sendVerification: (email: string, callbackURL: string) =>
    api.post<{ status: boolean }>(`${A}/send-verification-email`, { email, callbackURL }),
  socialSignIn: (provider: 'github' | 'google', callbackURL: string) =>
    api.post<SocialSignInResponse>(`${A}/sign-in/social`, { provider, callbackURL }),
};

export const orgs = {
  list: () => api.get<Organization[]>(`${A}/organization/list`),
  create: (input: { name: string; slug: string }) =>
    api.post<Organization>(`${A}/organization/create`, input),
  checkSlug: (slug: string) => api.post<{ status: boolean }>(`${A}/organization/check-slug`, { slug }),
  setActive: (organizationId: string) =>
    api.post<Organization>(`${A}/organization/set-active`, { organizationId }),
  full: (organizationId: string) =>
    api.get<FullOrganization>(`${A}/organization/get-full-organization`, { organizationId }),
  invite: (input: { email: string; role: 'member' | 'admin'; organizationId: string }) =>
    api.post<Invitation>(`${A}/organization/invite-member`, input),
  cancelInvitation: (invitationId: string) =>
    api.post<Invitation>(`${A}/organization/cancel-invitation`, { invitationId }),
  myRole: (organizationId: string) =>
    api.get<{ role: string }>(`${A}/organization/get-active-member-role`, { organizationId }),
  removeMember: (memberIdOrEmail: string, organizationId: string) =>
    api.post<{ member: Member }>(`${A}/organization/remove-member`, { memberIdOrEmail, organizationId }),
  getInvitation: (id: string) => api.get<InvitationDetails>(`${A}/organization/get-invitation`, { id }),
  acceptInvitation: (invitationId: string) =>
    api.post<AcceptInvitationResponse>(`${A}/organization/accept-invitation`, { invitationId }),
  rejectInvitation: (invitationId: string) =>
    api.post<unknown>(`${A}/organization/reject-invitation`, { invitationId }),
};
