import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { addMember, call, createOrg, signUp, unique, type TestUser } from './helpers';
import { RATE_LIMITS } from '../../worker/lib/rate-limit';
import { parseConfig } from '../../core/config';
import { createDb } from '../../db/client';
import { cloudWorkspaces } from '../../db/schema';

/** A stopped workspace row of `user`'s (no VM: the limit is counted before the room is asked). */
async function stoppedWorkspace(user: TestUser, org: string): Promise<string> {
  const repo = await call('/api/repositories', {
    cookie: user.cookie,
    body: { organizationId: org, url: `https://github.com/acme/rl-${unique()}` },
  });
  const { db, close } = createDb(parseConfig(env as unknown as Env));
  try {
    const [ws] = await db
      .insert(cloudWorkspaces)
      .values({
        organizationId: org,
        repositoryId: repo.json.repository.id,
        branch: 'main',
        name: 'rl',
        creatorId: user.id,
        status: 'stopped',
      })
      .returning();
    return ws!.id;
  } finally {
    await close();
  }
}

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

  it('limits sign-up per IP, but not the loopback clients of a local stack (wrangler dev stamps them all)', async () => {
    const { max } = RATE_LIMITS['sign-up:ip'];
    const signUpFrom = async (ip: string) =>
      (
        await call('/api/auth/sign-up/email', {
          body: { name: 'x', email: `ip-${unique()}@example.test`, password: 'correct-horse-battery' },
          headers: { 'cf-connecting-ip': ip },
        })
      ).status;
    const ip = `10.3.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
    const remote: number[] = [];
    const loopback: number[] = [];
    for (let i = 0; i <= max; i++) {
      remote.push(await signUpFrom(ip));
      loopback.push(await signUpFrom('127.0.0.1'));
    }
    expect(remote.at(-1)).toBe(429);
    expect(loopback.filter((s) => s === 429)).toEqual([]);
  }, 60_000);

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

  it('limits exec per user across both command routes, with 429 and Retry-After; others are not limited', async () => {
    const user = await signUp();
    const org = await createOrg(user);
    const id = await stoppedWorkspace(user, org);
    const { max } = RATE_LIMITS['exec:user'];
    const exec = (u: TestUser, i: number) =>
      i % 2
        ? call(`/api/workspaces/${id}/exec`, { cookie: u.cookie, body: { command: 'true' } })
        : call('/api/cloud-workspace/command', {
            cookie: u.cookie,
            body: { workspaceId: id, command: 'true' },
          });
    // Counted before the room answers: a stopped workspace's 409 counts as an exec tried.
    for (let i = 0; i < max; i++) expect((await exec(user, i)).status).toBe(409);
    for (const i of [0, 1]) {
      const limited = await exec(user, i);
      expect(limited.status).toBe(429);
      expect(limited.json.error.code).toBe('rate_limited');
      const retry = Number(limited.headers.get('retry-after'));
      expect(retry).toBeGreaterThan(0);
      expect(retry).toBeLessThanOrEqual(RATE_LIMITS['exec:user'].windowS);
    }
    // A teammate's execs are their own count.
    const mate = await signUp();
    await addMember(user, org, mate);
    expect((await exec(mate, 1)).status).toBe(409);
  }, 120_000);
});
