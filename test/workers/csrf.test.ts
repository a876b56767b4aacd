import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BASE, call, createApiKey, createOrg, signUp } from './helpers';

// A page on another site can make the browser POST with the user's cookie (a form, or fetch with
// no body and no preflight). Such requests must be refused before they reach a route.
describe('CSRF on cookie requests', () => {
  const post = (path: string, headers: Record<string, string>) =>
    SELF.fetch(BASE + path, { method: 'POST', headers });

  it('refuses a bodiless or form POST with the cookie from another origin, or with no origin', async () => {
    const user = await signUp();
    const org = await createOrg(user);
    const path = `/api/workspaces?organizationId=${org}`;
    const evil = await post('/api/workspaces', { cookie: user.cookie, origin: 'https://evil.example' });
    expect(evil.status).toBe(403);
    expect(((await evil.json()) as any).error.code).toBe('forbidden');
    const form = await post('/api/api-keys', {
      cookie: user.cookie,
      'content-type': 'application/x-www-form-urlencoded',
      'sec-fetch-site': 'cross-site',
    });
    expect(form.status).toBe(403);
    const bare = await post(`/api/workspaces/${crypto.randomUUID()}/pause`, { cookie: user.cookie });
    expect(bare.status).toBe(403);
    // Reading is not state-changing: a GET without Origin still answers.
    expect((await SELF.fetch(BASE + path, { headers: { cookie: user.cookie } })).status).toBe(200);
  });

  it('lets the app itself through (same Origin, or Sec-Fetch-Site: same-origin), and API keys', async () => {
    const user = await signUp();
    const org = await createOrg(user);
    const id = crypto.randomUUID();
    const same = await post(`/api/workspaces/${id}/pause`, { cookie: user.cookie, origin: BASE });
    expect(same.status).toBe(404);
    const site = await post(`/api/workspaces/${id}/pause`, {
      cookie: user.cookie,
      'sec-fetch-site': 'same-origin',
    });
    expect(site.status).toBe(404);
    const key = await createApiKey(user, org);
    const bearer = await post(`/api/workspaces/${id}/pause`, { authorization: `Bearer ${key}` });
    expect(bearer.status).toBe(404);
    expect((await call(`/api/workspaces/${id}/pause`, { cookie: user.cookie, method: 'POST' })).status).toBe(
      404,
    );
  });
});
