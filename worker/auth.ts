import { betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { organization } from 'better-auth/plugins';
import { apiKey } from '@better-auth/api-key';
import type { Database } from '../db/client';
import * as schema from '../db/schema';
import type { AuthConfig } from '../core/config';

export type { AuthConfig } from '../core/config';

export const API_KEY_PREFIX = 'cw_';

// Built per request: the database handle is per request on Workers (a Pool cannot outlive its request).
export function createAuth(db: Database, config: AuthConfig) {
  return betterAuth({
    baseURL: config.baseURL,
    basePath: '/api/auth',
    secret: config.secret,
    trustedOrigins: config.trustedOrigins,
    database: drizzleAdapter(db, { provider: 'pg', schema, usePlural: false }),
    emailAndPassword: { enabled: config.emailPasswordEnabled, autoSignIn: true, minPasswordLength: 8 },
    socialProviders: {
      ...(config.github ? { github: config.github } : {}),
      ...(config.google ? { google: config.google } : {}),
    },
    telemetry: { enabled: false },
    plugins: [
      organization({ allowUserToCreateOrganization: true }),
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
