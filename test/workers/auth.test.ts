import { describe, expect, it } from 'vitest';
import { call, createApiKey, signUp } from './helpers';

describe('authentication', () => {
  it('signs up, signs in with email and password, and reads the session', async () => {
    const user = await signUp('Ada');
    const session = await call('/api/auth/get-session', { cookie: user.cookie });
    expect(session.status).toBe(200);
    expect(session.json.user.email).toBe(user.email);

    const signIn = await call('/api/auth/sign-in/email', {
      body: { email: user.email, password: 'correct-horse-battery' },
    });
    expect(signIn.status).toBe(200);
    const wrong = await call('/api/auth/sign-in/email', {
      body: { email: user.email, password: 'nope-nope-nope' },
    });
    expect(wrong.status).toBe(401);
  });

  it.each(['/api/repositories?organizationId=x', '/api/api-keys'])(
    'answers 401 JSON to anonymous %s',
    async (path) => {
      const r = await call(path);
      expect(r.status).toBe(401);
      expect(r.json.error.code).toBe('unauthorized');
    },
  );

  it('refuses a forged session cookie and an unknown API key', async () => {
    const forged = await call('/api/api-keys', { cookie: 'better-auth.session_token=forged.signature' });
    expect(forged.status).toBe(401);
    const badKey = await call('/api/api-keys', { apiKey: 'cw_not-a-real-key' });
    expect(badKey.status).toBe(401);
    const notOurs = await call('/api/api-keys', { apiKey: 'ghp_somethingelse' });
    expect(notOurs.status).toBe(401);
  });

  it('accepts an API key as Authorization: Bearer', async () => {
    const user = await signUp();
    const key = await createApiKey(user);
    const r = await call('/api/api-keys', { apiKey: key });
    expect(r.status).toBe(200);
    expect(r.json.apiKeys).toHaveLength(1);
  });

  it('answers an unknown API route with a JSON 404 once signed in, 401 before', async () => {
    expect((await call('/api/nope')).status).toBe(401);
    const user = await signUp();
    const r = await call('/api/nope', { cookie: user.cookie });
    expect(r.status).toBe(404);
    expect(r.json.error.code).toBe('not_found');
  });
});

describe('GET /api/config', () => {
  it('tells anonymous visitors which sign-in methods exist, and nothing secret', async () => {
    const r = await call('/api/config');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      localMode: true,
      providers: { emailPassword: true, github: false, google: false },
      // Where preview URLs live: never the app's own origin.
      preview: { domain: 'localhost', scheme: 'http' },
    });
  });
});

describe('OAuth providers', () => {
  it('offers GitHub sign-in only once its client id and secret are set, redirecting to GitHub', async () => {
    const { createExecutionContext, env, waitOnExecutionContext } = await import('cloudflare:test');
    const worker = (await import('../../worker/index')).default;
    const configured = { ...env, GITHUB_CLIENT_ID: 'gh-client', GITHUB_CLIENT_SECRET: 'gh-secret' } as never;
    const ask = async (path: string, init?: RequestInit) => {
      const ctx = createExecutionContext();
      const req = new Request(`http://cloud-workspaces.test${path}`, init) as Parameters<
        typeof worker.fetch
      >[0];
      const res = await worker.fetch(req, configured, ctx);
      await waitOnExecutionContext(ctx);
      return res;
    };
    const config = await (await ask('/api/config')).json();
    expect(config).toMatchObject({ providers: { github: true, google: false } });
    const res = await ask('/api/auth/sign-in/social', {
      method: 'POST',
      headers: { origin: 'http://cloud-workspaces.test', 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'github', callbackURL: '/' }),
    });
    const body = (await res.json()) as { url: string };
    expect(new URL(body.url).host).toBe('github.com');
    expect(new URL(body.url).searchParams.get('client_id')).toBe('gh-client');
  });
});
