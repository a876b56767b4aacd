import { Hono } from 'hono';
import type { PublicConfigResponse } from '../../core/api/server';
import type { Reply } from '../lib/reply';
import type { AppEnv } from '../types';

// Public: what the sign-in screen may offer. Names no secret, only which providers are configured.
export const publicConfig = new Hono<AppEnv>().get('/', async (c): Reply<PublicConfigResponse> => {
  const { auth, localMode, preview } = c.var.config;
  return c.json(
    {
      localMode,
      providers: { emailPassword: auth.emailPasswordEnabled, github: !!auth.github, google: !!auth.google },
      ...(preview ? { preview: { scheme: preview.scheme, domain: preview.domain } } : {}),
    },
    200,
  );
});
