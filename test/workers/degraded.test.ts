import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../worker/index';
import { isDatabaseUnavailable } from '../../worker/lib/dependencies';
import { BASE, createApiKey, signUp } from './helpers';

// Postgres down: every signed-in request used to answer 401 (and the web app signed the user out),
// sign-in an empty 500.
const DB_DOWN = { DATABASE_URL: 'postgres://postgres:postgres@127.0.0.1:9/postgres' };

async function fetchWith(overrides: Partial<Env>, path: string, init: RequestInit = {}) {
  const ctx = createExecutionContext();
  const headers = new Headers(init.headers);
  headers.set('origin', BASE);
  if (init.body) headers.set('content-type', 'application/json');
  const res = await worker.fetch(
    new Request(BASE + path, { ...init, headers }) as Parameters<typeof worker.fetch>[0],
    { ...(env as unknown as Env), ...overrides },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : null };
}

const expectUnavailable = (r: Awaited<ReturnType<typeof fetchWith>>) => {
  expect(r.status, r.text).toBe(503);
  expect(r.json.error.code).toBe('service_unavailable');
  expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(r.text).not.toMatch(/127\.0\.0\.1|postgres:|select /i);
};

describe('with Postgres down', () => {
  it('a signed-in request is a 503 with Retry-After, not a 401', async () => {
    const user = await signUp();
    expectUnavailable(await fetchWith(DB_DOWN, '/api/api-keys', { headers: { cookie: user.cookie } }));
    expectUnavailable(
      await fetchWith(DB_DOWN, '/api/auth/get-session', { headers: { cookie: user.cookie } }),
    );
  });

  it('an API key request is a 503 too', async () => {
    const key = await createApiKey(await signUp());
    expectUnavailable(
      await fetchWith(DB_DOWN, '/api/api-keys', { headers: { authorization: `Bearer ${key}` } }),
    );
  });

  it('sign-in answers a 503 with a JSON body, not an empty 500', async () => {
    const r = await fetchWith(DB_DOWN, '/api/auth/sign-in/email', {
      method: 'POST',
      body: JSON.stringify({ email: 'someone@example.test', password: 'correct-horse-battery' }),
    });
    expectUnavailable(r);
  });

  it('a request without credentials is still a 401: nothing needed to know that', async () => {
    const r = await fetchWith(DB_DOWN, '/api/api-keys');
    expect(r.status).toBe(401);
  });
});

describe('Postgres errors that mean "not now"', () => {
  it('are recognised through wrappers (too many clients, shutting down)', () => {
    const tooMany = Object.assign(new Error('sorry, too many clients already'), { code: '53300' });
    expect(isDatabaseUnavailable(new Error('Failed query: select ...', { cause: tooMany }))).toBe(true);
    expect(isDatabaseUnavailable({ code: '57P01', message: 'terminating connection' })).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('dup'), { code: '23505' }))).toBe(false);
  });
});
