export const DEMO_USER = {
  name: 'Demo Developer',
  email: 'demo@cloud-workspaces.local',
  password: 'demo-password',
};
export const DEMO_ORG = { name: 'Demo', slug: 'demo' };

async function call(base: string, path: string, init: RequestInit & { cookie?: string } = {}) {
  const headers = new Headers(init.headers);
  headers.set('origin', base);
  if (init.body) headers.set('content-type', 'application/json');
  if (init.cookie) headers.set('cookie', init.cookie);
  const res = await fetch(base + path, { ...init, headers });
  const text = await res.text();
  const body = text ? JSON.parse(text) : null;
  return { res, body };
}

/** Follows the verification link the local Worker wrote to its outbox, as the developer would. */
export async function verifyLocally(base: string, email: string) {
  const { body } = await call(base, `/api/dev/outbox.json?to=${encodeURIComponent(email)}`);
  const text = (body?.mail as { text: string }[] | undefined)?.find((m) =>
    m.text.includes('verify-email'),
  )?.text;
  const link = text?.match(/https?:\/\/\S+/)?.[0];
  if (!link) throw new Error(`no verification mail to ${email} in the local outbox`);
  const res = await fetch(link, { redirect: 'manual' });
  await res.body?.cancel();
}

/** Creates the demo user, organization and repository through the public API; a second run finds them. */
export async function seedDemoData(base: string, repoUrl: string) {
  let { res } = await call(base, '/api/auth/sign-in/email', {
    method: 'POST',
    body: JSON.stringify({ email: DEMO_USER.email, password: DEMO_USER.password }),
  });
  if (res.status === 401) {
    ({ res } = await call(base, '/api/auth/sign-up/email', {
      method: 'POST',
      body: JSON.stringify(DEMO_USER),
    }));
    if (res.ok) await verifyLocally(base, DEMO_USER.email);
  }
  if (!res.ok) throw new Error(`demo sign-in failed: ${res.status}`);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');

  const orgs = await call(base, '/api/auth/organization/list', { cookie });
  let org = (orgs.body as { id: string; slug: string }[]).find((o) => o.slug === DEMO_ORG.slug);
  if (!org) {
    const created = await call(base, '/api/auth/organization/create', {
      method: 'POST',
      cookie,
      body: JSON.stringify(DEMO_ORG),
    });
    if (!created.res.ok)
      throw new Error(`demo organization: ${created.res.status} ${JSON.stringify(created.body)}`);
    org = created.body;
  }
  const repos = await call(base, `/api/repositories?organizationId=${org!.id}`, { cookie });
  const existing = (repos.body.repositories as { url: string }[]).find((r) => r.url === repoUrl);
  if (!existing) {
    const added = await call(base, '/api/repositories', {
      method: 'POST',
      cookie,
      body: JSON.stringify({ organizationId: org!.id, url: repoUrl, name: 'demo' }),
    });
    if (!added.res.ok) throw new Error(`demo repository: ${added.res.status} ${JSON.stringify(added.body)}`);
  }
  return { organizationId: org!.id, cookie };
}
