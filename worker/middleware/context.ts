import { createMiddleware } from 'hono/factory';
import { parseConfig, type Config } from '../../core/config';
import { createDb, type Database } from '../../db/client';
import { createAuth, type Auth, type Revoker } from '../auth';
import { organizationsOf, revokeSockets } from '../lib/revoke';
import { createMailer } from '../mail/mailer';
import type { AppEnv } from '../types';

let isolateAuth: { env: Env; db: Database; auth: Auth } | undefined;

/**
 * Better Auth is built once per isolate: its database handle (HTTP queries) and the bindings it calls
 * (the rooms, to revoke sockets) outlive a request. Only the per-request Pool of the measuring
 * transport (`DB_TRANSPORT=pool`) needs one built per request.
 */
function authFor(env: Env, config: Config, db: Database): Auth {
  if (isolateAuth?.db === db && isolateAuth.env === env) return isolateAuth.auth;
  const revoke: Revoker = async (orgs, match) =>
    revokeSockets(env, db, orgs ?? (match.userId ? await organizationsOf(db, match.userId) : []), match);
  const auth = createAuth(db, config.auth, createMailer(config, db), revoke);
  if (config.dbTransport === 'http') isolateAuth = { env, db, auth };
  return auth;
}

// Per request: validated config, the database handle and Better Auth (both per isolate).
export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const config = parseConfig(c.env);
  const { db, close } = createDb(config);
  c.set('config', config);
  c.set('db', db);
  c.set('auth', authFor(c.env, config, db));
  try {
    await next();
  } finally {
    // Upgraded WebSockets keep no Pool client, so ending it here is safe for every route.
    try {
      c.executionCtx.waitUntil(close());
    } catch {
      void close();
    }
  }
});
