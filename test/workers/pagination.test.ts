import { describe, expect, it } from 'vitest';
import { call, createOrg, demoRepoUrl, signUp, unique, type TestUser } from './helpers';

// Every list pages with `?limit=` (default 50, at most 200) and `?cursor=` (the page before's
// `nextCursor`). A walk returns each row once, however many rows arrive meanwhile.

/** Follows `nextCursor` from the first page to the last; every page's ids, in order. */
async function walk(path: string, key: string, who: { cookie?: string; apiKey?: string }, limit: number) {
  const pages: string[][] = [];
  let cursor: string | null = null;
  const sep = path.includes('?') ? '&' : '?';
  do {
    const q = `${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const r = await call(path + q, who);
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    pages.push((r.json[key] as { id: string }[]).map((x) => x.id));
    cursor = r.json.nextCursor;
    expect(pages.length, 'the walk ends').toBeLessThan(50);
  } while (cursor);
  return pages;
}

async function addRepository(user: TestUser, org: string, i: number) {
  const r = await call('/api/repositories', {
    cookie: user.cookie,
    body: { organizationId: org, url: `https://github.com/acme-${unique()}/repo-${i}` },
  });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return r.json.repository.id as string;
}

describe('paged lists', () => {
  it('walks repositories page by page: every row once, newest first, and none twice when one arrives mid-walk', async () => {
    const user = await signUp();
    const org = await createOrg(user);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push(await addRepository(user, org, i));
    const path = `/api/repositories?organizationId=${org}`;
    const pages = await walk(path, 'repositories', user, 3);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual([...ids].reverse());

    // A repository added after the first page is not on a later one, and nothing shifts.
    const first = await call(`${path}&limit=3`, user);
    await addRepository(user, org, 99);
    const rest = await call(`${path}&limit=200&cursor=${encodeURIComponent(first.json.nextCursor)}`, user);
    const seen = [...first.json.repositories, ...rest.json.repositories].map((r: { id: string }) => r.id);
    expect(seen).toEqual([...ids].reverse());
    expect(rest.json.nextCursor).toBeNull();
  });

  it('pages workspaces, API keys and invitations the same way', async () => {
    const owner = await signUp();
    const org = await createOrg(owner);
    const repo = await call('/api/repositories', {
      cookie: owner.cookie,
      body: { organizationId: org, url: demoRepoUrl() },
    });
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      const w = await call('/api/workspaces', {
        cookie: owner.cookie,
        body: { organizationId: org, repositoryId: repo.json.repository.id, branch: 'main', name: `w${i}` },
      });
      expect(w.status).toBe(201);
      made.push(w.json.workspace.id);
    }
    const ws = await walk(`/api/workspaces?organizationId=${org}`, 'workspaces', owner, 2);
    expect(ws.map((p) => p.length)).toEqual([2, 1]);
    expect(ws.flat()).toEqual([...made].reverse());
    const active = await walk(`/api/workspaces/active?organizationId=${org}`, 'workspaces', owner, 2);
    expect(active.flat().sort()).toEqual([...made].sort());

    const keys: string[] = [];
    for (let i = 0; i < 3; i++) {
      const k = await call('/api/api-keys', {
        cookie: owner.cookie,
        body: { name: `k${i}`, organizationId: org },
      });
      expect(k.status).toBe(201);
      keys.push(k.json.id);
    }
    const keyPages = await walk('/api/api-keys', 'apiKeys', owner, 2);
    expect(keyPages.map((p) => p.length)).toEqual([2, 1]);
    expect(keyPages.flat().sort()).toEqual([...keys].sort());

    const invitee = await signUp();
    const invited: string[] = [];
    for (let i = 0; i < 3; i++) {
      const o = await createOrg(owner, `Org ${i}`);
      const inv = await call('/api/auth/organization/invite-member', {
        cookie: owner.cookie,
        body: { email: invitee.email, role: 'member', organizationId: o },
      });
      expect(inv.status).toBe(200);
      invited.push(inv.json.id);
    }
    const invPages = await walk('/api/invitations', 'invitations', invitee, 2);
    expect(invPages.map((p) => p.length)).toEqual([2, 1]);
    expect(invPages.flat().sort()).toEqual([...invited].sort());
  }, 60_000);

  it("pages a workspace's sessions the same way, newest connection first", async () => {
    const owner = await signUp();
    const org = await createOrg(owner);
    const repo = await call('/api/repositories', {
      cookie: owner.cookie,
      body: { organizationId: org, url: demoRepoUrl() },
    });
    const w = await call('/api/workspaces', {
      cookie: owner.cookie,
      body: { organizationId: org, repositoryId: repo.json.repository.id, branch: 'main' },
    });
    const id = w.json.workspace.id as string;
    const opened: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await call(`/api/workspaces/${id}/sessions`, {
        cookie: owner.cookie,
        body: { clientType: 'web' },
      });
      expect(r.status, JSON.stringify(r.json)).toBe(201);
      opened.push(r.json.sessionId);
    }
    const pages = await walk(`/api/workspaces/${id}/sessions`, 'sessions', owner, 2);
    expect(pages.map((p) => p.length)).toEqual([2, 1]);
    expect(pages.flat()).toEqual([...opened].reverse());
    for (const bad of ['limit=0', 'limit=201', 'limit=abc']) {
      const r = await call(`/api/workspaces/${id}/sessions?${bad}`, owner);
      expect(r.status, bad).toBe(400);
      expect(r.json.error).toMatchObject({ code: 'validation_error', field: 'limit' });
    }
    for (const bad of ['nonsense', btoa('secret|A'), btoa('not a date|abc')]) {
      const r = await call(`/api/workspaces/${id}/sessions?cursor=${encodeURIComponent(bad)}`, owner);
      expect(r.status, bad).toBe(400);
      expect(r.json.error).toMatchObject({ code: 'validation_error', field: 'cursor' });
    }
  }, 60_000);

  it('pages the secrets of each scope by name, the same way', async () => {
    const user = await signUp();
    const org = await createOrg(user);
    const repo = await call('/api/repositories', {
      cookie: user.cookie,
      body: { organizationId: org, url: demoRepoUrl() },
    });
    const scopes = [
      `/api/organizations/${org}/secrets`,
      `/api/repositories/${repo.json.repository.id}/secrets`,
      '/api/me/secrets',
    ];
    const names = ['ZETA', 'ALPHA', 'MIKE', 'BRAVO', 'KILO'];
    for (const base of scopes) {
      for (const name of names) {
        const r = await call(`${base}/${name}`, { cookie: user.cookie, method: 'PUT', body: { value: 'v' } });
        expect(r.status, JSON.stringify(r.json)).toBe(200);
      }
      const pages: string[][] = [];
      let cursor: string | null = null;
      do {
        const q = `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const r = await call(base + q, user);
        expect(r.status, JSON.stringify(r.json)).toBe(200);
        pages.push(r.json.secrets.map((x: { name: string }) => x.name));
        cursor = r.json.nextCursor;
        expect(pages.length).toBeLessThan(10);
      } while (cursor);
      expect(pages).toEqual([['ALPHA', 'BRAVO'], ['KILO', 'MIKE'], ['ZETA']]);
      // A name added behind the walk's cursor is not on a later page; one ahead of it is.
      const first = await call(`${base}?limit=2`, user);
      await call(`${base}/AARDVARK`, { cookie: user.cookie, method: 'PUT', body: { value: 'v' } });
      await call(`${base}/YANKEE`, { cookie: user.cookie, method: 'PUT', body: { value: 'v' } });
      const rest = await call(`${base}?limit=200&cursor=${encodeURIComponent(first.json.nextCursor)}`, user);
      expect(rest.json.secrets.map((x: { name: string }) => x.name)).toEqual([
        'KILO',
        'MIKE',
        'YANKEE',
        'ZETA',
      ]);
      expect(rest.json.nextCursor).toBeNull();
      const byDefault = await call(base, user);
      expect(byDefault.json.secrets).toHaveLength(7);
      expect(byDefault.json.nextCursor).toBeNull();
      for (const bad of ['limit=0', 'limit=201', 'limit=-1', 'limit=abc', 'limit=1.5']) {
        const r = await call(`${base}?${bad}`, user);
        expect(r.status, `${base}?${bad}`).toBe(400);
        expect(r.json.error).toMatchObject({ code: 'validation_error', field: 'limit' });
      }
      // Not a cursor, another list's cursor (a port's, a workspace's), a name no secret may have.
      for (const bad of [
        'nonsense',
        btoa('port|3000'),
        btoa('2026-01-01|x'),
        btoa('secret|no-dash'),
        'x'.repeat(201),
      ]) {
        const r = await call(`${base}?cursor=${encodeURIComponent(bad)}`, user);
        expect(r.status, `${base}?cursor=${bad}`).toBe(400);
        expect(r.json.error).toMatchObject({ code: 'validation_error', field: 'cursor' });
      }
    }
  }, 60_000);

  it('gives 50 rows by default and up to 200 when asked; refuses other limits and bad cursors with 400', async () => {
    const user = await signUp();
    const org = await createOrg(user);
    for (let i = 0; i < 51; i++) {
      const k = await call('/api/api-keys', {
        cookie: user.cookie,
        body: { name: `k${i}`, organizationId: org },
      });
      expect(k.status).toBe(201);
    }
    const byDefault = await call('/api/api-keys', user);
    expect(byDefault.json.apiKeys).toHaveLength(50);
    expect(byDefault.json.nextCursor).toEqual(expect.any(String));
    const all = await call('/api/api-keys?limit=200', user);
    expect(all.json.apiKeys).toHaveLength(51);
    expect(all.json.nextCursor).toBeNull();

    const lists = [
      '/api/api-keys?',
      '/api/invitations?',
      `/api/repositories?organizationId=${org}&`,
      `/api/workspaces?organizationId=${org}&`,
      `/api/workspaces/active?organizationId=${org}&`,
      `/api/organizations/${org}/audit?`,
    ];
    for (const base of lists) {
      for (const bad of ['limit=0', 'limit=201', 'limit=-1', 'limit=abc', 'limit=1.5']) {
        const r = await call(base + bad, user);
        expect(r.status, `${base}${bad}`).toBe(400);
        expect(r.json.error).toMatchObject({ code: 'validation_error', field: 'limit' });
      }
      for (const bad of ['nonsense', btoa('2026-01-01|x|y'), btoa('not a date|abc'), 'x'.repeat(201)]) {
        const r = await call(`${base}cursor=${encodeURIComponent(bad)}`, user);
        expect(r.status, `${base}cursor=${bad}`).toBe(400);
        expect(r.json.error).toMatchObject({ code: 'validation_error', field: 'cursor' });
      }
    }
    const sessions = await call(
      `/api/workspaces/00000000-0000-4000-8000-000000000000/sessions?limit=500`,
      user,
    );
    expect(sessions.status).toBe(400);
  }, 60_000);
});
