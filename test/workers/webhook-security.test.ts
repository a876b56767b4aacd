import { describe, expect, it } from 'vitest';
import { signBody } from '../../worker/webhooks/signature';
import { scanRepositoryHints } from '../../worker/webhooks/targets';
import { call, createOrg, signUp, unique } from './helpers';

const deliver = (path: string, body: string, signature: string, headers: Record<string, string> = {}) =>
  call(path, {
    method: 'POST',
    rawBody: body,
    headers: {
      'x-github-event': 'ping',
      'x-github-delivery': crypto.randomUUID(),
      'x-hub-signature-256': signature,
      ...headers,
    },
  });

async function register(fullName: string) {
  const owner = await signUp();
  const org = await createOrg(owner);
  const r = await call('/api/repositories', {
    cookie: owner.cookie,
    body: { organizationId: org, url: `https://github.com/${fullName}` },
  });
  return { owner, org, r };
}

describe('webhook hardening', () => {
  it("cannot be crowded out: the victim's own URL tries its secret first, however many register it before", async () => {
    const fullName = `victim-${unique()}/app`;
    // 21 other organizations register the victim's repository first (more than the 20 candidates).
    for (let i = 0; i < 21; i++) expect((await register(fullName)).r.status).toBe(201);
    const victim = await register(fullName);
    const { webhookUrl, webhookSecret } = victim.r.json.repository;
    const body = JSON.stringify({ zen: 'Keep it logically awesome.', repository: { full_name: fullName } });
    const res = await deliver(new URL(webhookUrl).pathname, body, await signBody(webhookSecret, body));
    expect(res.status, JSON.stringify(res.json)).toBe(200);
  }, 60_000);

  it('normalises GitHub names so one organization cannot register a repository twice by case', async () => {
    const name = `Case-${unique()}/Widgets`;
    const { owner, org, r } = await register(name);
    expect(r.json.repository.fullName).toBe(name.toLowerCase());
    const twin = await call('/api/repositories', {
      cookie: owner.cookie,
      body: { organizationId: org, url: `https://github.com/${name.toUpperCase()}` },
    });
    expect(twin.status).toBe(409);
  });

  it('refuses a delivery without X-GitHub-Delivery with 400 (it could never be deduplicated)', async () => {
    const { r } = await register(`nodelivery-${unique()}/app`);
    const body = JSON.stringify({ repository: { full_name: r.json.repository.fullName } });
    const res = await call('/webhooks/github', {
      method: 'POST',
      rawBody: body,
      headers: {
        'x-github-event': 'ping',
        'x-hub-signature-256': await signBody(r.json.repository.webhookSecret, body),
      },
    });
    expect(res.status).toBe(400);
  });

  it('locates the repository by a bounded scan, not a parse: a 20 MB unsigned body costs 64 KiB', async () => {
    const huge = '{"repository":{"full_name":"acme/app"},"pad":"' + 'x'.repeat(20 * 1024 * 1024) + '"}';
    const bytes = new TextEncoder().encode(huge);
    expect(scanRepositoryHints(bytes, 'application/json')).toEqual({ fullName: 'acme/app', urls: [] });
    // Broken JSON is not parsed before verification, so it is a signature problem (401), not a 400.
    const res = await deliver(
      '/webhooks/github',
      '{"repository":{"full_name":"acme/app"',
      'sha256=' + '0'.repeat(64),
    );
    expect(res.status).toBe(401);
    const form = 'payload=' + encodeURIComponent(JSON.stringify({ repository: { full_name: 'acme/form' } }));
    expect(
      scanRepositoryHints(new TextEncoder().encode(form), 'application/x-www-form-urlencoded')?.fullName,
    ).toBe('acme/form');
  });
});
