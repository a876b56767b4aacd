import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { cloudWorkspaces } from '../../db/schema';
import { createDb } from '../../db/client';
import { parseConfig } from '../../core/config';
import { addMember, BASE, call, createOrg, signUp } from './helpers';

const bindings = env as unknown as Env;

/** A teammate's workspace row (no VM needed: these checks come first). */
async function sharedWorkspace() {
  const owner = await signUp('Owner');
  const org = await createOrg(owner);
  const mate = await signUp('Mate');
  await addMember(owner, org, mate);
  const repo = await call('/api/repositories', {
    cookie: owner.cookie,
    body: { organizationId: org, url: `https://github.com/acme/leak-${crypto.randomUUID().slice(0, 6)}` },
  });
  const { db, close } = createDb(parseConfig(bindings));
  try {
    const [ws] = await db
      .insert(cloudWorkspaces)
      .values({
        organizationId: org,
        repositoryId: repo.json.repository.id,
        branch: 'main',
        name: 'shared',
        creatorId: owner.id,
      })
      .returning();
    return { owner, mate, id: ws!.id };
  } finally {
    await close();
  }
}

describe('what teammates may learn of each other', () => {
  it("presence shows a teammate's client type, not their host name or local path", async () => {
    const { owner, mate, id } = await sharedWorkspace();
    const opened = await call(`/api/workspaces/${id}/sessions`, {
      cookie: owner.cookie,
      body: {
        clientType: 'desktop',
        clientInfo: 'desktop 0.1 on ada-macbook.corp',
        localWorktreePath: '/Users/ada/secret-project',
      },
    });
    expect(opened.status).toBe(201);
    for (const path of [`/api/workspaces/${id}`, `/api/workspaces/${id}/sessions`]) {
      const seen = await call(path, { cookie: mate.cookie });
      expect(seen.status).toBe(200);
      expect(seen.json.sessions).toEqual([
        expect.objectContaining({ userId: owner.id, clientType: 'desktop' }),
      ]);
      expect(JSON.stringify(seen.json)).not.toContain('ada-macbook');
      expect(JSON.stringify(seen.json)).not.toContain('/Users/ada');
      // The owner still sees their own.
      const own = await call(path, { cookie: owner.cookie });
      expect(own.json.sessions[0].localWorktreePath).toBe('/Users/ada/secret-project');
    }
  });

  it("a terminal socket cannot name a teammate's presence session", async () => {
    const { owner, mate, id } = await sharedWorkspace();
    const theirs = await call(`/api/workspaces/${id}/sessions`, {
      cookie: owner.cookie,
      body: { clientType: 'web' },
    });
    const res = await SELF.fetch(
      `${BASE}/api/workspaces/${id}/terminals/${crypto.randomUUID()}?sessionId=${theirs.json.sessionId}`,
      { headers: { Upgrade: 'websocket', cookie: mate.cookie, origin: BASE } },
    );
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error.message).toMatch(/Session/);
  });
});
