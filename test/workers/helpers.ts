import { SELF, env } from 'cloudflare:test';
import { expect } from 'vitest';
import type { OrgServerMsg } from '../../core/protocol';
import type { WorkspaceRoom } from '../../durable-objects/workspace-room';
import { readBody } from '../shared/body';

export const BASE = 'http://cloud-workspaces.test';

export interface CallOptions {
  method?: string;
  body?: unknown;
  rawBody?: string;
  cookie?: string;
  apiKey?: string;
  headers?: Record<string, string>;
}

export async function call(path: string, opts: CallOptions = {}) {
  const headers = new Headers({ origin: BASE, ...opts.headers });
  if (opts.cookie) headers.set('cookie', opts.cookie);
  if (opts.apiKey) headers.set('authorization', `Bearer ${opts.apiKey}`);
  let body: string | undefined;
  if (opts.rawBody !== undefined) body = opts.rawBody;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers.set('content-type', 'application/json');
  const res = await SELF.fetch(BASE + path, {
    method: opts.method ?? (body ? 'POST' : 'GET'),
    headers,
    body,
  });
  const json = await readBody(res);
  return { status: res.status, json, headers: res.headers };
}

export const unique = () => crypto.randomUUID().slice(0, 8);

export interface TestUser {
  id: string;
  email: string;
  cookie: string;
}

/** Follows the verification link Better Auth mailed to `email` (the local outbox). */
export async function verifyEmail(email: string) {
  const { json } = await call(`/api/dev/outbox.json?to=${encodeURIComponent(email)}`);
  const mail = (json.mail as { to: string; text: string }[]).find(
    (m) => m.to === email && m.text.includes('verify-email'),
  );
  const link = mail?.text.match(/https?:\/\/\S+/)?.[0];
  if (!link) throw new Error(`no verification mail to ${email}`);
  const res = await SELF.fetch(link, { redirect: 'manual', headers: { origin: BASE } });
  await res.body?.cancel();
  if (res.status >= 400) throw new Error(`verification failed: ${res.status}`);
}

/** A new account; its address verified through the mailed link unless `verified: false`. */
export async function signUp(
  name = 'Test User',
  opts: { verified?: boolean; email?: string } = {},
): Promise<TestUser> {
  const email = opts.email ?? `user-${unique()}@example.test`;
  const headers = new Headers({ origin: BASE, 'content-type': 'application/json' });
  const res = await SELF.fetch(`${BASE}/api/auth/sign-up/email`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ name, email, password: 'correct-horse-battery' }),
  });
  if (res.status !== 200) throw new Error(`sign-up failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { user: { id: string } };
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  if (opts.verified !== false) await verifyEmail(email);
  return { id: body.user.id, email, cookie };
}

export async function createOrg(user: TestUser, name = 'Org'): Promise<string> {
  const slug = `org-${unique()}`;
  const r = await call('/api/auth/organization/create', { cookie: user.cookie, body: { name, slug } });
  if (r.status !== 200) throw new Error(`org create failed: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json.id as string;
}

/** Adds `invitee` to the organization the way a person would: invite, then accept. */
export async function addMember(
  owner: TestUser,
  organizationId: string,
  invitee: TestUser,
  role: 'member' | 'admin' = 'member',
) {
  const inv = await call('/api/auth/organization/invite-member', {
    cookie: owner.cookie,
    body: { email: invitee.email, role, organizationId },
  });
  if (inv.status !== 200) throw new Error(`invite failed: ${inv.status} ${JSON.stringify(inv.json)}`);
  const acc = await call('/api/auth/organization/accept-invitation', {
    cookie: invitee.cookie,
    body: { invitationId: inv.json.id },
  });
  if (acc.status !== 200) throw new Error(`accept failed: ${acc.status} ${JSON.stringify(acc.json)}`);
}

/** A key of `user` in `organizationId` (a new organization of theirs when not given). */
export async function createApiKey(
  user: TestUser,
  organizationId?: string,
  permissions?: ('read' | 'exec' | 'admin')[],
): Promise<string> {
  const org = organizationId ?? (await createOrg(user));
  const r = await call('/api/api-keys', {
    cookie: user.cookie,
    body: { name: 'test', organizationId: org, ...(permissions ? { permissions } : {}) },
  });
  if (r.status !== 201) throw new Error(`api key failed: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json.key;
}

export const demoRepoUrl = () => `file://${(env as unknown as { REPOS_DIR: string }).REPOS_DIR}/demo.git`;

/** Polls the workspace (every 200 ms, 30 s at most) until its status is `status`, and returns it. */
export async function waitStatus(user: TestUser, id: string, status = 'running') {
  let ws: any;
  for (let i = 0; i < 150; i++) {
    ws = (await call(`/api/workspaces/${id}`, { cookie: user.cookie })).json.workspace;
    if (ws.status === status) return ws;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`never ${status}: ${JSON.stringify(ws)}`);
}

/** A workspace on the demo repository's main branch in `org`, running. */
export async function runningWorkspace(
  user: TestUser,
  org: string,
  extra: { autoStopMinutes?: number } = {},
) {
  const repo = await call('/api/repositories', {
    cookie: user.cookie,
    body: { organizationId: org, url: demoRepoUrl() },
  });
  const created = await call('/api/workspaces', {
    cookie: user.cookie,
    body: { organizationId: org, repositoryId: repo.json.repository.id, branch: 'main', ...extra },
  });
  if (created.status !== 201) throw new Error(`create: ${created.status} ${JSON.stringify(created.json)}`);
  return waitStatus(user, created.json.workspace.id);
}

/** A new person and organization with a running workspace, and the stub of its room (room tests). */
export async function roomWithWorkspace(extra: { autoStopMinutes?: number } = {}) {
  const user = await signUp();
  const org = await createOrg(user);
  const ws = await runningWorkspace(user, org, extra);
  const id = ws.id as string;
  const rooms = (env as unknown as Env).WORKSPACE_ROOM;
  const stub: DurableObjectStub<WorkspaceRoom> = rooms.get(rooms.idFromName(id));
  return { user, org, id, stub, vmId: ws.freestyleVmId as string };
}

/** The organization's live socket, collecting its messages; `waitFor` polls them for 3 s. */
export async function orgSocket(user: TestUser, org: string) {
  const res = await SELF.fetch(`${BASE}/api/organizations/${org}/events`, {
    headers: { Upgrade: 'websocket', cookie: user.cookie, origin: BASE },
  });
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  ws.accept();
  const messages: OrgServerMsg[] = [];
  ws.addEventListener('message', (e) => messages.push(JSON.parse(e.data as string)));
  const waitFor = async <T extends OrgServerMsg>(pred: (m: OrgServerMsg) => boolean, what: string) => {
    for (let i = 0; i < 150; i++) {
      const m = messages.find(pred);
      if (m) return m as T;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no ${what} in ${JSON.stringify(messages)}`);
  };
  return { ws, messages, waitFor };
}

/**
 * Makes a room timer due without letting workerd fire the alarm by itself: the alarm is parked an
 * hour ahead, and runDurableObjectAlarm then runs it now, deterministically.
 */
export async function dueNow(state: DurableObjectState, timer: string) {
  await state.storage.put(`timer:${timer}`, Date.now());
  await state.storage.setAlarm(Date.now() + 3_600_000);
}
