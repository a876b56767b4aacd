import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from './harness';
import { HTTP_SQL_APPLICATION } from '../../scripts/local/pg-ws-proxy';

// On the real stack: Postgres stopped, and Postgres out of connections ("too many clients", which 100
// concurrent requests used to reach and answer 500).

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => {
  await t?.stop();
});

const expectUnavailable = (r: { status: number; json: any }) => {
  expect(r.status, JSON.stringify(r.json)).toBe(503);
  expect(r.json.error.code).toBe('service_unavailable');
};

async function raw(path: string, init: RequestInit = {}) {
  const res = await fetch(t.stack.url + path, {
    ...init,
    headers: { origin: t.stack.url, 'content-type': 'application/json', ...init.headers },
  });
  const text = await res.text();
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    json: text ? JSON.parse(text) : null,
  };
}

describe('Postgres stopped', () => {
  it('answers signed-in requests and sign-in with 503 and Retry-After, and recovers when it is back', async () => {
    const user = await t.signUp();
    const postgres = t.stack.parts.find((p) => p.name === 'postgres')!;
    await postgres.stop();
    try {
      const keys = await raw('/api/api-keys', { headers: { cookie: user.cookie } });
      expectUnavailable(keys);
      expect(Number(keys.retryAfter)).toBeGreaterThan(0);
      const session = await raw('/api/auth/get-session', { headers: { cookie: user.cookie } });
      expectUnavailable(session);
      const signIn = await raw('/api/auth/sign-in/email', {
        method: 'POST',
        body: JSON.stringify({ email: user.email, password: 'correct-horse-battery' }),
      });
      expectUnavailable(signIn);
      expect(JSON.stringify(signIn.json)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|select /);
    } finally {
      await postgres.start();
    }
    expect((await t.call('/api/api-keys', { cookie: user.cookie })).status).toBe(200);
  });
});

describe('Postgres out of connections', () => {
  it('answers 503, not 500, while every connection is taken', async () => {
    const user = await t.signUp();
    const held: pg.Client[] = [];
    try {
      // The HTTP query path keeps idle connections, as Neon's pooler does: end them first, so what
      // the request needs is a new connection, and none is left.
      const admin = new pg.Client({ connectionString: t.stack.databaseUrl });
      await admin.connect();
      await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1',
        [HTTP_SQL_APPLICATION],
      );
      held.push(admin);
      // Take every connection there is (superusers may use the reserved ones too).
      for (let i = 0; i < 200; i++) {
        const client = new pg.Client({ connectionString: t.stack.databaseUrl });
        try {
          await client.connect();
          held.push(client);
        } catch (err) {
          expect((err as Error).message).toMatch(/too many clients|remaining connection slots/);
          break;
        }
      }
      const r = await raw('/api/api-keys', { headers: { cookie: user.cookie } });
      expectUnavailable(r);
      expect(Number(r.retryAfter)).toBeGreaterThan(0);
    } finally {
      await Promise.all(held.map((c) => c.end().catch(() => {})));
    }
    expect((await t.call('/api/api-keys', { cookie: user.cookie })).status).toBe(200);
  });
});
