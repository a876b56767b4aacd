import { createMiddleware } from 'hono/factory';
import { parseConfig } from '../../core/config';
import { createDb } from '../../db/client';
import { createAuth, type Revoker } from '../auth';
import { organizationsOf, revokeSockets } from '../lib/revoke';
import { createMailer } from '../mail/mailer';
import type { AppEnv } from '../types';

// Per request: validated config, a database handle (ended after the response) and Better Auth.
export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const config = parseConfig(c.env);
  const { db, close } = createDb(config);
  c.set('config', config);
  c.set('db', db);
  const revoke: Revoker = async (orgs, match) =>
    revokeSockets(c.env, db, orgs ?? (match.userId ? await organizationsOf(db, match.userId) : []), match);
  c.set('auth', createAuth(db, config.auth, createMailer(config, db), revoke));
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
