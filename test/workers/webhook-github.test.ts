import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createVmClient } from '../../core/vm';
import { interpret, pullScript } from '../../durable-objects/room/pull';
import { parseSignatureHeader, signBody, verifySignature } from '../../worker/webhooks/signature';
import { call, createOrg, demoRepoUrl, signUp, unique } from './helpers';

const encode = (s: string) => new TextEncoder().encode(s);

describe('webhook signatures', () => {
  it("matches GitHub's documented example and rejects anything else", async () => {
    // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
    const secret = "It's a Secret to Everybody";
    const header = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
    expect(await signBody(secret, 'Hello, World!')).toBe(header);
    const sig = parseSignatureHeader(header)!;
    expect(await verifySignature(secret, encode('Hello, World!'), sig)).toBe(true);
    expect(await verifySignature(secret, encode('Hello, World?'), sig)).toBe(false);
    expect(await verifySignature('other', encode('Hello, World!'), sig)).toBe(false);
    expect(await verifySignature('', encode('Hello, World!'), sig)).toBe(false);
    for (const bad of [undefined, '', 'sha1=abc', 'sha256=', 'sha256=' + 'g'.repeat(64), header + '00']) {
      expect(parseSignatureHeader(bad), String(bad)).toBeNull();
    }
  });
});

async function githubRepository() {
  const owner = await signUp();
  const org = await createOrg(owner);
  const fullName = `acme-${unique()}/widgets`;
  const r = await call('/api/repositories', {
    cookie: owner.cookie,
    body: { organizationId: org, url: `https://github.com/${fullName}` },
  });
  expect(r.status).toBe(201);
  return { owner, org, fullName, secret: r.json.repository.webhookSecret as string };
}

async function deliver(
  event: string,
  body: string,
  signature: string | null,
  delivery = crypto.randomUUID(),
) {
  const headers: Record<string, string> = {
    'x-github-event': event,
    'x-github-delivery': delivery,
  };
  if (signature) headers['x-hub-signature-256'] = signature;
  return call('/webhooks/github', { method: 'POST', rawBody: body, headers });
}

describe('POST /webhooks/github', () => {
  it('needs no session, only a signature by the repository secret (full name matched case-insensitively)', async () => {
    const { fullName, secret } = await githubRepository();
    const payload = JSON.stringify({
      zen: 'Design for failure.',
      repository: { full_name: fullName.toUpperCase() },
    });
    const ok = await deliver('ping', payload, await signBody(secret, payload));
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ ok: true, event: 'ping' });

    expect((await deliver('ping', payload, null)).json.error.code).toBe('invalid_signature');
    expect((await deliver('ping', payload, await signBody('wrong', payload))).status).toBe(401);
    // The signature of one repository does not carry over to a payload naming another.
    const other = JSON.stringify({ repository: { full_name: 'someone/else' } });
    expect((await deliver('ping', other, await signBody(secret, other))).status).toBe(401);
  });

  it('deduplicates by delivery id, ignores unknown events with 202, refuses oversize with 413', async () => {
    const { fullName, secret } = await githubRepository();
    const push = JSON.stringify({
      ref: 'refs/heads/main',
      after: 'b'.repeat(40),
      repository: { full_name: fullName, clone_url: `https://github.com/${fullName}.git` },
    });
    const id = crypto.randomUUID();
    const first = await deliver('push', push, await signBody(secret, push), id);
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ event: 'push', delivery: id, workspaces: 0 });
    const again = await deliver('push', push, await signBody(secret, push), id);
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ ignored: 'duplicate delivery' });

    const star = JSON.stringify({ action: 'created', repository: { full_name: fullName } });
    const unknown = await deliver('star', star, await signBody(secret, star));
    expect(unknown.status).toBe(202);

    const big = 'x'.repeat(25 * 1024 * 1024 + 1);
    const huge = await deliver('push', big, await signBody(secret, 'x'));
    expect(huge.status).toBe(413);
    expect(huge.json.error.code).toBe('payload_too_large');
  });
});

describe('the pull', () => {
  it('names every outcome from the exit code', () => {
    const ctx = { branch: 'main', source: 'GitHub', previous: 'a'.repeat(40) };
    const sha = 'c'.repeat(40);
    expect(interpret({ statusCode: 0, stdout: `pulled ${sha}\n` }, ctx)).toMatchObject({
      outcome: 'pulled',
      commit: sha,
      message: 'pulled ccccccc from GitHub',
    });
    expect(interpret({ statusCode: 0, stdout: `up_to_date ${sha}\n` }, ctx).outcome).toBe('up_to_date');
    expect(interpret({ statusCode: 91, stdout: 'other\n' }, ctx).message).toMatch(
      /on branch other, not main/,
    );
    expect(interpret({ statusCode: 92, stdout: ' M a.txt\n?? b\nA  c.txt\n' }, ctx).message).toMatch(
      /uncommitted changes \(a\.txt, b, c\.txt\)/,
    );
    expect(interpret({ statusCode: 93, stderr: 'fatal: could not read' }, ctx)).toMatchObject({
      outcome: 'failed',
      transient: true,
    });
    expect(interpret({ statusCode: 95, stdout: `${sha}\n` }, ctx)).toMatchObject({ outcome: 'diverged' });
    expect(
      interpret({ statusCode: 96, stderr: 'untracked working tree files would be overwritten' }, ctx),
    ).toMatchObject({ outcome: 'failed', transient: false });
    expect(interpret({ statusCode: null }, ctx)).toMatchObject({ outcome: 'failed', transient: true });
  });

  it('quotes the branch wherever it appears in the command', () => {
    const script = pullScript("x'$(id)`id`;y");
    // Every occurrence sits inside single quotes, with the quote itself escaped.
    expect(script.split("'x'\\''$(id)`id`;y'").length).toBe(2);
    expect(script).toContain("'+refs/heads/x'\\''$(id)`id`;y:refs/remotes/origin/x'\\''$(id)`id`;y'");
    expect(script).not.toMatch(/[^']\$\(id\)/);
  });

  it('retries a pull that fails for a passing reason, and keeps it owed', async () => {
    const owner = await signUp();
    const org = await createOrg(owner);
    const repo = await call('/api/repositories', {
      cookie: owner.cookie,
      body: { organizationId: org, url: demoRepoUrl() },
    });
    const created = await call('/api/workspaces', {
      cookie: owner.cookie,
      body: { organizationId: org, repositoryId: repo.json.repository.id, branch: 'main' },
    });
    const id = created.json.workspace.id;
    let ws: any;
    for (let i = 0; i < 100; i++) {
      ws = (await call(`/api/workspaces/${id}`, { cookie: owner.cookie })).json.workspace;
      if (ws.status === 'running') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(ws.status).toBe('running');

    // The VM vanishes behind our back: the pull fails, says so, and is retried on the alarm.
    const bindings = env as unknown as { VM_API_URL: string; FREESTYLE_API_KEY: string };
    const vm = createVmClient({
      baseUrl: bindings.VM_API_URL,
      apiKey: bindings.FREESTYLE_API_KEY,
      fetch: fetch.bind(globalThis),
    });
    await vm.deleteVm(ws.freestyleVmId);
    const pulled = await call(`/api/workspaces/${id}/pull`, { cookie: owner.cookie, method: 'POST' });
    expect(pulled.status).toBe(200);
    expect(pulled.json).toMatchObject({ pulled: false, outcome: 'failed' });
    expect(pulled.json.message).toMatch(/retrying in 2 s$/);
    expect(pulled.json.workspace).toMatchObject({ pendingPull: true, pullMessage: pulled.json.message });

    await call(`/api/workspaces/${id}`, { cookie: owner.cookie, method: 'DELETE' });
  });
});
