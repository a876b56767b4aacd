import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { pushPayload, signWebhook, startTestStack, type TestStack } from './harness';

// GitHub webhook auto-pull against the real product: real git in real VMs, a bare origin standing in for
// GitHub, and deliveries signed the way GitHub signs them.

const GLOBAL_SECRET = 'global-webhook-secret-for-tests';

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({ extraVars: { GITHUB_WEBHOOK_SECRET: GLOBAL_SECRET } });
});
afterAll(async () => {
  await t?.stop();
});

async function secretOf(cookie: string, org: string, repositoryId: string): Promise<string> {
  const r = await t.call(`/api/repositories?organizationId=${org}`, { cookie });
  return r.json.repositories.find((x: any) => x.id === repositoryId).webhookSecret;
}

async function setup(branch = 'main') {
  const ws = await t.runningWorkspace(branch);
  const secret = await secretOf(ws.user.cookie, ws.org, ws.repositoryId);
  const exec = async (command: string) => {
    const r = await t.call(`/api/workspaces/${ws.workspace.id}/exec`, {
      cookie: ws.user.cookie,
      body: { command },
    });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    return r.json as { stdout: string; stderr: string; exitCode: number };
  };
  const get = async () =>
    (await t.call(`/api/workspaces/${ws.workspace.id}`, { cookie: ws.user.cookie })).json.workspace;
  return { ...ws, secret, exec, get };
}

async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  do {
    last = await fn();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  } while (Date.now() < deadline);
  return last;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('GitHub webhook: push pulls into running workspaces', () => {
  it('pulls a pushed commit within 5 s; replays and bad signatures do nothing', async () => {
    const w = await setup();
    // The organization's live socket, as the web app listens to it.
    const heard: any[] = [];
    const live = new WebSocket(`${t.stack.url.replace('http', 'ws')}/api/organizations/${w.org}/events`, {
      headers: { cookie: w.user.cookie, origin: t.stack.url },
    });
    live.on('message', (data) => heard.push(JSON.parse(String(data))));
    await new Promise((resolve, reject) => live.once('open', resolve).once('error', reject));
    const sha = t.pushFiles(w.origin, { 'pushed.txt': 'from origin\n' });
    const delivery = randomUUID();
    const started = Date.now();
    const res = await t.pushWebhook(w.origin, sha, { secret: w.secret, delivery });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json).toMatchObject({ ok: true, event: 'push', delivery, workspaces: 1 });
    expect(res.ms).toBeLessThan(1_000);

    const cat = await eventually(
      () => w.exec('cat pushed.txt 2>/dev/null || true'),
      (r) => r.stdout === 'from origin\n',
    );
    expect(cat.stdout).toBe('from origin\n');
    const pulled = await eventually(
      async () => heard.find((m) => m.type === 'event' && m.event.type === 'pulled'),
      (m) => !!m,
    );
    live.close();
    expect(pulled).toMatchObject({
      workspaceId: w.workspace.id,
      event: { message: `pulled ${sha.slice(0, 7)} from origin` },
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    const after = await eventually(w.get, (ws) => ws.lastCommitSha === sha);
    expect(after).toMatchObject({ lastCommitSha: sha, pendingPull: false });
    expect(after.pullMessage).toBe(`pulled ${sha.slice(0, 7)} from origin`);

    // Another commit lands on origin; the same delivery replayed does nothing.
    const sha2 = t.pushFiles(w.origin, { 'second.txt': 'two\n' });
    const replay = await t.pushWebhook(w.origin, sha2, { secret: w.secret, delivery });
    expect(replay.status).toBe(200);
    expect(replay.json).toMatchObject({ ignored: 'duplicate delivery' });

    // Wrong secret, a signature of other bytes, a missing or malformed header: 401, nothing pulled.
    const payload = pushPayload(w.origin, 'main', sha2);
    for (const bad of [
      { secret: 'not-the-secret' },
      { signature: signWebhook(w.secret, JSON.stringify({ ...payload, after: 'x' })) },
      { signature: null },
      { signature: 'sha1=abc' },
    ]) {
      const r = await t.pushWebhook(w.origin, sha2, bad);
      expect(r.status, JSON.stringify(bad)).toBe(401);
      expect(r.json.error.code).toBe('invalid_signature');
    }
    await sleep(1_500);
    expect((await w.exec('test -e second.txt; echo $?')).stdout).toBe('1\n');
    expect((await w.get()).lastCommitSha).toBe(sha);

    // A fresh, correctly signed delivery pulls it (the global secret works too).
    const fresh = await t.pushWebhook(w.origin, sha2);
    expect(fresh.status).toBe(200);
    const two = await eventually(
      () => w.exec('cat second.txt 2>/dev/null || true'),
      (r) => r.stdout === 'two\n',
    );
    expect(two.stdout).toBe('two\n');
  });

  it('leaves a dirty or diverged workspace untouched and says why', async () => {
    const w = await setup();
    expect((await w.exec('echo "local edit" >> README.md')).exitCode).toBe(0);
    const sha = t.pushFiles(w.origin, { 'incoming.txt': 'new\n' });
    const before = (await w.get()).lastCommitSha;
    expect((await t.pushWebhook(w.origin, sha, { secret: w.secret })).status).toBe(200);
    const dirty = await eventually(w.get, (ws) => !!ws.pullMessage);
    expect(dirty.pullMessage).toMatch(/^not pulled: uncommitted changes \(README\.md\)/);
    expect(dirty.lastCommitSha).toBe(before);
    expect((await w.exec('test -e incoming.txt; echo $?; tail -n 1 README.md')).stdout).toBe(
      '1\nlocal edit\n',
    );

    // Commit the edit locally: now the branch has diverged from origin.
    expect((await w.exec('git -c user.name=T -c user.email=t@t commit -qam local')).exitCode).toBe(0);
    const local = (await w.exec('git rev-parse HEAD')).stdout.trim();
    const sha2 = t.pushFiles(w.origin, { 'incoming2.txt': 'newer\n' });
    expect((await t.pushWebhook(w.origin, sha2, { secret: w.secret })).status).toBe(200);
    const diverged = await eventually(w.get, (ws) => /diverged/.test(ws.pullMessage ?? ''));
    expect(diverged.pullMessage).toMatch(/^not pulled: main has diverged from origin/);
    expect((await w.exec('git rev-parse HEAD; test -e incoming2.txt; echo $?')).stdout).toBe(`${local}\n1\n`);
  });

  it('marks a paused workspace and pulls when it resumes', async () => {
    const w = await setup();
    const id = w.workspace.id;
    expect(
      (await t.call(`/api/workspaces/${id}/pause`, { cookie: w.user.cookie, method: 'POST' })).status,
    ).toBe(200);
    const sha = t.pushFiles(w.origin, { 'while-paused.txt': 'hello\n' });
    const res = await t.pushWebhook(w.origin, sha, { secret: w.secret });
    expect(res.json).toMatchObject({ workspaces: 1 });
    await sleep(500);
    expect(await w.get()).toMatchObject({ status: 'paused', pendingPull: true });

    const resumed = await t.call(`/api/workspaces/${id}/resume`, { cookie: w.user.cookie, method: 'POST' });
    expect(resumed.status).toBe(200);
    const cat = await eventually(
      () => w.exec('cat while-paused.txt 2>/dev/null || true'),
      (r) => r.stdout === 'hello\n',
    );
    expect(cat.stdout).toBe('hello\n');
    expect(await eventually(w.get, (ws) => !ws.pendingPull)).toMatchObject({
      pendingPull: false,
      lastCommitSha: sha,
    });
  });

  it('does no harm with shell metacharacters in the branch name or the payload', async () => {
    const branch = "evil/$(touch${IFS}pwned);'`touch${IFS}pwned2`";
    const user = await t.signUp();
    const org = await t.createOrg(user);
    const origin = t.createOrigin();
    const work = mkdtempSync(join(tmpdir(), 'cw-evil-'));
    try {
      t.git(work, 'clone', '-q', origin, '.');
      t.git(work, 'push', '-q', 'origin', `HEAD:refs/heads/${branch}`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    const repositoryId = await t.addRepository(user, org, origin);
    const created = await t.call('/api/workspaces', {
      cookie: user.cookie,
      body: { organizationId: org, repositoryId, branch },
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const ws = await t.waitForStatus(user, created.json.workspace.id, ['running']);
    const secret = await secretOf(user.cookie, org, repositoryId);
    const exec = async (command: string) =>
      (await t.call(`/api/workspaces/${ws.id}/exec`, { cookie: user.cookie, body: { command } })).json;

    const sha = t.pushFiles(origin, { 'safe.txt': 'ok\n' }, branch);
    const nasty = '$(touch /tmp/pwned3)`touch /tmp/pwned4`;touch /tmp/pwned5';
    const res = await t.pushWebhook(origin, sha, {
      branch,
      extra: { before: nasty, head_commit: { id: nasty, message: nasty }, pusher: { name: nasty } },
      secret,
    });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.workspaces).toBe(1);
    const cat = await eventually(
      () => exec('cat safe.txt 2>/dev/null || true'),
      (r) => r.stdout === 'ok\n',
    );
    expect(cat.stdout).toBe('ok\n');
    // A ref naming a branch nobody works on finds nothing, whatever it contains.
    const other = await t.pushWebhook(origin, sha, { branch: `$(touch /tmp/pwned6)`, secret });
    expect(other.json).toMatchObject({ workspaces: 0 });
    const found = await exec(
      'find /tmp /workspace "$HOME" / -maxdepth 3 -name "pwned*" 2>/dev/null | head -n 5; git branch --show-current',
    );
    expect(found.stdout).toBe(`${branch}\n`);
  });
});

describe('GitHub webhook: the endpoint', () => {
  it('answers ping 200, unknown events 202, tag pushes and deletions without pulling', async () => {
    const w = await setup();
    const ping = await t.webhook({
      event: 'ping',
      payload: {
        zen: 'Keep it logically awesome.',
        hook_id: 1,
        repository: { clone_url: `file://${w.origin}` },
      },
      secret: w.secret,
    });
    expect(ping.status).toBe(200);
    expect(ping.json).toMatchObject({ ok: true, event: 'ping' });

    const issues = await t.webhook({ event: 'issues', payload: { action: 'opened' } });
    expect(issues.status).toBe(202);
    expect(issues.json.ignored).toMatch(/not handled/);

    const tag = await t.pushWebhook(w.origin, 'a'.repeat(40), {
      extra: { ref: 'refs/tags/v1.0' },
      secret: w.secret,
    });
    expect(tag.json).toMatchObject({ ignored: 'not a branch push' });
    const deleted = await t.pushWebhook(w.origin, '0'.repeat(40), {
      extra: { deleted: true },
      secret: w.secret,
    });
    expect(deleted.json).toMatchObject({ ignored: 'branch deleted' });
    await sleep(500);
    expect((await w.get()).pendingPull).toBe(false);
  });

  it('rejects oversize bodies with 413, malformed JSON with 400', async () => {
    const big = Buffer.alloc(25 * 1024 * 1024 + 1, 0x20);
    const tooBig = await t.webhook({ raw: big });
    expect(tooBig.status).toBe(413);
    expect(tooBig.json.error.code).toBe('payload_too_large');

    const malformed = await t.webhook({ raw: '{"ref": "refs/heads/main",' });
    expect(malformed.status).toBe(400);
    expect(malformed.json.error.code).toBe('validation_error');
    // Unsigned garbage is a signature problem first.
    expect((await t.webhook({ raw: '{not json', signature: signWebhook('nope', '{not json') })).status).toBe(
      401,
    );
    const notPush = await t.webhook({ payload: { hello: 'world' } });
    expect(notPush.status).toBe(400);
  });

  it('accepts form-encoded deliveries', async () => {
    const w = await setup();
    const sha = t.pushFiles(w.origin, { 'form.txt': 'form\n' });
    const raw = new URLSearchParams({
      payload: JSON.stringify(pushPayload(w.origin, 'main', sha)),
    }).toString();
    const res = await t.webhook({ raw, secret: w.secret, contentType: 'application/x-www-form-urlencoded' });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.workspaces).toBe(1);
  });

  it("a repository's secret speaks only for its own organization's registration", async () => {
    const a = await setup();
    // Organization B registers the same origin and has its own workspace on it.
    const userB = await t.signUp();
    const orgB = await t.createOrg(userB);
    const repoB = await t.addRepository(userB, orgB, a.origin);
    const createdB = await t.call('/api/workspaces', {
      cookie: userB.cookie,
      body: { organizationId: orgB, repositoryId: repoB, branch: 'main' },
    });
    const wsB = await t.waitForStatus(userB, createdB.json.workspace.id, ['running']);
    const secretB = await secretOf(userB.cookie, orgB, repoB);

    const sha = t.pushFiles(a.origin, { 'b-only.txt': 'b\n' });
    const res = await t.pushWebhook(a.origin, sha, { secret: secretB });
    expect(res.json).toMatchObject({ workspaces: 1 });
    const execB = async () =>
      (
        await t.call(`/api/workspaces/${wsB.id}/exec`, {
          cookie: userB.cookie,
          body: { command: 'cat b-only.txt 2>/dev/null || true' },
        })
      ).json;
    expect((await eventually(execB, (r) => r.stdout === 'b\n')).stdout).toBe('b\n');
    expect((await a.exec('test -e b-only.txt; echo $?')).stdout).toBe('1\n');
    expect((await a.get()).pendingPull).toBe(false);
  });
});

describe('GitHub webhook: delivery ids', () => {
  it('forgets delivery ids after 30 days, keeping recent ones for deduplication', async () => {
    const pg = (await import('pg')).default;
    const db = new pg.Client({ connectionString: t.stack.databaseUrl });
    await db.connect();
    try {
      await db.query(
        `insert into webhook_deliveries (delivery_id, event, received_at) values ('old-one', 'push', now() - interval '31 days'), ('recent-one', 'push', now() - interval '2 days')`,
      );
      expect(
        (await t.webhook({ event: 'ping', payload: { zen: 'Keep it logically awesome.' } })).status,
      ).toBe(200);
      const { rows } = await db.query(
        `select delivery_id from webhook_deliveries where delivery_id in ('old-one', 'recent-one')`,
      );
      expect(rows.map((r) => r.delivery_id)).toEqual(['recent-one']);
    } finally {
      await db.end();
    }
  });
});

describe('POST /api/workspaces/:id/pull', () => {
  it('pulls on demand for members and answers 404 to everyone else', async () => {
    const w = await setup();
    const url = `/api/workspaces/${w.workspace.id}/pull`;
    const nothing = await t.call(url, { cookie: w.user.cookie, method: 'POST' });
    expect(nothing.status).toBe(200);
    expect(nothing.json).toMatchObject({ pulled: false, outcome: 'up_to_date' });

    const sha = t.pushFiles(w.origin, { 'now.txt': 'now\n' });
    const pulled = await t.call(url, { cookie: w.user.cookie, method: 'POST' });
    expect(pulled.status).toBe(200);
    expect(pulled.json).toMatchObject({
      pulled: true,
      commit: sha,
      outcome: 'pulled',
      message: `pulled ${sha.slice(0, 7)} from origin`,
    });
    expect((await w.exec('cat now.txt')).stdout).toBe('now\n');

    const stranger = await t.signUp();
    await t.createOrg(stranger);
    expect((await t.call(url, { cookie: stranger.cookie, method: 'POST' })).status).toBe(404);
    expect((await t.call(url, { method: 'POST' })).status).toBe(401);
  });
});
