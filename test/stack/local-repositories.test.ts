import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from './harness';

// A new user names a repository they have in /tmp. VMs see only some folders of the host, so the
// product says so at once, with what to do, and the advice works.

let t: TestStack;
let repo: string;
beforeAll(async () => {
  t = await startTestStack();
  repo = join(tmpdir(), `my-app-${randomUUID().slice(0, 8)}`);
  mkdirSync(repo);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  writeFileSync(join(repo, 'README.md'), 'hello from /tmp\n');
  git('add', '.');
  git('-c', 'user.name=T', '-c', 'user.email=t@example.test', 'commit', '-qm', 'first');
});
afterAll(async () => {
  await t?.stop();
  if (repo) rmSync(repo, { recursive: true, force: true });
});

describe('local repositories', () => {
  it('refuses a repository VMs cannot read with 400 and a way out that works', async () => {
    const user = await t.signUp();
    const org = await t.createOrg(user);
    for (const url of [repo, `file://${repo}`]) {
      const r = await t.call('/api/repositories', {
        cookie: user.cookie,
        body: { organizationId: org, url },
      });
      expect(r.status).toBe(400);
      expect(r.json.error.field).toBe('url');
      expect(r.json.error.message).toContain(`${repo} is outside the folders`);
    }
    const r = await t.call('/api/repositories', {
      cookie: user.cookie,
      body: { organizationId: org, url: repo },
    });
    // The advice: copy it into the folder VMs read, and add that.
    const advice = r.json.error.message.match(/\(git clone --bare (\S+) (\S+)\)/);
    expect(advice?.[1]).toBe(repo);
    execFileSync('git', ['clone', '-q', '--bare', advice![1], advice![2]]);
    const added = await t.call('/api/repositories', {
      cookie: user.cookie,
      body: { organizationId: org, url: `file://${advice![2]}` },
    });
    expect(added.status).toBe(201);
    const created = await t.call('/api/workspaces', {
      cookie: user.cookie,
      body: { organizationId: org, repositoryId: added.json.repository.id, branch: 'main' },
    });
    expect(created.status).toBe(201);
    const ws = await t.waitForStatus(user, created.json.workspace.id, ['running', 'error'], 60_000);
    expect(ws.status).toBe('running');
    const cat = await t.call(`/api/workspaces/${ws.id}/exec`, {
      cookie: user.cookie,
      body: { command: 'cat README.md' },
    });
    expect(cat.json.stdout).toBe('hello from /tmp\n');
  }, 120_000);
});
