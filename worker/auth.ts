import { betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { organization } from 'better-auth/plugins';
import { apiKey } from '@better-auth/api-key';
import type { Database } from '../db/client';
import * as schema from '../db/schema';
import type { AuthConfig } from '../core/config';
import type { Mailer } from './mail/mailer';
import type { RevokeMatch } from '../durable-objects/room/contract';

export type { AuthConfig } from '../core/config';

export const API_KEY_PREFIX = 'cw_';

/**
 * How long a session is read from its signed cookie instead of the database. Every route that takes
 * a session checks in its own statement (or batch) that it still exists (worker/lib/membership.ts),
 * and Better Auth's own routes never see the cache (routes/auth.ts), so signing out or a revocation
 * holds everywhere at once (test/workers/authorization.test.ts, the `revoked` caller).
 */
export const SESSION_COOKIE_CACHE_SECONDS = 60;

/** Better Auth's cookie names on https: `__Host-better-auth.session_token`, ... */
export const HOST_COOKIE_PREFIX = '__Host-better-auth';

/**
 * On https every cookie of ours is `__Host-`: a browser keeps such a cookie only when it comes from
 * this very host with Secure, Path=/ and no Domain, so no other host under the same parent domain (a
 * previewed app, a sibling site) can plant or shadow one. Better Auth's own `__Secure-` prefix allows
 * Domain, so it is turned off for ours. Plain http (local) keeps Better Auth's plain names.
 */
export function cookieOptions(baseURL: string) {
  if (!baseURL.startsWith('https://')) return undefined;
  return {
    useSecureCookies: false,
    cookiePrefix: HOST_COOKIE_PREFIX,
    defaultCookieAttributes: { secure: true, path: '/' },
  };
}

/** Closes a principal's open sockets in these organizations (null: every organization of match.userId). */
export type Revoker = (organizationIds: string[] | null, match: RevokeMatch) => Promise<void>;

/** Built once per isolate (worker/middleware/context.ts): nothing in it belongs to one request. */
export function createAuth(
  db: Database,
  config: AuthConfig,
  mailer: Mailer = async () => {},
  revoke: Revoker = async () => {},
) {
  // A provider that is down must not fail a sign-up: the person can ask for the link again.
  const send: Mailer = (m) =>
    mailer(m).catch((err) => console.error(`mail "${m.subject}" failed:`, (err as Error)?.message ?? err));
  return betterAuth({
    baseURL: config.baseURL,
    basePath: '/api/auth',
    secret: config.secret,
    trustedOrigins: config.trustedOrigins,
    database: drizzleAdapter(db, { provider: 'pg', schema, usePlural: false }),
    session: { cookieCache: { enabled: true, maxAge: SESSION_COOKIE_CACHE_SECONDS } },
    advanced: cookieOptions(config.baseURL),
    emailAndPassword: { enabled: config.emailPasswordEnabled, autoSignIn: true, minPasswordLength: 8 },
    // Owning an address is proved by a link sent to it: invitations need it (below).
    emailVerification: {
      sendOnSignUp: true,
      autoSignInAfterVerification: true,
      sendVerificationEmail: async ({ user, url }) =>
        send({
          to: user.email,
          subject: 'Verify your email for Cloud Workspaces',
          text: `Open this link to verify ${user.email}:\n\n${url}\n\nIf you did not sign up, ignore this mail.`,
        }),
    },
    socialProviders: {
      ...(config.github ? { github: config.github } : {}),
      ...(config.google ? { google: config.google } : {}),
    },
    telemetry: { enabled: false },
    // Signing out (or a revoked session) ends that session's open terminal and live sockets at once.
    databaseHooks: {
      session: {
        delete: {
          after: async (session) => revoke(null, { userId: session.userId, authSessionId: session.id }),
        },
      },
    },
    plugins: [
      organization({
        allowUserToCreateOrganization: true,
        // Anyone can sign up with an invitee's address; only one who proved it may accept (or an OAuth
        // login whose provider verified it). Better Auth also checks that the addresses match.
        requireEmailVerificationOnInvitation: true,
        // A removed member keeps no shell and no live socket in the organization.
        organizationHooks: {
          afterRemoveMember: async ({ member, organization: org }) =>
            revoke([org.id], { userId: member.userId }),
        },
        sendInvitationEmail: async ({ email, organization: org, inviter, id }) =>
          send({
            to: email,
            subject: `${inviter.user.name} invited you to ${org.name} on Cloud Workspaces`,
            text: `Join ${org.name}: ${new URL(`/invite/${id}`, config.baseURL)}`,
          }),
      }),
      apiKey({
        defaultPrefix: API_KEY_PREFIX,
        // Keys are checked by our own middleware (Authorization: Bearer), not by a mocked session.
        enableSessionForAPIKeys: false,
        rateLimit: { enabled: false },
        // A key's organization; its permissions are Better Auth's own field.
        enableMetadata: true,
      }),
    ],
  });
}

export type Auth = ReturnType<typeof createAuth>;
