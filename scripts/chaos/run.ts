import { createClient, loopbackBase } from './client';
import { Report } from './report';
import { inputChecks } from './input';
import { loadChecks, stablyHealthy } from './load';
import { terminalChecks } from './terminal';
import { DEMO_ORG, DEMO_USER } from '../local/seed';

// `npm run chaos`: the hostile-client and bad-day findings of issue 18, against a running local stack
// (`npm start`; CHAOS_URL or PORT to point elsewhere on this machine). Loopback only, bounded in count
// and in time (CHAOS_TIMEOUT_MS, default 5 minutes); prints what held and exits 1 if anything broke.

const base = loopbackBase(process.env.CHAOS_URL ?? `http://127.0.0.1:${process.env.PORT ?? 8787}`);
const c = createClient(base);
const report = new Report();
const timeout = Number(process.env.CHAOS_TIMEOUT_MS ?? 300_000);
setTimeout(() => {
  console.error(`\nchaos: stopped after ${timeout} ms`);
  process.exit(report.summary() ? 1 : 2);
}, timeout).unref();

async function signIn() {
  const res = await fetch(`${c.origin}/api/auth/sign-in/email`, {
    method: 'POST',
    headers: { origin: c.origin, 'content-type': 'application/json' },
    body: JSON.stringify({ email: DEMO_USER.email, password: DEMO_USER.password }),
  });
  if (!res.ok)
    throw new Error(`demo sign-in failed (${res.status}): is \`npm start\` running at ${c.origin}?`);
  return res.headers
    .getSetCookie()
    .map((x) => x.split(';')[0])
    .join('; ');
}

async function main() {
  console.log(`chaos against ${c.origin}`);
  const cookie = await signIn();
  const orgs = (await c.call('/api/auth/organization/list', { cookie })).json as {
    id: string;
    slug: string;
  }[];
  const organizationId = orgs.find((o) => o.slug === DEMO_ORG.slug)?.id;
  if (!organizationId) throw new Error('no demo organization: start the stack with `npm start` first');
  await inputChecks(c, report, { cookie, organizationId });
  await loadChecks(c, report, { cookie, organizationId });

  await stablyHealthy(c, 60_000); // the burst may have met a restarting part
  const repos = (await c.call(`/api/repositories?organizationId=${organizationId}`, { cookie })).json;
  const repositoryId = repos?.repositories?.[0]?.id as string | undefined;
  const created = repositoryId
    ? await c.call('/api/workspaces', {
        cookie,
        body: { organizationId, repositoryId, branch: 'main', name: 'chaos' },
      })
    : undefined;
  const workspaceId = created?.json?.workspace?.id as string | undefined;
  if (!workspaceId) {
    report.add('Terminal sockets', 'a workspace to attack', false, `create: ${created?.status}`);
  } else {
    try {
      const end = Date.now() + 60_000;
      let status = '';
      while (Date.now() < end && status !== 'running') {
        status = (await c.call(`/api/workspaces/${workspaceId}`, { cookie })).json?.workspace?.status;
        await new Promise((r) => setTimeout(r, 300));
      }
      await terminalChecks(c, report, { cookie, workspaceId });
    } finally {
      await c.call(`/api/workspaces/${workspaceId}`, { cookie, method: 'DELETE' });
    }
  }
  process.exit(report.summary() ? 1 : 0);
}

main().catch((err) => {
  console.error(`chaos: ${err instanceof Error ? err.message : err}`);
  report.summary();
  process.exit(2);
});
