import { describe, expect, it } from 'vitest';
import { addMember, call, createApiKey, createOrg, demoRepoUrl, signUp } from './helpers';

// The list's rows are mapped by a small mapper of ours (db/rows.ts), the detail's by drizzle: each row
// of the list is its workspace as the detail answers it, then the list's own fields, key for key.
describe('GET /api/workspaces rows', () => {
  it('are the workspace as its own route answers it, then its repository, creator and connected count', async () => {
    const owner = await signUp('List Owner');
    const org = await createOrg(owner);
    const url = demoRepoUrl();
    const repo = await call('/api/repositories', {
      cookie: owner.cookie,
      body: { organizationId: org, url },
    });
    expect(repo.status).toBe(201);
    const made: string[] = [];
    for (const name of ['first', 'second']) {
      const w = await call('/api/workspaces', {
        cookie: owner.cookie,
        body: { organizationId: org, repositoryId: repo.json.repository.id, branch: 'main', name },
      });
      expect(w.status, JSON.stringify(w.json)).toBe(201);
      made.push(w.json.workspace.id);
    }
    // The workspaces provision meanwhile: compare a list read between two equal reads of each detail.
    const details = () =>
      Promise.all(made.map((id) => call(`/api/workspaces/${id}`, { cookie: owner.cookie })));
    let list: Awaited<ReturnType<typeof call>> | undefined;
    let seen: Awaited<ReturnType<typeof details>> = [];
    for (let attempt = 0; attempt < 40 && !list; attempt++) {
      const before = await details();
      const read = await call(`/api/workspaces?organizationId=${org}`, { cookie: owner.cookie });
      seen = await details();
      if (JSON.stringify(before.map((d) => d.json)) === JSON.stringify(seen.map((d) => d.json))) list = read;
    }
    if (!list) throw new Error('the workspaces never held still');
    expect(list.status).toBe(200);
    expect(Object.keys(list.json)).toEqual(['workspaces', 'nextCursor']);
    expect(list.json.workspaces.map((w: { id: string }) => w.id)).toEqual([...made].reverse());
    for (const row of list.json.workspaces) {
      const detail = seen[made.indexOf(row.id)]!;
      expect(detail.status).toBe(200);
      const expected = {
        ...detail.json.workspace,
        repositoryName: repo.json.repository.name,
        repositoryUrl: url,
        creatorName: 'List Owner',
        connectedCount: 0,
      };
      // Same keys in the same order, same values and types (dates as ISO text with milliseconds).
      expect(JSON.stringify(row)).toBe(JSON.stringify(expected));
      expect(row.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
  });

  // The caller's check and the page travel in one round trip: an empty page is still a page, and none
  // of a page reaches a caller the check refuses.
  it('answer an empty page, not an error, wherever nothing matches; and only the organization’s callers', async () => {
    const owner = await signUp();
    const org = await createOrg(owner);
    const empty = { workspaces: [], nextCursor: null };
    const list = (q: string, who: { cookie?: string; apiKey?: string } = owner) =>
      call(`/api/workspaces${q}`, who);

    expect((await list(`?organizationId=${org}`)).json).toEqual(empty);
    expect((await list(`/active?organizationId=${org}`)).json).toEqual(empty);

    const repo = await call('/api/repositories', {
      cookie: owner.cookie,
      body: { organizationId: org, url: demoRepoUrl() },
    });
    const other = await call('/api/repositories', {
      cookie: owner.cookie,
      body: { organizationId: org, url: 'https://github.com/acme/other' },
    });
    expect([repo.status, other.status]).toEqual([201, 201]);
    const made = await call('/api/workspaces', {
      cookie: owner.cookie,
      body: { organizationId: org, repositoryId: repo.json.repository.id, branch: 'main' },
    });
    expect(made.status).toBe(201);
    const id = made.json.workspace.id;

    const member = await signUp();
    await addMember(owner, org, member);
    const key = await createApiKey(owner, org, ['read']);
    for (const who of [owner, member, { apiKey: key }]) {
      const r = await list(`?organizationId=${org}`, who);
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      expect(r.json.workspaces.map((w: { id: string }) => w.id)).toEqual([id]);
    }
    // Another repository's filter, and the page after the last, are empty pages.
    expect((await list(`?organizationId=${org}&repositoryId=${other.json.repository.id}`)).json).toEqual(
      empty,
    );
    const first = await list(`?organizationId=${org}&limit=1`);
    expect(first.json.nextCursor).toBeNull();
    const firstRow = first.json.workspaces[0];
    const past = btoa(`${new Date(Date.parse(firstRow.createdAt) - 1000).toISOString()}|${id}`);
    expect((await list(`?organizationId=${org}&cursor=${past}`)).json).toEqual(empty);

    // Outsiders: no page, whether the organization has workspaces or not.
    const stranger = await signUp();
    const strangersOrg = await createOrg(stranger);
    const strangersKey = await createApiKey(stranger, strangersOrg);
    for (const who of [stranger, { apiKey: strangersKey }]) {
      const r = await list(`?organizationId=${org}`, who);
      expect(r.status).toBe(404);
      expect(r.json.workspaces).toBeUndefined();
    }
    expect((await list(`?organizationId=${org}`, {})).status).toBe(401);
    // The owner's key of their own organization reads it; a page of another is still 404.
    expect((await list(`?organizationId=${strangersOrg}`, { apiKey: key })).status).toBe(404);
  });
});
