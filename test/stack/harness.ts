import { mkdtempSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createHmac, randomUUID } from 'node:crypto';
import { startStack, type Stack } from '../../scripts/local/stack';
import { freePort } from '../../scripts/local/ports';
import { createDemoRepository, git } from '../../scripts/local/demo-repo';
import { readBody } from '../shared/body';

export interface ApiResult {
  status: number;
  json: any;
}

/** One delivery to `/webhooks/github`, as GitHub sends it. */
export interface WebhookDelivery {
  event?: string;
  payload?: unknown;
  /** The body as sent, instead of `payload` as JSON. */
  raw?: string | Buffer;
  /** Signs with this, else the stack's GITHUB_WEBHOOK_SECRET. */
  secret?: string;
  /** The signature header as given; null sends none. */
  signature?: string | null;
  delivery?: string;
  contentType?: string;
}

/** GitHub's signature of a delivery body: HMAC-SHA256 with the webhook's secret. */
export const signWebhook = (secret: string, body: string | Buffer) =>
  'sha256=' + createHmac('sha256', secret).update(body).digest('hex');

/** GitHub's push event for `after` on `branch` of a `file://` origin; `extra` overrides fields. */
export const pushPayload = (
  origin: string,
  branch: string,
  after: string,
  extra: Record<string, unknown> = {},
) => ({
  ref: `refs/heads/${branch}`,
  before: '0'.repeat(40),
  after,
  created: false,
  deleted: false,
  repository: { clone_url: `file://${origin}`, html_url: `file://${origin}` },
  ...extra,
});

export interface TestUser {
  id: string;
  email: string;
  cookie: string;
}

/**
 * The real product on loopback (embedded Postgres, VM host, wrangler dev) for one test file, plus a
 * folder of origin repositories every VM can read.
 */
export async function startTestStack(
  opts: {
    extraVars?: Record<string, string>;
    inspectorPort?: number;
    dbLatencyMs?: number;
    log?: (line: string) => void;
    /** More host paths every VM may read (a test's server binaries). */
    readonlyPaths?: string[];
    /** Each VM's memory limit and disk quota, MiB. */
    vmMemoryMiB?: number;
    vmDiskMiB?: number;
  } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'cw-stack-test-'));
  const originsDir = join(dir, 'origins');
  mkdirSync(originsDir, { recursive: true });
  const stack: Stack = await startStack({
    dataDir: join(dir, 'data'),
    port: await freePort(),
    readonlyPaths: [originsDir, ...(opts.readonlyPaths ?? [])],
    seed: false,
    buildWeb: false,
    ephemeral: true,
    log: opts.log ?? (() => {}),
    extraVars: opts.extraVars,
    // A port of its own: wrangler's default (9229) is taken by whichever stack on the machine came first.
    inspectorPort: opts.inspectorPort ?? (await freePort()),
    dbLatencyMs: opts.dbLatencyMs,
    vmMemoryMiB: opts.vmMemoryMiB,
    vmDiskMiB: opts.vmDiskMiB,
  });

  async function call(
    path: string,
    opts: { method?: string; body?: unknown; cookie?: string; apiKey?: string } = {},
  ) {
    const headers: Record<string, string> = { origin: stack.url };
    if (opts.cookie) headers.cookie = opts.cookie;
    if (opts.apiKey) headers.authorization = `Bearer ${opts.apiKey}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(stack.url + path, {
      method: opts.method ?? (opts.body !== undefined ? 'POST' : 'GET'),
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null } as ApiResult;
  }

  async function signUp(): Promise<TestUser> {
    const email = `u-${randomUUID().slice(0, 8)}@example.test`;
    const res = await fetch(`${stack.url}/api/auth/sign-up/email`, {
      method: 'POST',
      headers: { origin: stack.url, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Tester', email, password: 'correct-horse-battery' }),
    });
    if (!res.ok) throw new Error(`sign-up: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { user: { id: string } };
    const cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    await verifyEmail(email);
    return { id: body.user.id, email, cookie };
  }

  /** Follows the verification link the server mailed to `email` (the local outbox): invitations need it. */
  async function verifyEmail(email: string) {
    const out = await call(`/api/dev/outbox.json?to=${encodeURIComponent(email)}`);
    const mail = (out.json?.mail as { to: string; text: string }[] | undefined)?.find(
      (m) => m.to === email && m.text.includes('verify-email'),
    );
    const link = mail?.text.match(/https?:\/\/\S+/)?.[0];
    if (!link) throw new Error(`no verification mail to ${email}`);
    const res = await fetch(link, { redirect: 'manual', headers: { origin: stack.url } });
    await res.body?.cancel();
    if (res.status >= 400) throw new Error(`verification failed: ${res.status}`);
  }

  async function createOrg(u: TestUser): Promise<string> {
    const r = await call('/api/auth/organization/create', {
      cookie: u.cookie,
      body: { name: 'Org', slug: `org-${randomUUID().slice(0, 8)}` },
    });
    if (r.status !== 200) throw new Error(`org: ${r.status}`);
    return r.json.id;
  }

  /** A new user invited to `org` by `owner` with `role`, who accepts: a teammate. */
  async function addMember(owner: TestUser, org: string, role = 'member'): Promise<TestUser> {
    const mate = await signUp();
    const inv = await call('/api/auth/organization/invite-member', {
      cookie: owner.cookie,
      body: { email: mate.email, role, organizationId: org },
    });
    if (inv.status !== 200) throw new Error(`invite: ${inv.status} ${JSON.stringify(inv.json)}`);
    const accepted = await call('/api/auth/organization/accept-invitation', {
      cookie: mate.cookie,
      body: { invitationId: inv.json.id },
    });
    if (accepted.status !== 200)
      throw new Error(`accept: ${accepted.status} ${JSON.stringify(accepted.json)}`);
    return mate;
  }

  /** A bare origin with `main` and `feature/greeting`, under the folder VMs may read. */
  function createOrigin(name = `origin-${randomUUID().slice(0, 8)}`): string {
    return createDemoRepository(join(originsDir, `${name}.git`));
  }

  /** Commits `files` on `branch` of `origin` and pushes them; answers the new commit. */
  function pushFiles(
    origin: string,
    files: Record<string, string>,
    branch = 'main',
    message = 'Change',
  ): string {
    const work = mkdtempSync(join(tmpdir(), 'cw-push-'));
    try {
      git(work, 'clone', '-q', '--branch', branch, origin, '.');
      for (const [name, content] of Object.entries(files)) {
        mkdirSync(dirname(join(work, name)), { recursive: true });
        writeFileSync(join(work, name), content);
      }
      git(work, 'add', '.');
      git(work, 'commit', '-q', '-m', message);
      git(work, 'push', '-q', 'origin', `HEAD:refs/heads/${branch}`);
      return git(work, 'rev-parse', 'HEAD');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }

  /** Sends `d` to the webhook endpoint signed like GitHub; answers the status, the body and how long it took. */
  async function webhook(d: WebhookDelivery) {
    const body = d.raw ?? JSON.stringify(d.payload);
    const headers: Record<string, string> = {
      'content-type': d.contentType ?? 'application/json',
      'x-github-event': d.event ?? 'push',
      'x-github-delivery': d.delivery ?? randomUUID(),
      'user-agent': 'GitHub-Hookshot/test',
    };
    const secret = d.secret ?? opts.extraVars?.GITHUB_WEBHOOK_SECRET;
    if (d.signature === undefined && secret === undefined)
      throw new Error('webhook: no secret (give one, or GITHUB_WEBHOOK_SECRET in extraVars)');
    const signature = d.signature === undefined ? signWebhook(secret!, body) : d.signature;
    if (signature !== null) headers['x-hub-signature-256'] = signature;
    const started = Date.now();
    // A copy: fetch takes bytes over an ArrayBuffer, not a Buffer's shared pool.
    const sent = typeof body === 'string' ? body : new Uint8Array(body);
    const res = await fetch(`${stack.url}/webhooks/github`, { method: 'POST', headers, body: sent });
    const json = await readBody(res);
    return { status: res.status, json, ms: Date.now() - started };
  }

  /** GitHub telling the stack that `after` was pushed to `branch` (default main) of `origin`. */
  function pushWebhook(
    origin: string,
    after: string,
    d: Omit<WebhookDelivery, 'payload' | 'raw' | 'event'> & {
      branch?: string;
      extra?: Record<string, unknown>;
    } = {},
  ) {
    const { branch = 'main', extra, ...rest } = d;
    return webhook({ ...rest, payload: pushPayload(origin, branch, after, extra) });
  }

  async function addRepository(u: TestUser, organizationId: string, originPath: string): Promise<string> {
    const r = await call('/api/repositories', {
      cookie: u.cookie,
      body: { organizationId, url: `file://${originPath}` },
    });
    if (r.status !== 201) throw new Error(`repo: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json.repository.id;
  }

  async function waitForStatus(u: TestUser, id: string, wanted: string[], timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    let last: any;
    while (Date.now() < deadline) {
      last = await call(`/api/workspaces/${id}`, { cookie: u.cookie });
      if (wanted.includes(last.json?.workspace?.status)) return last.json.workspace;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`workspace ${id} never reached ${wanted.join('|')}: ${JSON.stringify(last?.json)}`);
  }

  /** A user, an organization, an origin and a running workspace on `branch`. */
  async function runningWorkspace(branch = 'main') {
    const user = await signUp();
    const org = await createOrg(user);
    const origin = createOrigin();
    const repositoryId = await addRepository(user, org, origin);
    const created = await call('/api/workspaces', {
      cookie: user.cookie,
      body: { organizationId: org, repositoryId, branch },
    });
    if (created.status !== 201) throw new Error(`create: ${created.status} ${JSON.stringify(created.json)}`);
    const workspace = await waitForStatus(user, created.json.workspace.id, ['running']);
    return { user, org, origin, repositoryId, workspace };
  }

  return {
    stack,
    dataDir: join(dir, 'data'),
    originsDir,
    call,
    signUp,
    createOrg,
    addMember,
    createOrigin,
    pushFiles,
    webhook,
    pushWebhook,
    addRepository,
    waitForStatus,
    runningWorkspace,
    git,
    async stop() {
      await stack.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type TestStack = Awaited<ReturnType<typeof startTestStack>>;
