import { describe, expect, it } from 'vitest';
import { call, createOrg, signUp, unique } from './helpers';
import { RATE_LIMITS } from '../../worker/lib/rate-limit';

// Limits that hold across isolates (counted in Postgres): an attacker guessing passwords or flooding
// the API from many connections meets the same count.
describe('rate limits', () => {
  const signIn = (email: string, ip: string) =>
    call('/api/auth/sign-in/email', {
      body: { email, password: 'wrong-password-123' },
      headers: { 'cf-connecting-ip': ip },
    });

  it('limits sign-in per email, whatever IP it comes from, with 429 and Retry-After', async () => {
    const email = `target-${unique()}@example.test`;
    const { max } = RATE_LIMITS['sign-in:email'];
    for (let i = 0; i < max; i++) expect((await signIn(email, `10.1.${i}.1`)).status).toBe(401);
    const limited = await signIn(email, '10.9.9.9');
    expect(limited.status).toBe(429);
    expect(limited.json.error.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('limits sign-in per IP across accounts', async () => {
    const ip = `10.2.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
    const { max } = RATE_LIMITS['sign-in:ip'];
    for (let i = 0; i < max; i++) await signIn(`spray-${unique()}@example.test`, ip);
    const limited = await signIn(`spray-${unique()}@example.test`, ip);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBeTruthy();
  }, 60_000);

  it('limits sign-up per email', async () => {
    const email = `dup-${unique()}@example.test`;
    const { max } = RATE_LIMITS['sign-up:email'];
    let last = 0;
    for (let i = 0; i <= max; i++) {
      last = (
        await call('/api/auth/sign-up/email', {
          body: { name: 'x', email, password: 'correct-horse-battery' },
        })
      ).status;
    }
    expect(last).toBe(429);
  });

  it('limits workspace creation per user', async () => {
    const user = await signUp();
    const org = await createOrg(user);
    const { max } = RATE_LIMITS['workspace-create:user'];
    const create = () =>
      call('/api/workspaces', {
        cookie: user.cookie,
        body: { organizationId: org, repositoryId: crypto.randomUUID(), branch: 'main' },
      });
    for (let i = 0; i < max; i++) expect((await create()).status).toBe(404);
    const limited = await create();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBeTruthy();
  }, 60_000);
});
