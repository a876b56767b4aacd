import { SELF, env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { cloudWorkspaces } from '../../db/schema';
import { createDb } from '../../db/client';
import { parseConfig } from '../../core/config';
import {
  BASE,
  addMember,
  call,
  createApiKey,
  createOrg,
  signUp,
  type CallOptions,
  type TestUser,
} from './helpers';
import { deleteSessions, freshFor } from './cache-cookie';

// The policy (core/policy.ts) as an attacker meets it: every route, every kind of caller. Allowed
// callers must get past authorization (no 401/403 and no "not found" for the organization's own
// resources); refused ones get 403 (members, narrow keys), 404 (outsiders, keys of another
// organization) or 401 (anonymous).

type Who =
  | 'owner'
  | 'admin'
  | 'member'
  | 'keyRead'
  | 'keyExec'
  | 'keyAdmin'
  | 'keyOtherOrg'
  | 'outsider'
  | 'anonymous'
  | 'revoked';
const WHO: Who[] = [
  'owner',
  'admin',
  'member',
  'keyRead',
  'keyExec',
  'keyAdmin',
  'keyOtherOrg',
  'outsider',
  'anonymous',
  // An admin whose session was revoked while a copy of its cookies, the cache fresh, was kept.
  'revoked',
];

const bindings = env as unknown as Env;
let owner: TestUser, admin: TestUser, member: TestUser, outsider: TestUser, revoked: TestUser;
let org: string;
const keys: Record<string, string> = {};
let repoId: string;
let ownersWs: string; // created by the owner: "another member's" for the member
let membersWs: string;

/** A workspace row without a VM, in `provisioning`: lifecycle calls answer 409, nothing runs. */
async function insertWorkspace(creatorId: string): Promise<string> {
  const { db, close } = createDb(parseConfig(bindings));
  try {
    const [row] = await db
      .insert(cloudWorkspaces)
      .values({ organizationId: org, repositoryId: repoId, branch: 'main', name: 'fixture', creatorId })
      .returning();
    return row!.id;
  } finally {
    await close();
  }
}

async function addRepo(): Promise<string> {
  const r = await call('/api/repositories', {
    cookie: owner.cookie,
    body: { organizationId: org, url: `https://github.com/acme/r-${crypto.randomUUID().slice(0, 8)}` },
  });
  expect(r.status).toBe(201);
  return r.json.repository.id;
}

function as(who: Who, opts: CallOptions = {}): CallOptions {
  const users: Partial<Record<Who, TestUser>> = { owner, admin, member, outsider, revoked };
  if (users[who]) return { ...opts, cookie: users[who]!.cookie };
  if (keys[who]) return { ...opts, apiKey: keys[who] };
  return opts;
}

interface Route {
  name: string;
  allowed: Who[];
  /** The request; destructive ones make a fresh target for each allowed caller. */
  request: (who: Who) => Promise<{ path: string; opts: CallOptions }>;
  /** What refused callers get, when not the organization's usual (personal routes). */
  refusal?: (who: Who) => number;
}

const readers: Who[] = ['owner', 'admin', 'member', 'keyRead', 'keyExec', 'keyAdmin'];
const users: Who[] = ['owner', 'admin', 'member', 'keyExec', 'keyAdmin'];
const managers: Who[] = ['owner', 'admin', 'keyAdmin'];
const get = (path: string) => async () => ({ path, opts: {} });
const post =
  (path: string, body: unknown = {}) =>
  async () => ({ path, opts: { body } });

const routes = (): Route[] => [
  { name: 'GET /api/workspaces', allowed: readers, request: get(`/api/workspaces?organizationId=${org}`) },
  {
    name: 'GET /api/workspaces/active',
    allowed: readers,
    request: get(`/api/workspaces/active?organizationId=${org}`),
  },
  { name: 'GET /api/workspaces/:id', allowed: readers, request: get(`/api/workspaces/${ownersWs}`) },
  {
    // An unknown repository after the check: allowed callers learn only that it is missing.
    name: 'POST /api/workspaces',
    allowed: users,
    request: post('/api/workspaces', {
      organizationId: org,
      repositoryId: crypto.randomUUID(),
      branch: 'main',
    }),
  },
  ...(['pause', 'resume', 'start', 'retry'] as const).map((a) => ({
    name: `POST /api/workspaces/:id/${a}`,
    allowed: users,
    request: post(`/api/workspaces/${ownersWs}/${a}`),
  })),
  { name: "POST stop (another's)", allowed: managers, request: post(`/api/workspaces/${ownersWs}/stop`) },
  {
    name: "POST stop (the member's own)",
    allowed: ['owner', 'admin', 'member', 'keyAdmin'],
    request: post(`/api/workspaces/${membersWs}/stop`),
  },
  {
    name: "DELETE another's workspace",
    allowed: managers,
    request: async (who) => ({
      path: `/api/workspaces/${managers.includes(who) ? await insertWorkspace(owner.id) : ownersWs}`,
      opts: { method: 'DELETE' },
    }),
  },
  {
    name: 'POST /api/workspaces/:id/exec',
    allowed: users,
    request: post(`/api/workspaces/${ownersWs}/exec`, { command: 'true' }),
  },
  {
    name: 'POST /api/cloud-workspace/command',
    allowed: users,
    request: post('/api/cloud-workspace/command', { workspaceId: ownersWs, command: 'true' }),
  },
  {
    name: 'POST /api/workspaces/:id/pull',
    allowed: users,
    request: post(`/api/workspaces/${ownersWs}/pull`),
  },
  {
    // A provisioning fixture answers 409 to allowed callers: nothing runs.
    name: 'POST /api/workspaces/:id/setup',
    allowed: users,
    request: post(`/api/workspaces/${ownersWs}/setup`),
  },
  { name: 'GET terminals', allowed: readers, request: get(`/api/workspaces/${ownersWs}/terminals`) },
  { name: 'POST terminals', allowed: users, request: post(`/api/workspaces/${ownersWs}/terminals`) },
  {
    name: 'PATCH terminals/:windowId',
    allowed: users,
    request: async () => ({
      path: `/api/workspaces/${ownersWs}/terminals/${crypto.randomUUID()}`,
      opts: { method: 'PATCH', body: { name: 'x' } },
    }),
  },
  {
    name: 'DELETE terminals/:windowId',
    allowed: users,
    request: async () => ({
      path: `/api/workspaces/${ownersWs}/terminals/${crypto.randomUUID()}`,
      opts: { method: 'DELETE' },
    }),
  },
  {
    name: 'POST terminal-ticket',
    allowed: users,
    request: post(`/api/workspaces/${ownersWs}/terminal-ticket`),
  },
  {
    name: 'POST sessions',
    allowed: users,
    request: post(`/api/workspaces/${ownersWs}/sessions`, { clientType: 'web' }),
  },
  { name: 'GET sessions', allowed: readers, request: get(`/api/workspaces/${ownersWs}/sessions`) },
  { name: 'GET usage', allowed: readers, request: get(`/api/organizations/${org}/usage`) },
  { name: 'GET usage.csv', allowed: readers, request: get(`/api/organizations/${org}/usage.csv`) },
  { name: 'POST /api/workspaces/:id/ssh', allowed: users, request: post(`/api/workspaces/${ownersWs}/ssh`) },
  { name: 'GET audit', allowed: managers, request: get(`/api/organizations/${org}/audit`) },
  { name: 'GET limits', allowed: readers, request: get(`/api/organizations/${org}/limits`) },
  { name: 'GET ports', allowed: readers, request: get(`/api/workspaces/${ownersWs}/ports`) },
  {
    name: 'PATCH ports/:port',
    allowed: users,
    request: async () => ({
      path: `/api/workspaces/${ownersWs}/ports/3000`,
      opts: { method: 'PATCH', body: { visibility: 'private' } },
    }),
  },
  {
    name: 'PATCH limits',
    allowed: managers,
    request: async () => ({ path: `/api/organizations/${org}/limits`, opts: { method: 'PATCH', body: {} } }),
  },
  {
    name: 'GET /api/repositories',
    allowed: readers,
    request: get(`/api/repositories?organizationId=${org}`),
  },
  {
    name: 'POST /api/repositories',
    allowed: managers,
    request: post('/api/repositories', {
      organizationId: org,
      url: `https://github.com/acme/new-${crypto.randomUUID().slice(0, 8)}`,
    }),
  },
  {
    name: 'PATCH /api/repositories/:id',
    allowed: managers,
    request: async () => ({
      path: `/api/repositories/${repoId}`,
      opts: { method: 'PATCH', body: { prebuildsEnabled: true } },
    }),
  },
  {
    name: 'GET /api/repositories/:id/prebuild',
    allowed: readers,
    request: get(`/api/repositories/${repoId}/prebuild`),
  },
  {
    name: 'DELETE /api/repositories/:id',
    allowed: managers,
    request: async (who) => ({
      path: `/api/repositories/${managers.includes(who) ? await addRepo() : repoId}`,
      opts: { method: 'DELETE' },
    }),
  },
  // The caller's own: anyone signed in (an API key too), in no organization.
  ...['/api/me', '/api/api-keys', '/api/invitations'].map((path) => ({
    name: `GET ${path}`,
    allowed: WHO.filter((w) => w !== 'anonymous' && w !== 'revoked'),
    request: get(path),
    refusal: () => 401,
  })),
  ...secretRoutes(`/api/organizations/${org}/secrets`, 'organization'),
  ...secretRoutes(`/api/repositories/${repoId}/secrets`, 'repository'),
  ...secretRoutes('/api/me/secrets', 'personal'),
];

/** Names are listed to members, changed by managers; personal secrets need a session, in no organization. */
function secretRoutes(base: string, scope: 'organization' | 'repository' | 'personal'): Route[] {
  const personal = scope === 'personal';
  const people: Who[] = ['owner', 'admin', 'member', 'outsider'];
  const refusal = personal ? (who: Who) => (who === 'anonymous' || who === 'revoked' ? 401 : 403) : undefined;
  return [
    { name: `GET ${scope} secrets`, allowed: personal ? people : readers, request: get(base), refusal },
    {
      name: `PUT ${scope} secret`,
      allowed: personal ? people : managers,
      request: async () => ({ path: `${base}/MATRIX_TOKEN`, opts: { method: 'PUT', body: { value: 'v' } } }),
      refusal,
    },
    {
      name: `DELETE ${scope} secret`,
      allowed: personal ? people : managers,
      request: async () => ({ path: `${base}/MATRIX_TOKEN`, opts: { method: 'DELETE' } }),
      refusal,
    },
  ];
}

/** What a refused caller gets. */
function refusal(who: Who): number {
  if (who === 'anonymous' || who === 'revoked') return 401;
  if (who === 'outsider' || who === 'keyOtherOrg') return 404;
  return 403;
}

beforeAll(async () => {
  [owner, admin, member, outsider, revoked] = await Promise.all([
    signUp(),
    signUp(),
    signUp(),
    signUp(),
    signUp(),
  ]);
  org = await createOrg(owner);
  await addMember(owner, org, admin, 'admin');
  await addMember(owner, org, revoked, 'admin');
  // Its cache signed to outlast the matrix (Better Auth's lasts a minute): only the database says no.
  revoked = { ...revoked, cookie: await freshFor(revoked.cookie, 10 * 60_000) };
  await deleteSessions(revoked.id);
  await addMember(owner, org, member, 'member');
  await createOrg(outsider);
  // The admin's keys: a key is never more than its owner, and the owner's workspace is another's.
  keys.keyRead = await createApiKey(admin, org, ['read']);
  keys.keyExec = await createApiKey(admin, org, ['exec']);
  keys.keyAdmin = await createApiKey(admin, org, ['admin']);
  keys.keyOtherOrg = await createApiKey(admin, await createOrg(admin), ['admin']);
  repoId = await addRepo();
  ownersWs = await insertWorkspace(owner.id);
  membersWs = await insertWorkspace(member.id);
}, 60_000);

describe('authorization matrix', () => {
  it('answers every route for every kind of caller as core/policy.ts says', async () => {
    const failures: string[] = [];
    for (const route of routes()) {
      for (const who of WHO) {
        const { path, opts } = await route.request(who);
        const r = await call(path, as(who, opts));
        const allowed = route.allowed.includes(who);
        const authMessage = /^(Organization|Workspace) not found/.test(r.json?.error?.message ?? '');
        const ok = allowed
          ? ![401, 403].includes(r.status) && !(r.status === 404 && authMessage)
          : r.status === (route.refusal ?? refusal)(who) &&
            (r.status !== 403 || r.json?.error?.code === 'forbidden');
        if (!ok) failures.push(`${route.name} as ${who}: ${r.status} ${JSON.stringify(r.json?.error ?? '')}`);
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it('hides webhook secrets from members and read keys, shows them to managers', async () => {
    for (const who of ['member', 'keyRead', 'keyExec'] as Who[]) {
      const r = await call(`/api/repositories?organizationId=${org}`, as(who));
      expect(r.status).toBe(200);
      expect(r.json.repositories.length).toBeGreaterThan(0);
      expect(r.json.repositories.every((x: any) => x.webhookSecret === undefined)).toBe(true);
    }
    for (const who of ['owner', 'admin', 'keyAdmin'] as Who[]) {
      const r = await call(`/api/repositories?organizationId=${org}`, as(who));
      expect(r.json.repositories.every((x: any) => typeof x.webhookSecret === 'string')).toBe(true);
    }
  });

  it('opens a private preview host (`port.preview`) only for keys that may, and never on a session cookie', async () => {
    // The fixture is provisioning: a caller who passes gets 409 "not running", not a refusal.
    const expected: Record<Who, number> = {
      owner: 401, // a session cookie is the app origin's; a preview host never sees it
      admin: 401,
      member: 401,
      keyRead: 403,
      keyExec: 409,
      keyAdmin: 409,
      keyOtherOrg: 404,
      outsider: 401,
      anonymous: 401,
      revoked: 401,
    };
    const got: Record<string, number> = {};
    for (const who of WHO) {
      const o = as(who);
      const headers: Record<string, string> = {};
      if (o.cookie) headers.cookie = o.cookie;
      if (o.apiKey) headers.authorization = `Bearer ${o.apiKey}`;
      const r = await SELF.fetch(`http://3000-${ownersWs}.localhost/`, { headers });
      await r.body?.cancel();
      got[who] = r.status;
    }
    expect(got).toEqual(expected);
  });

  it('hands a preview code only to members signed in at the app origin', async () => {
    const STATE = 'a-preview-hosts-sign-in-state';
    const host = `3000-${ownersWs}.localhost`;
    const got: Record<string, string> = {};
    for (const who of WHO) {
      const o = as(who);
      const headers: Record<string, string> = {};
      if (o.cookie) headers.cookie = o.cookie;
      if (o.apiKey) headers.authorization = `Bearer ${o.apiKey}`;
      const r = await SELF.fetch(`${BASE}/api/preview/authorize?host=${host}&state=${STATE}&next=/`, {
        headers,
        redirect: 'manual',
      });
      await r.body?.cancel();
      const loc = r.headers.get('location') ?? '';
      got[who] =
        r.status === 302
          ? loc.startsWith(`http://${host}/__cw/preview-callback?code=`)
            ? 'code'
            : loc.split('?')[0]!
          : String(r.status);
    }
    expect(got).toEqual({
      owner: 'code',
      admin: 'code',
      member: 'code',
      // Keys are for tools, which send them to the preview host itself.
      keyRead: '/sign-in',
      keyExec: '/sign-in',
      keyAdmin: '/sign-in',
      keyOtherOrg: '/sign-in',
      outsider: '404',
      anonymous: '/sign-in',
      // Its session is read from the database here: gone, so it signs in again.
      revoked: '/sign-in',
    });
    const bad = await SELF.fetch(
      `${BASE}/api/preview/authorize?host=${BASE.slice(7)}&state=${STATE}&next=/`,
      {
        headers: { cookie: owner.cookie },
        redirect: 'manual',
      },
    );
    expect(bad.status).toBe(400);
    // Without the preview host's sign-in state there is nothing to bind a code to.
    const stateless = await SELF.fetch(`${BASE}/api/preview/authorize?host=${host}&next=/`, {
      headers: { cookie: owner.cookie },
      redirect: 'manual',
    });
    expect(stateless.status).toBe(400);
    expect(((await stateless.json()) as { error: { field?: string } }).error.field).toBe('state');
  });

  it('lets a member stop and delete their own workspace but not a teammate’s', async () => {
    const mine = await insertWorkspace(member.id);
    expect((await call(`/api/workspaces/${ownersWs}`, as('member', { method: 'DELETE' }))).status).toBe(403);
    expect((await call(`/api/workspaces/${mine}`, as('member', { method: 'DELETE' }))).status).toBe(204);
  });
});
