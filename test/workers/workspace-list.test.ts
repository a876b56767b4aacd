import { describe, expect, it } from 'vitest';
import { call, createOrg, demoRepoUrl, signUp } from './helpers';

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
});
