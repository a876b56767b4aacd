import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startStack } from '../../scripts/local/stack';
import { freePort } from '../../scripts/local/ports';

const dir = mkdtempSync(join(tmpdir(), 'cw-local-stack-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function signIn(url: string, email: string, password: string) {
  const res = await fetch(`${url}/api/auth/sign-in/email`, {
    method: 'POST',
    headers: { origin: url, 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  return { status: res.status, cookie };
}

describe('the local stack (what npm start runs)', () => {
  it('starts with demo data, stops, and starts again on the same data without duplicating it', async () => {
    const dataDir = join(dir, 'data');
    const opts = {
      dataDir,
      port: await freePort(),
      postgresPort: await freePort(),
      buildWeb: false,
      log: () => {},
    };
    const first = await startStack(opts);
    let orgId: string;
    try {
      expect(await (await fetch(`${first.url}/api/health`)).json()).toEqual({
        ok: true,
        db: 'up',
        vmHost: 'up',
      });
      const { status, cookie } = await signIn(first.url, first.demo!.email, first.demo!.password);
      expect(status).toBe(200);
      orgId = first.demo!.organizationId;
      const repos = await (
        await fetch(`${first.url}/api/repositories?organizationId=${orgId}`, { headers: { cookie } })
      ).json();
      expect(repos.repositories).toEqual([
        expect.objectContaining({ name: 'demo', url: first.demo!.repositoryUrl }),
      ]);
    } finally {
      await first.stop();
    }
    // Postgres insists its data directory stays private.
    expect(statSync(join(dataDir, 'postgres')).mode & 0o077).toBe(0);

    const second = await startStack(opts);
    try {
      expect(second.demo!.organizationId).toBe(orgId);
      const { status, cookie } = await signIn(second.url, second.demo!.email, second.demo!.password);
      expect(status).toBe(200);
      const orgs = await (
        await fetch(`${second.url}/api/auth/organization/list`, { headers: { cookie, origin: second.url } })
      ).json();
      expect(orgs).toHaveLength(1);
      const repos = await (
        await fetch(`${second.url}/api/repositories?organizationId=${orgId}`, { headers: { cookie } })
      ).json();
      expect(repos.repositories).toHaveLength(1);
    } finally {
      await second.stop();
    }
  }, 90_000);
});
