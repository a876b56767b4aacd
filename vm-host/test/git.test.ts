import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createVmClient, VM_WORKSPACE_PATH } from '../../core/vm';
import { API_KEY, makeGitRepo, startTestHost, type TestHost } from './helpers';

let host: TestHost;
let repo: ReturnType<typeof makeGitRepo>;
beforeAll(async () => {
  repo = makeGitRepo();
  host = await startTestHost({ readonlyPaths: [repo.dir] });
});
afterAll(async () => {
  await host?.cleanup();
  repo?.cleanup();
});

it('clones a local file:// repository at a branch into /workspace, and pulls new commits', async () => {
  const c = createVmClient({ baseUrl: host.url, apiKey: API_KEY });
  const vm = await c.createVm();
  const clone = await c.exec(vm.id, {
    command: `git clone --branch feature -- file://${repo.dir} ${VM_WORKSPACE_PATH}`,
    timeoutMs: 60_000,
  });
  expect(clone.statusCode).toBe(0);
  expect(existsSync(join(host.dataDir, 'vms', vm.id, 'disk', 'workspace', 'feature.txt'))).toBe(true);
  const log = await c.exec(vm.id, {
    command: 'cd /workspace && git rev-parse --abbrev-ref HEAD && git log --format=%s',
  });
  expect(log.stdout).toBe('feature\nfeature work\ncommit 3\ncommit 2\ncommit 1\n');

  // A push upstream is pulled into the running workspace.
  execFileSync('git', ['checkout', '-q', 'feature'], { cwd: repo.dir });
  writeFileSync(join(repo.dir, 'feature.txt'), 'updated\n');
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qam', 'update'], {
    cwd: repo.dir,
  });
  const pull = await c.exec(vm.id, { command: 'cd /workspace && git pull --ff-only -q && cat feature.txt' });
  expect(pull).toMatchObject({ statusCode: 0, stdout: 'updated\n' });
});

it("a missing branch fails with git's own message in stderr", async () => {
  const c = createVmClient({ baseUrl: host.url, apiKey: API_KEY });
  const vm = await c.createVm();
  const r = await c.exec(vm.id, { command: `git clone --branch nope -- file://${repo.dir} /workspace` });
  expect(r.statusCode).not.toBe(0);
  expect(r.stderr).toMatch(/Remote branch nope not found/);
});
