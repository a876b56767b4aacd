import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../core/config';
import { createDb, type Database } from '../../db/client';
import { newestPrebuild, recordPrebuild, recordRefreshedPrebuild } from '../../db/queries/prebuilds';
import { call, createOrg, demoRepoUrl, signUp } from './helpers';

// The fast prebuild refresh (worker/lib/prebuild-refresh.ts) records its prebuild only if the one it
// booted from is still the branch's newest: a build that finished meanwhile must never be replaced
// by the older refresh, however the two interleave.

/** `b`, whose statement runs only after `first` did: the other writer lands just before it. */
function after<T extends object>(b: T, first: () => Promise<unknown>): T {
  return new Proxy(b, {
    get(target, key) {
      const v = Reflect.get(target, key, target);
      if (key === 'then')
        return (ok: (x: unknown) => unknown, no: (e: unknown) => unknown) =>
          first().then(() => (target as unknown as PromiseLike<unknown>).then(ok, no), no);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        const out = v.apply(target, args);
        return out && typeof out === 'object' ? after(out, first) : out;
      };
    },
  });
}

describe('the fast refresh against a newer prebuild', () => {
  it('records nothing when a newer prebuild lands between its check and its write; the newer one stays', async () => {
    const user = await signUp();
    const org = await createOrg(user);
    const repo = await call('/api/repositories', {
      cookie: user.cookie,
      body: { organizationId: org, url: demoRepoUrl() },
    });
    expect(repo.status).toBe(201);
    const repositoryId = repo.json.repository.id as string;
    const { db, close } = createDb(parseConfig(env as unknown as Env));
    try {
      const p = { repositoryId, branch: 'main', setupHash: 'h'.repeat(64), commitSha: null };
      await recordPrebuild(db, { ...p, snapshotId: 'snap-base' });
      const base = (await newestPrebuild(db, repositoryId, 'main'))!;
      // The builder records a newer prebuild the moment the refresh writes (after any check it made).
      let landed = false;
      const newer = () => {
        if (landed) return Promise.resolve();
        landed = true;
        return recordPrebuild(db, { ...p, snapshotId: 'snap-newer' });
      };
      const racing = new Proxy(db, {
        get(target, key) {
          const v = Reflect.get(target, key, target);
          if (key !== 'insert') return v;
          return (...args: unknown[]) => after(v.apply(target, args), newer);
        },
      }) as Database;

      const old = await recordRefreshedPrebuild(racing, base.id, { ...p, snapshotId: 'snap-refreshed' });
      expect(landed).toBe(true);
      expect(old).toBeUndefined();
      expect((await newestPrebuild(db, repositoryId, 'main'))?.snapshotId).toBe('snap-newer');

      // Unraced, the refresh replaces the one it booted from, and answers it (its snapshot goes next).
      const now = (await newestPrebuild(db, repositoryId, 'main'))!;
      const replaced = await recordRefreshedPrebuild(db, now.id, { ...p, snapshotId: 'snap-refreshed-2' });
      expect(replaced?.map((r) => r.snapshotId)).toEqual(['snap-newer']);
      expect((await newestPrebuild(db, repositoryId, 'main'))?.snapshotId).toBe('snap-refreshed-2');
    } finally {
      await close();
    }
  });
});
