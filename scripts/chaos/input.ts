import type { Client, Reply } from './client';
import type { Report } from './report';

// Hostile input: what used to answer 500 (Postgres refusing NUL, a URIError), 502 or the wrong 200.

const NUL = 'a\u0000b';
const LONE = 'a\ud800b';

const describe = (r: Reply) => `${r.status} ${r.json?.error?.code ?? r.text.slice(0, 80)}`;
const is400 = (r: Reply, field?: string) =>
  r.status === 400 && r.json?.error?.code === 'validation_error' && (!field || r.json.error.field === field);

export async function inputChecks(c: Client, report: Report, s: { cookie: string; organizationId: string }) {
  const check = report.section('Input hygiene');
  const { cookie, organizationId } = s;
  const repo = (body: Record<string, unknown>) =>
    c.call('/api/repositories', { cookie, body: { organizationId, url: '/tmp/chaos.git', ...body } });

  let r = await repo({ name: NUL });
  check('a null byte in a JSON field is a 400 naming it', is400(r, 'name'), describe(r));
  r = await repo({ name: LONE });
  check('an unpaired surrogate is a 400 naming the field', is400(r, 'name'), describe(r));
  r = await c.call('/api/workspaces?organizationId=a%00b', { cookie });
  check('a null byte in a query parameter is a 400', is400(r, 'organizationId'), describe(r));
  r = await c.call('/api/api-keys/a%00b', { cookie, method: 'DELETE' });
  check('a null byte in a path param is a 400', is400(r, 'path'), describe(r));
  r = await c.call('/api/auth/sign-in/email', { body: { email: NUL, password: 'x' } });
  check("a null byte on Better Auth's routes is a 400", is400(r, 'email'), describe(r));
  r = await c.call('/webhooks/github', {
    raw: JSON.stringify({ ref: 'refs/heads/main', repository: { full_name: NUL } }),
    // Any well-formed signature: the payload is read (to find the repository's secret) before it is checked.
    headers: { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
  });
  check('a null byte on the unauthenticated webhook is a 400', r.status === 400, describe(r));
  r = await repo({ url: 'file:///tmp/%E0%A4%A' });
  check('malformed percent-encoding is a 400', is400(r, 'url'), describe(r));
  r = await c.call('/api/api-keys', { cookie, raw: JSON.stringify({ name: 'plain' }), type: 'text/plain' });
  check('a JSON body sent as text/plain is a 415', r.status === 415, describe(r));
  r = await c.call('/api/cloud-workspace/command', {
    cookie,
    raw: `{"workspaceId":"${crypto.randomUUID()}","command":"true","timeoutMs":1e308}`,
  });
  check(
    'a number like 1e308 names the real limits, not 2^53',
    is400(r, 'timeoutMs') && /100 to 600000/.test(r.json.error.message),
    r.json?.error?.message ?? describe(r),
  );
  r = await c.call('/api/cloud-workspace/command', {
    cookie,
    body: { workspaceId: crypto.randomUUID(), command: `echo ${NUL}` },
  });
  check(
    'exec with a null byte is a 400 and shows no command line',
    is400(r, 'command') && !r.text.includes('exit 97'),
    describe(r),
  );
  r = await repo({ defaultBranch: '../../../etc/passwd' });
  check('defaultBranch is validated like a branch', is400(r, 'defaultBranch'), describe(r));
  for (const [what, name] of [
    ['spaces only', '   '],
    ['an escape sequence', '\u001b[31mred'],
    ['a right-to-left override', 'evil\u202Egnp.exe'],
  ]) {
    r = await repo({ name });
    check(`a name of ${what} is refused`, is400(r, 'name'), describe(r));
  }
  const slug = `chaos-${Math.random().toString(36).slice(2, 8)}`;
  r = await c.call('/api/auth/organization/create', { cookie, body: { name: 'Chaos', slug: 'Not A Slug' } });
  check('an organization slug outside [a-z0-9-] is refused', is400(r, 'slug'), describe(r));
  r = await c.call('/api/auth/organization/create', {
    cookie,
    body: { name: 'Chaos', slug, logo: 'javascript:alert(1)' },
  });
  check('a javascript: logo is refused', is400(r, 'logo'), describe(r));
}
