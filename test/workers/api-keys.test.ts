import { describe, expect, it } from 'vitest';
import { call, createOrg, signUp } from './helpers';

describe('API keys', () => {
  it('shows the key once, lists it without the secret, and revokes it', async () => {
    const user = await signUp();
    const organizationId = await createOrg(user);
    const created = await call('/api/api-keys', {
      cookie: user.cookie,
      body: { name: 'ci', organizationId },
    });
    expect(created.status).toBe(201);
    expect(created.json.key).toMatch(/^cw_/);
    expect(created.json.id).toBeTruthy();

    const list = await call('/api/api-keys', { cookie: user.cookie });
    expect(list.status).toBe(200);
    expect(list.json.apiKeys).toEqual([expect.objectContaining({ id: created.json.id, name: 'ci' })]);
    expect(JSON.stringify(list.json)).not.toContain(created.json.key);

    expect((await call('/api/api-keys', { apiKey: created.json.key })).status).toBe(200);
    const del = await call(`/api/api-keys/${created.json.id}`, { method: 'DELETE', cookie: user.cookie });
    expect(del.status).toBe(204);
    expect((await call('/api/api-keys', { apiKey: created.json.key })).status).toBe(401);
  });

  it("cannot see or revoke another user's key", async () => {
    const alice = await signUp();
    const bob = await signUp();
    const organizationId = await createOrg(alice);
    const key = await call('/api/api-keys', { cookie: alice.cookie, body: { name: 'mine', organizationId } });
    expect((await call('/api/api-keys', { cookie: bob.cookie })).json.apiKeys).toEqual([]);
    const del = await call(`/api/api-keys/${key.json.id}`, { method: 'DELETE', cookie: bob.cookie });
    expect(del.status).toBe(404);
    expect((await call('/api/api-keys', { apiKey: key.json.key })).status).toBe(200);
  });

  it('names the bad field of a malformed body', async () => {
    const user = await signUp();
    const missing = await call('/api/api-keys', { cookie: user.cookie, body: {} });
    expect(missing.status).toBe(400);
    expect(missing.json.error).toMatchObject({ code: 'validation_error', field: 'name' });
    const tooLong = await call('/api/api-keys', { cookie: user.cookie, body: { name: 'x'.repeat(200) } });
    expect(tooLong.status).toBe(400);
    const garbage = await call('/api/api-keys', { cookie: user.cookie, rawBody: '{not json' });
    expect(garbage.status).toBe(400);
    expect(garbage.json.error.code).toBe('validation_error');
  });
});
