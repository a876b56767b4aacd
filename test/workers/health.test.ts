import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../worker/index';

async function health(overrides: Partial<Env>) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request('http://cloud-workspaces.test/api/health') as Parameters<typeof worker.fetch>[0],
    { ...(env as unknown as Env), ...overrides },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { status: res.status, json: await res.json() };
}

describe('GET /api/health', () => {
  it('is ok when Postgres and the VM host answer', async () => {
    expect(await health({})).toEqual({ status: 200, json: { ok: true, db: 'up', vmHost: 'up' } });
  });

  it('answers 503 naming the VM host when it is down', async () => {
    const r = await health({ VM_API_URL: 'http://127.0.0.1:9' });
    expect(r).toEqual({ status: 503, json: { ok: false, db: 'up', vmHost: 'down' } });
  });

  it('answers 503 naming the database when it is down', async () => {
    const r = await health({ DATABASE_URL: 'postgres://postgres:postgres@127.0.0.1:9/postgres' });
    expect(r.status).toBe(503);
    expect(r.json).toEqual({ ok: false, db: 'down', vmHost: 'up' });
  });
});
