// Compiled by tsc (npm run typecheck), never run. The clients read Better Auth's endpoints through the
// wire shapes in core/api/auth.ts (core cannot import better-auth); this checks that what Better Auth's
// API returns, as JSON, still fits them, so a Better Auth upgrade that changes a shape fails here.
import type { JSONParsed } from 'hono/utils/types';
import type * as Wire from '../core/api/auth';
import type { Auth } from './auth';

type Out<K extends keyof Auth['api']> = JSONParsed<Awaited<ReturnType<Auth['api'][K]>>>;
type Fits<A, B> = [A] extends [B] ? true : false;
type Assert<T extends true> = T;

export type BetterAuthFitsCore = [
  Assert<Fits<Out<'getSession'>, Wire.AuthSession | null>>,
  Assert<Fits<Out<'signUpEmail'>, Wire.SignInResponse>>,
  Assert<Fits<Out<'signInEmail'>, Wire.SignInResponse>>,
  Assert<Fits<Out<'signInSocial'>, Wire.SocialSignInResponse>>,
  Assert<Fits<Out<'signOut'>, { success: boolean }>>,
  Assert<Fits<Out<'listOrganizations'>, Wire.Organization[]>>,
  Assert<Fits<Out<'createOrganization'>, Wire.Organization | null>>,
  Assert<Fits<Out<'checkOrganizationSlug'>, { status: boolean }>>,
  Assert<Fits<Out<'setActiveOrganization'>, Wire.Organization | null>>,
  Assert<Fits<Out<'getFullOrganization'>, Wire.FullOrganization | null>>,
  Assert<Fits<Out<'createInvitation'>, Wire.Invitation>>,
  Assert<Fits<Out<'cancelInvitation'>, Wire.Invitation | null>>,
  Assert<Fits<Out<'removeMember'>, Wire.RemoveMemberResponse | null>>,
  Assert<Fits<Out<'getInvitation'>, Wire.InvitationDetails>>,
  Assert<Fits<Out<'acceptInvitation'>, Wire.AcceptInvitationResponse | null>>,
];
