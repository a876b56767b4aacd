import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { signBody } from '../../worker/webhooks/signature';
import { BASE, call, createApiKey, createOrg, demoRepoUrl, signUp, unique } from './helpers';

// Each of these answered 500 (Postgres refusing a NUL, a URIError), 502 or 200 with the wrong thing.

const NUL = 'a\u0000b';
const LONE = 'a\ud800b';

async function setup() {
  const owner = await signUp();
  const org = await createOrg(owner);
  return { owner, org };
}

const expectInvalid = (r: { status: number; json: any }, field: string) => {
  expect(r.status, JSON.stringify(r.json)).toBe(400);
  expect(r.json.error).toMatchObject({ code: 'validation_error', field });
};

describe('null bytes and unpaired surrogates', () => {
  it('are refused in JSON fields, naming the field', async () => {
    const { owner, org } = await setup();
    for (const bad of [NUL, LONE]) {
      expectInvalid(
        await call('/api/repositories', {
          cookie: owner.cookie,
          body: { organizationId: org, url: demoRepoUrl(), name: bad },
        }),
        'name',
      );
      expectInvalid(await call('/api/api-keys', { cookie: owner.cookie, body: { name: bad } }), 'name');
      expectInvalid(
        await call('/api/repositories', { cookie: owner.cookie, body: { organizationId: bad, url: 'x' } }),
        'organizationId',
      );
    }
    // Deep inside a body and in keys too.
    expectInvalid(
      await call('/api/api-keys', { cookie: owner.cookie, rawBody: '{"name":"k","x":{"y":["\\u0000"]}}' }),
      'x.y.0',
    );
  });

  it('are refused in query parameters and path params', async () => {
    const { owner } = await setup();
    expectInvalid(
      await call(`/api/repositories?organizationId=a%00b`, { cookie: owner.cookie }),
      'organizationId',
    );
    expectInvalid(
      await call(`/api/workspaces?organizationId=a%ED%A0%80b`, { cookie: owner.cookie }),
      'organizationId',
    );
    expectInvalid(await call(`/api/api-keys/a%00b`, { cookie: owner.cookie, method: 'DELETE' }), 'path');
  });

  it("are refused on Better Auth's routes and the unauthenticated webhook", async () => {
    const signUpNul = await call('/api/auth/sign-up/email', {
      body: { name: 'N', email: `a${NUL}@example.test`, password: 'correct-horse-battery' },
    });
    expectInvalid(signUpNul, 'email');
    const payload = JSON.stringify({ ref: 'refs/heads/main', repository: { full_name: `a/${NUL}` } });
    const hook = await call('/webhooks/github', {
      method: 'POST',
      rawBody: payload,
      headers: {
        'x-github-event': 'push',
        'x-github-delivery': crypto.randomUUID(),
        'x-hub-signature-256': await signBody('whatever', payload),
      },
    });
    expectInvalid(hook, 'repository.full_name');
  });

  it('in an exec command is a 400, not a 502 that shows the internal command line', async () => {
    const { owner } = await setup();
    const key = await createApiKey(owner);
    const r = await call('/api/cloud-workspace/command', {
      apiKey: key,
      body: { workspaceId: crypto.randomUUID(), command: `echo ${NUL}` },
    });
    expectInvalid(r, 'command');
    expect(JSON.stringify(r.json)).not.toContain('exit 97');
  });
});

describe('bounds, encodings and content types', () => {
  it('names the real limits of a number, never 2^53', async () => {
    const { owner } = await setup();
    const r = await call('/api/cloud-workspace/command', {
      cookie: owner.cookie,
      rawBody: JSON.stringify({ workspaceId: crypto.randomUUID(), command: 'true' }).replace(
        /}$/,
        ',"timeoutMs":1e308}',
      ),
    });
    expectInvalid(r, 'timeoutMs');
    expect(r.json.error.message).toContain('from 100 to 600000');
    expect(r.json.error.message).not.toMatch(/9007199254740991|2\^53/);
    const admin = await setup();
    const page = await call(`/api/organizations/${admin.org}/audit?limit=1e308`, {
      cookie: admin.owner.cookie,
    });
    expectInvalid(page, 'limit');
    expect(page.json.error.message).toContain('from 1 to 200');
  });

  it('bounds ids and strings', async () => {
    const { owner } = await setup();
    expectInvalid(
      await call(`/api/repositories?organizationId=${'a'.repeat(5000)}`, { cookie: owner.cookie }),
      'organizationId',
    );
    expectInvalid(
      await call('/api/repositories', {
        cookie: owner.cookie,
        body: { organizationId: 'x'.repeat(101), url: demoRepoUrl() },
      }),
      'organizationId',
    );
    expectInvalid(
      await call(`/api/api-keys/${'k'.repeat(300)}`, { cookie: owner.cookie, method: 'DELETE' }),
      'path',
    );
  });

  it('answers malformed percent-encoding with a 400', async () => {
    const { owner, org } = await setup();
    expectInvalid(
      await call('/api/repositories', {
        cookie: owner.cookie,
        body: { organizationId: org, url: 'file:///tmp/%E0%A4%A' },
      }),
      'url',
    );
    expectInvalid(
      await call('/api/repositories?organizationId=%E0%A4%A', { cookie: owner.cookie }),
      'organizationId',
    );
    expectInvalid(await call('/api/workspaces/%E0%A4%A', { cookie: owner.cookie }), 'path');
  });

  it('refuses a JSON route body sent as another content type with 415', async () => {
    const { owner } = await setup();
    const res = await SELF.fetch(`${BASE}/api/api-keys`, {
      method: 'POST',
      headers: { origin: BASE, cookie: owner.cookie, 'content-type': 'text/plain' },
      body: JSON.stringify({ name: 'plain' }),
    });
    expect(res.status).toBe(415);
    expect(((await res.json()) as any).error.code).toBe('unsupported_media_type');
  });
});

describe('names, branches, slugs and logos', () => {
  it("validates a repository's defaultBranch like a branch", async () => {
    const { owner, org } = await setup();
    for (const defaultBranch of ['../../../etc/passwd', 'a b', '-rf', '']) {
      expectInvalid(
        await call('/api/repositories', {
          cookie: owner.cookie,
          body: { organizationId: org, url: demoRepoUrl(), defaultBranch },
        }),
        'defaultBranch',
      );
    }
  });

  it('trims names and refuses empty, control and bidi-override ones', async () => {
    const { owner, org } = await setup();
    for (const name of ['   ', '\u001b[31mred', 'evil\u202Egnp.exe', 'tab\there']) {
      expectInvalid(
        await call('/api/repositories', {
          cookie: owner.cookie,
          body: { organizationId: org, url: demoRepoUrl(), name },
        }),
        'name',
      );
    }
    const ok = await call('/api/repositories', {
      cookie: owner.cookie,
      body: { organizationId: org, url: demoRepoUrl(), name: '  Demo  ' },
    });
    expect(ok.status).toBe(201);
    expect(ok.json.repository.name).toBe('Demo');
  });

  it('keeps organization slugs to [a-z0-9-], logos to https: and names printable', async () => {
    const owner = await signUp();
    const create = (body: Record<string, unknown>) =>
      call('/api/auth/organization/create', { cookie: owner.cookie, body });
    expectInvalid(await create({ name: 'Org', slug: 'Has Spaces' }), 'slug');
    expectInvalid(await create({ name: 'Org', slug: `o-${unique()}`, logo: 'javascript:alert(1)' }), 'logo');
    expectInvalid(await create({ name: '\u202Eevil', slug: `o-${unique()}` }), 'name');
    const ok = await create({ name: '  Org  ', slug: `o-${unique()}`, logo: 'https://example.com/l.png' });
    expect(ok.status).toBe(200);
    expect(ok.json.name).toBe('Org');
    const update = await call('/api/auth/organization/update', {
      cookie: owner.cookie,
      body: { organizationId: ok.json.id, data: { logo: 'data:text/html,<script>' } },
    });
    expectInvalid(update, 'data.logo');
  });
});
