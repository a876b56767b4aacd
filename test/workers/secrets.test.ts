import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { auditEvents, cloudWorkspaces, secrets } from '../../db/schema';
import { createDb } from '../../db/client';
import { parseConfig } from '../../core/config';
import { loadKeyring, seal, secretAad } from '../../core/secrets/crypto';
import { workspaceSecrets } from '../../db/queries/secrets';
import { addMember, call, createApiKey, createOrg, signUp, unique, type TestUser } from './helpers';

// Secrets as their users and attackers meet them: the three scopes, bad names and sizes, values that
// never come back out (answers, audit rows, errors) and never sit in the table in clear.

const bindings = env as unknown as Env;
let owner: TestUser, member: TestUser;
let org: string, repoId: string, adminKey: string;

async function withDb<T>(fn: (db: ReturnType<typeof createDb>['db']) => Promise<T>): Promise<T> {
  const { db, close } = createDb(parseConfig(bindings));
  try {
    return await fn(db);
  } finally {
    await close();
  }
}

const put = (path: string, value: unknown, who: TestUser | string = owner) =>
  call(path, {
    method: 'PUT',
    body: { value },
    ...(typeof who === 'string' ? { apiKey: who } : { cookie: who.cookie }),
  });

beforeAll(async () => {
  [owner, member] = await Promise.all([signUp('Owner'), signUp('Member')]);
  org = await createOrg(owner);
  await addMember(owner, org, member, 'member');
  const r = await call('/api/repositories', {
    cookie: owner.cookie,
    body: { organizationId: org, url: `https://github.com/acme/s-${unique()}` },
  });
  repoId = r.json.repository.id;
  adminKey = await createApiKey(owner, org, ['admin']);
}, 60_000);

describe('secrets', () => {
  it('stores a value, lists its name with who changed it and when, never the value', async () => {
    const value = `sk-live-${unique()}-${unique()}`;
    const r = await put(`/api/organizations/${org}/secrets/STRIPE_KEY`, value);
    expect(r.status).toBe(200);
    expect(r.json.created).toBe(true);
    expect(r.json.secret).toMatchObject({ name: 'STRIPE_KEY', scope: 'organization' });
    expect(r.json.secret.updatedBy).toEqual({ id: owner.id, name: 'Owner' });
    expect(JSON.stringify(r.json)).not.toContain(value);

    const again = await put(`/api/organizations/${org}/secrets/STRIPE_KEY`, `${value}-2`, adminKey);
    expect(again.status).toBe(200);
    expect(again.json.created).toBe(false);

    for (const who of [owner, member]) {
      const list = await call(`/api/organizations/${org}/secrets`, { cookie: who.cookie });
      expect(list.status).toBe(200);
      expect(list.json.secrets.map((s: any) => s.name)).toEqual(['STRIPE_KEY']);
      expect(Object.keys(list.json.secrets[0]).sort()).toEqual(['name', 'scope', 'updatedAt', 'updatedBy']);
      expect(JSON.stringify(list.json)).not.toContain(value);
    }
  });

  it('keeps no value in clear in the table, and binds each ciphertext to its owner and name', async () => {
    const value = `clear-${unique()}-value`;
    await put(`/api/repositories/${repoId}/secrets/DB_PASSWORD`, value);
    const rows = await withDb((db) => db.execute(sql`select * from secrets`));
    const dump = JSON.stringify(rows.rows);
    expect(dump).not.toContain(value);
    expect(dump).not.toContain(btoa(value).slice(0, 12));
    const row = rows.rows.find((r: any) => r.name === 'DB_PASSWORD') as any;
    expect(row.key_id).toMatch(/^[0-9a-f]{16}$/);
    // The same ciphertext under another owner does not open.
    const ring = await loadKeyring(parseConfig(bindings).secretsKey!);
    const { open } = await import('../../core/secrets/crypto');
    await expect(
      open(
        ring,
        { keyId: row.key_id, iv: row.iv, ciphertext: row.ciphertext },
        secretAad('repository', repoId, 'DB_PASSWORD'),
      ),
    ).resolves.toBe(value);
    await expect(
      open(
        ring,
        { keyId: row.key_id, iv: row.iv, ciphertext: row.ciphertext },
        secretAad('organization', org, 'DB_PASSWORD'),
      ),
    ).rejects.toThrow();
  });

  it('refuses bad names with 400 naming the field and values over 64 KiB with 413', async () => {
    for (const name of ['1ABC', 'HAS-DASH', 'A%20B', 'Ä', 'X'.repeat(201)]) {
      const r = await put(`/api/organizations/${org}/secrets/${name}`, 'v');
      expect(r.status, name).toBe(400);
      expect(r.json.error).toMatchObject({ code: 'validation_error', field: 'name' });
    }
    const big = 'x'.repeat(64 * 1024 + 1);
    const r = await put(`/api/me/secrets/BIG`, big);
    expect(r.status).toBe(413);
    expect(r.json.error).toMatchObject({ code: 'payload_too_large', field: 'value' });
    expect(JSON.stringify(r.json)).not.toContain('xxxxxxxx');
    // Multi-byte characters count as bytes.
    expect((await put(`/api/me/secrets/WIDE`, 'é'.repeat(32 * 1024 + 1))).status).toBe(413);
    expect((await put(`/api/me/secrets/EXACT`, 'x'.repeat(64 * 1024))).status).toBe(200);
    expect((await put(`/api/me/secrets/EMPTY`, '')).status).toBe(200);
    for (const body of [{}, { value: 5 }, { value: null }]) {
      const bad = await call(`/api/me/secrets/OK_NAME`, { method: 'PUT', cookie: owner.cookie, body });
      expect(bad.status).toBe(400);
      expect(bad.json.error.field).toBe('value');
    }
  });

  it('bounds each scope at 100 secrets and 256 KiB in all, with 409 naming the limit', async () => {
    const someone = await signUp();
    const full = 'x'.repeat(64 * 1024);
    for (const n of ['B1', 'B2', 'B3', 'B4'])
      expect((await put(`/api/me/secrets/${n}`, full, someone)).status).toBe(200);
    const over = await put('/api/me/secrets/B5', 'y', someone);
    expect(over.status).toBe(409);
    expect(over.json.error).toMatchObject({
      code: 'quota_exceeded',
      limit: { name: 'secretBytes', max: 256 * 1024, current: 256 * 1024 },
    });
    // Replacing one counts its new size, not both.
    expect((await put('/api/me/secrets/B4', full, someone)).status).toBe(200);
    for (const n of ['B1', 'B2', 'B3', 'B4'])
      await call(`/api/me/secrets/${n}`, { method: 'DELETE', cookie: someone.cookie });
    for (let i = 0; i < 100; i++) expect((await put(`/api/me/secrets/N${i}`, 'v', someone)).status).toBe(200);
    const many = await put('/api/me/secrets/N100', 'v', someone);
    expect(many.status).toBe(409);
    expect(many.json.error.limit).toEqual({ name: 'secrets', max: 100, current: 100 });
    expect((await put('/api/me/secrets/N99', 'replaced', someone)).status).toBe(200);
  }, 60_000);

  it('refuses a copy of a signed-out cookie, though its session is cached', async () => {
    const someone = await signUp();
    const theirOrg = await createOrg(someone);
    expect((await put('/api/me/secrets/BEFORE', 'v', someone)).status).toBe(200);
    expect((await call('/api/auth/sign-out', { cookie: someone.cookie, body: {} })).status).toBe(200);
    expect((await call('/api/me/secrets', { cookie: someone.cookie })).status).toBe(401);
    expect((await put('/api/me/secrets/AFTER', 'v', someone)).status).toBe(401);
    expect((await put(`/api/organizations/${theirOrg}/secrets/AFTER`, 'v', someone)).status).toBe(401);
  });

  it('writes names, never values, to the audit log', async () => {
    const value = `audit-${unique()}`;
    await put(`/api/organizations/${org}/secrets/AUDITED`, value);
    await call(`/api/organizations/${org}/secrets/AUDITED`, { method: 'DELETE', cookie: owner.cookie });
    const rows = await withDb((db) =>
      db.select().from(auditEvents).where(eq(auditEvents.organizationId, org)),
    );
    const mine = rows.filter((r) => (r.detail as any)?.name === 'AUDITED');
    expect(mine.map((r) => r.action).sort()).toEqual(['secret_deleted', 'secret_set']);
    expect(JSON.stringify(rows)).not.toContain(value);
  });

  it('deletes one secret; deleting a missing one is 404', async () => {
    await put(`/api/me/secrets/GONE`, 'v');
    const d = await call(`/api/me/secrets/GONE`, { method: 'DELETE', cookie: owner.cookie });
    expect(d.status).toBe(204);
    const again = await call(`/api/me/secrets/GONE`, { method: 'DELETE', cookie: owner.cookie });
    expect(again.status).toBe(404);
    const list = await call('/api/me/secrets', { cookie: owner.cookie });
    expect(list.json.secrets.map((s: any) => s.name)).not.toContain('GONE');
  });

  it("keeps each person's personal secrets their own", async () => {
    await put(`/api/me/secrets/MINE_ONLY`, 'a', member);
    const other = await call('/api/me/secrets', { cookie: owner.cookie });
    expect(other.json.secrets.map((s: any) => s.name)).not.toContain('MINE_ONLY');
    expect(other.json.secrets.every((s: any) => s.scope === 'personal')).toBe(true);
  });

  it('hides other organizations’ repositories behind 404, malformed ids too', async () => {
    const stranger = await signUp();
    await createOrg(stranger);
    expect((await call(`/api/repositories/${repoId}/secrets`, { cookie: stranger.cookie })).status).toBe(404);
    expect((await put(`/api/repositories/${repoId}/secrets/X`, 'v', stranger)).status).toBe(404);
    expect((await call(`/api/repositories/not-a-uuid/secrets`, { cookie: owner.cookie })).status).toBe(404);
    expect((await put(`/api/organizations/${org}/secrets/X`, 'v', member)).status).toBe(403);
  });

  it("merges a workspace's scopes for one person, and opens values sealed with a rotated-out key", async () => {
    const [ws] = await withDb((db) =>
      db
        .insert(cloudWorkspaces)
        .values({
          organizationId: org,
          repositoryId: repoId,
          branch: 'main',
          name: 'env',
          creatorId: owner.id,
        })
        .returning(),
    );
    await put(`/api/organizations/${org}/secrets/SHARED`, 'from-org');
    await put(`/api/repositories/${repoId}/secrets/SHARED`, 'from-repo');
    await put(`/api/me/secrets/SHARED`, 'from-member', member);
    // A row sealed under the second (older) key of SECRETS_ENCRYPTION_KEY still opens.
    const spec = parseConfig(bindings).secretsKey!;
    const oldRing = await loadKeyring(spec.split(',')[1]!);
    const sealed = await seal(oldRing, 'old-key-value', secretAad('organization', org, 'OLD_KEY'));
    await withDb((db) =>
      db.insert(secrets).values({ scope: 'organization', organizationId: org, name: 'OLD_KEY', ...sealed }),
    );
    const ring = await loadKeyring(spec);
    expect(sealed.keyId).not.toBe(ring.currentId);
    const got = await withDb((db) => workspaceSecrets(db, ring, ws!.id, member.id));
    expect(got.organization.SHARED).toBe('from-org');
    expect(got.organization.OLD_KEY).toBe('old-key-value');
    expect(got.repository.SHARED).toBe('from-repo');
    expect(got.personal).toEqual({ SHARED: 'from-member', MINE_ONLY: 'a' });
    expect(got.unreadable).toEqual([]);
    const none = await withDb((db) => workspaceSecrets(db, ring, ws!.id, null));
    expect(none.personal).toEqual({});
  });
});
