import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SshAccessResponse } from '../../core/api/ssh';
import { interactiveSsh, run, sshOptions } from '../../vm-host/test/ssh-client';
import { startTestStack, type TestStack, type TestUser } from './harness';

// Open SSH sessions end with the access they were opened with: a deleted key, a signed-out session,
// a key that expires. Timed from the request that ends the access to the ssh client's exit.

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(() => t.stop());

const ssh = (a: SshAccessResponse, ...cmd: string[]) =>
  run('ssh', [...sshOptions(a.port, a.user), a.host, ...cmd]);

/** An interactive session that has shown its shell works. */
async function openSession(a: SshAccessResponse) {
  const s = interactiveSsh(a.port, a.user);
  s.type('echo up-$((6 * 7))\r');
  await s.waitFor(/up-42/);
  return s;
}

async function keyFor(user: TestUser, organizationId: string): Promise<{ id: string; key: string }> {
  const r = await t.call('/api/api-keys', {
    cookie: user.cookie,
    body: { name: 'ssh', organizationId, permissions: ['exec'] },
  });
  expect(r.status).toBe(201);
  return { id: r.json.id, key: r.json.key };
}

async function signIn(email: string): Promise<string> {
  const res = await fetch(`${t.stack.url}/api/auth/sign-in/email`, {
    method: 'POST',
    headers: { origin: t.stack.url, 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'correct-horse-battery' }),
  });
  expect(res.status).toBe(200);
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

describe('SSH sessions end with their access', () => {
  it("deleting a key ends the SSH sessions opened with it within 1 s; the cookie's stay", async () => {
    const { user, workspace } = await t.runningWorkspace();
    const path = `/api/workspaces/${workspace.id}/ssh`;
    const k = await keyFor(user, workspace.organizationId);
    const viaKey = (await t.call(path, { apiKey: k.key, body: {} })).json as SshAccessResponse;
    const viaCookie = (await t.call(path, { cookie: user.cookie, body: {} })).json as SshAccessResponse;
    const open = await openSession(viaKey);

    const start = Date.now();
    const del = await t.call(`/api/api-keys/${k.id}`, { method: 'DELETE', cookie: user.cookie });
    expect(del.status).toBe(204);
    await open.exited();
    expect(Date.now() - start).toBeLessThan(1000);
    expect((await ssh(viaKey, 'true')).code).toBe(255);
    expect((await ssh(viaCookie, 'echo still')).stdout).toBe('still\n');
  });

  it("signing out ends that session's SSH sessions within 1 s; another sign-in's stay", async () => {
    const { user, workspace } = await t.runningWorkspace();
    const path = `/api/workspaces/${workspace.id}/ssh`;
    const laptop = await signIn(user.email);
    const mine = (await t.call(path, { cookie: user.cookie, body: {} })).json as SshAccessResponse;
    const theirs = (await t.call(path, { cookie: laptop, body: {} })).json as SshAccessResponse;
    const open = await openSession(mine);

    const start = Date.now();
    const out = await t.call('/api/auth/sign-out', { cookie: user.cookie, body: {} });
    expect(out.status).toBe(200);
    await open.exited();
    expect(Date.now() - start).toBeLessThan(1000);
    expect((await ssh(mine, 'true')).code).toBe(255);
    expect((await ssh(theirs, 'echo laptop')).stdout).toBe('laptop\n');
  });

  it('a key that expires ends its SSH session at its expiry: the token never outlives the key', async () => {
    const { user, workspace } = await t.runningWorkspace();
    const k = await keyFor(user, workspace.organizationId);
    // Keys last at least a day through the API; the test moves this one's expiry 6 s ahead.
    const expiresAt = Date.now() + 6000;
    const db = new pg.Client({ connectionString: t.stack.databaseUrl });
    await db.connect();
    await db.query('update apikey set expires_at = $1 where id = $2', [new Date(expiresAt), k.id]);
    await db.end();

    const r = await t.call(`/api/workspaces/${workspace.id}/ssh`, { apiKey: k.key, body: {} });
    expect(r.status).toBe(200);
    const a = r.json as SshAccessResponse;
    expect(Math.abs(Date.parse(a.expiresAt) - expiresAt)).toBeLessThan(1500);
    const open = await openSession(a);
    await open.exited();
    // The room's alarm deletes the identity at the token's expiry, which closes the session.
    expect(Date.now() - expiresAt).toBeLessThan(2000);
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt - 1500);
    expect((await ssh(a, 'true')).code).toBe(255);
  });
});
