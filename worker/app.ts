import { prebuildStatus } from './routes/prebuilds';
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ErrorCode } from '../core/errors';
import { apiError } from './lib/errors';
import { databaseAnswers, databaseUnavailable, isDatabaseUnavailable } from './lib/dependencies';
import { requestContext } from './middleware/context';
import { requireAuth } from './middleware/auth';
import { inputHygiene } from './middleware/hygiene';
import { csrfForCookies } from './middleware/csrf';
import { authRateLimit } from './middleware/auth-rate-limit';
import { health } from './routes/health';
import { authRoutes } from './routes/auth';
import { publicConfig } from './routes/config';
import { invitations } from './routes/invitations';
import { apiKeys } from './routes/api-keys';
import { me } from './routes/me';
import { repositoriesRoute } from './routes/repositories';
import { workspaces } from './routes/workspaces';
import { command } from './routes/command';
import { terminals, terminalSocket } from './routes/terminals';
import { sessions, workspaceSessions } from './routes/sessions';
import { orgEvents } from './routes/events';
import { organizations } from './routes/organizations';
import { webhooks, workspacePull } from './routes/webhooks';
import { workspaceSetup } from './routes/workspace-setup';
import { devOutbox } from './routes/dev-outbox';
import { organizationSecrets, personalSecrets, repositorySecrets } from './routes/secrets';
import { ports } from './routes/ports';
import { FORWARD_AUTH_PATH, forwardAuthAnswer, previewAuthorize } from './routes/preview-auth';
import type { AppEnv } from './types';

export function createApp() {
  const api = new Hono<AppEnv>()
    .use(requestContext)
    .route('/health', health)
    .route('/config', publicConfig)
    .use('/auth/sign-in/email', authRateLimit('sign-in'))
    .use('/auth/sign-up/email', authRateLimit('sign-up'))
    .route('/auth', authRoutes)
    .route('/dev', devOutbox) // local mode only, unauthenticated: the developer's own mail
    .route('/workspaces', terminalSocket) // authenticates tickets itself
    .route('/preview', previewAuthorize) // a browser navigation: redirects to sign in itself
    .use(csrfForCookies)
    .use(requireAuth)
    .route('/me/secrets', personalSecrets)
    .route('/me', me)
    .route('/api-keys', apiKeys)
    .route('/invitations', invitations)
    .route('/repositories/:id/secrets', repositorySecrets)
    .route('/repositories/:id/prebuild', prebuildStatus)
    .route('/repositories', repositoriesRoute)
    .route('/workspaces', workspaces)
    .route('/workspaces', terminals)
    .route('/workspaces', workspaceSessions)
    .route('/sessions', sessions)
    .route('/organizations', orgEvents)
    .route('/organizations/:id/secrets', organizationSecrets)
    .route('/organizations', organizations)
    .route('/workspaces', workspacePull)
    .route('/workspaces', ports)
    .route('/workspaces', workspaceSetup)
    .route('/cloud-workspace/command', command);

  const app = new Hono<AppEnv>()
    .use('/api/*', inputHygiene)
    .use('/webhooks/*', inputHygiene)
    // Asked by the VM platform before every preview request: kept off the per-request database setup.
    .get(FORWARD_AUTH_PATH, (c) => forwardAuthAnswer(c.req.raw, c.env))
    .route('/api', api)
    .route('/webhooks', webhooks);

  app.notFound((c) => {
    if (c.req.path.startsWith('/api/') || c.req.path.startsWith('/webhooks/')) {
      return c.json(
        { error: { code: ErrorCode.notFound, message: `No route for ${c.req.method} ${c.req.path}` } },
        404,
      );
    }
    // Everything else is the single-page app.
    return c.env.ASSETS ? c.env.ASSETS.fetch(c.req.raw) : c.text('Not found', 404);
  });

  app.onError((err, c) => {
    if (err instanceof HTTPException) {
      const res = err.getResponse();
      if (res.headers.get('content-type')?.includes('application/json')) return res;
      // Hono's own exceptions (malformed JSON body, ...) become our JSON error shape.
      const code = err.status === 400 ? ErrorCode.validation : ErrorCode.internal;
      return apiError(err.status, code, err.message || 'Bad request').getResponse();
    }
    console.error(`${c.req.method} ${c.req.path} failed:`, err);
    if (isDatabaseUnavailable(err)) return databaseUnavailable().getResponse();
    return unexpected(c);
  });

  return app;
}

/** An error nobody caught: a 503 when the database is what failed (down, out of connections), else a 500. */
async function unexpected(c: Context<AppEnv>) {
  const db = c.get('db') as AppEnv['Variables']['db'] | undefined;
  if (!db || (await databaseAnswers(db))) {
    return c.json({ error: { code: ErrorCode.internal, message: 'Something went wrong on our side.' } }, 500);
  }
  return databaseUnavailable().getResponse();
}

export type ApiRoutes = ReturnType<typeof createApp>;
