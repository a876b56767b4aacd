// Local sync with real git against local bare origins (no server: the API is a stand-in here; the
// stack test runs the same code against a real workspace).
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createDemoRepository, git } from '../../scripts/local/demo-repo';
import { LinkStore, SyncService, type SyncApi } from '../../desktop-electron/src/sync';
import {
  normalizeRepoUrl,
  parsePorcelain,
  sameRepository,
  validateLocalPath,
} from '../../desktop-electron/src/git';

const root = mkdtempSync(join(tmpdir(), 'cw-desktop-sync-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const WS = '0b6f3f0e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';

let n = 0;
let origin: string;
let dir: string;
let cloudPulls: string[];
let recorded: [string, string][];
function service(branch = 'feature/greeting') {
  const api: SyncApi = {
    workspace: async (id) => ({ id, organizationId: 'o', repositoryId: 'r', branch }),
    repository: async () => ({ url: `file://${origin}`, name: 'demo' }),
    recordLocalSync: async (id, path) => {
      recorded.push([id, path]);
      return 'session-1';
    },
    requestCloudPull: async (id) => {
      cloudPulls.push(id);
      return { outcome: 'pulled', message: 'pulled abc1234' };
    },
  };
  return new SyncService({
    api,
    links: new LinkStore(join(dir, 'userData')),
    chooseFolder: async () => null,
  });
}
/** Another developer's clone, to move the origin. */
function otherClone(branch = 'feature/greeting') {
  const c = join(dir, `other-${++n}`);
  git(root, 'clone', '-q', '--branch', branch, origin, c);
  return c;
}
const commit = (cwd: string, file: string, text: string) => {
  writeFileSync(join(cwd, file), text);
  git(cwd, 'add', file);
  git(cwd, 'commit', '-q', '-m', `edit ${file}`);
};

beforeEach(() => {
  dir = join(root, `t${++n}`);
  mkdirSync(dir);
  origin = createDemoRepository(join(dir, 'origin.git'));
  cloudPulls = [];
  recorded = [];
});

describe('desktop sync with real git', () => {
  it('clones the branch into an empty folder, records it, and reports clean', async () => {
    const s = service();
    const state = await s.syncToLocal(WS, join(dir, 'work'));
    expect(state).toMatchObject({
      linked: true,
      path: join(dir, 'work'),
      branch: 'feature/greeting',
      kind: 'clone',
      ahead: 0,
      behind: 0,
      uncommitted: 0,
      problem: null,
    });
    expect(git(join(dir, 'work'), 'branch', '--show-current')).toBe('feature/greeting');
    expect(recorded).toEqual([[WS, join(dir, 'work')]]);
    expect(state.linked && state.fetchedAt).toBeTruthy();
  });

  it('clones into <folder>/<repo> when the folder holds other things', async () => {
    mkdirSync(join(dir, 'projects'));
    writeFileSync(join(dir, 'projects', 'notes.txt'), 'x');
    const state = await service().syncToLocal(WS, join(dir, 'projects'));
    expect(state).toMatchObject({ path: join(dir, 'projects', 'demo'), kind: 'clone' });
  });

  it('adds a worktree to an existing clone of the same repository, and refuses another repository', async () => {
    const clone = join(dir, 'clone');
    git(root, 'clone', '-q', origin, clone); // on main
    const state = await service().syncToLocal(WS, clone);
    expect(state).toMatchObject({ kind: 'worktree', path: `${clone}-feature-greeting`, behind: 0, ahead: 0 });
    expect(git(`${clone}-feature-greeting`, 'branch', '--show-current')).toBe('feature/greeting');
    // Again: the existing worktree is found, not a second one.
    expect(await service().syncToLocal(WS, clone)).toMatchObject({ path: `${clone}-feature-greeting` });

    const stranger = createDemoRepository(join(dir, 'stranger.git'));
    const strangerClone = join(dir, 'stranger');
    git(root, 'clone', '-q', stranger, strangerClone);
    await expect(service().syncToLocal(WS, strangerClone)).rejects.toThrow(
      /is a clone of .*stranger.*not of/,
    );
  });

  it('counts ahead, behind and uncommitted; pulls fast-forward; pushes and asks the cloud to pull', async () => {
    const s = service();
    const work = join(dir, 'work');
    await s.syncToLocal(WS, work);

    writeFileSync(join(work, 'scratch.txt'), 'wip');
    commit(work, 'local.txt', 'mine\n');
    expect(await s.state(WS)).toMatchObject({ ahead: 1, behind: 0, uncommitted: 1, problem: null });

    const pushed = await s.push(WS);
    expect(pushed).toMatchObject({ ok: true, problem: null, cloudPull: { outcome: 'pulled' } });
    expect(cloudPulls).toEqual([WS]);
    expect(pushed.state).toMatchObject({ ahead: 0, behind: 0 });
    expect(git(origin, 'log', '-1', '--format=%s', 'feature/greeting')).toBe('edit local.txt');

    const other = otherClone();
    commit(other, 'theirs.txt', 'theirs\n');
    git(other, 'push', '-q', 'origin', 'feature/greeting');
    expect(await s.state(WS)).toMatchObject({ ahead: 0, behind: 1 });
    const pulled = await s.pull(WS);
    expect(pulled).toMatchObject({ ok: true, state: { ahead: 0, behind: 0 } });
    expect(readFileSync(join(work, 'theirs.txt'), 'utf8')).toBe('theirs\n');
  });

  it('reports divergence with what to do, and neither pull nor push touches anything', async () => {
    const s = service();
    const work = join(dir, 'work');
    await s.syncToLocal(WS, work);
    commit(work, 'README.md', 'mine\n');
    const other = otherClone();
    commit(other, 'README.md', 'theirs\n');
    git(other, 'push', '-q', 'origin', 'feature/greeting');
    const head = git(work, 'rev-parse', 'HEAD');

    const state = await s.state(WS);
    expect(state).toMatchObject({ ahead: 1, behind: 1, problem: { code: 'diverged' } });
    expect(state.linked && state.problem?.message).toMatch(/git pull --rebase/);
    expect(await s.pull(WS)).toMatchObject({ ok: false, problem: { code: 'diverged' } });
    expect(await s.push(WS)).toMatchObject({ ok: false, problem: { code: 'push_rejected' } });
    expect(git(work, 'rev-parse', 'HEAD')).toBe(head);
    expect(cloudPulls).toEqual([]);

    // The user rebases and hits the conflict: reported, with how to finish or abort.
    const rebase = spawnSync(
      'git',
      ['-c', 'user.name=T', '-c', 'user.email=t@t', 'pull', '-q', '--rebase', 'origin', 'feature/greeting'],
      { cwd: work },
    );
    expect(rebase.status).not.toBe(0); // the conflict, as intended
    const conflicted = await s.state(WS, { fetch: false });
    expect(conflicted).toMatchObject({ conflicted: 1, problem: { code: 'conflicts' } });
    expect(conflicted.linked && conflicted.problem?.message).toMatch(/rebase --continue.*rebase --abort/);
    expect(await s.push(WS)).toMatchObject({ ok: false, problem: { code: 'conflicts' } });
  });

  it('refuses to pull over uncommitted changes to the same file, and notices another branch or a missing folder', async () => {
    const s = service();
    const work = join(dir, 'work');
    await s.syncToLocal(WS, work);
    const other = otherClone();
    commit(other, 'README.md', 'theirs\n');
    git(other, 'push', '-q', 'origin', 'feature/greeting');
    writeFileSync(join(work, 'README.md'), 'local edit\n');
    const r = await s.pull(WS);
    expect(r).toMatchObject({ ok: false, problem: { code: 'pull_refused' } });
    expect(readFileSync(join(work, 'README.md'), 'utf8')).toBe('local edit\n');

    git(work, 'stash', '-q');
    git(work, 'switch', '-q', 'main');
    expect(await s.state(WS)).toMatchObject({ currentBranch: 'main', problem: { code: 'other_branch' } });
    expect(await s.push(WS)).toMatchObject({ ok: false, problem: { code: 'other_branch' } });

    rmSync(work, { recursive: true });
    expect(await s.state(WS)).toMatchObject({ problem: { code: 'missing' } });
    s.unlink(WS);
    expect(await s.state(WS)).toEqual({ linked: false });
  });

  it('validates paths and compares repository URLs loosely', () => {
    for (const bad of ['', 'relative/dir', '/', 'a\0b', '/tmp/x\n', 42])
      expect(() => validateLocalPath(bad), String(bad)).toThrow();
    expect(validateLocalPath('/tmp/a/../b')).toBe('/tmp/b');
    expect(sameRepository('https://github.com/Acme/app.git', 'https://GitHub.com/Acme/app')).toBe(true);
    expect(sameRepository('git@github.com:Acme/app.git', 'https://github.com/Acme/app.git')).toBe(true);
    expect(sameRepository('file:///srv/x.git', '/srv/x.git/')).toBe(true);
    expect(sameRepository('https://github.com/acme/app', 'https://github.com/acme/other')).toBe(false);
    expect(normalizeRepoUrl('file:///a%20b/c.git')).toBe('/a b/c');
    expect(parsePorcelain('UU a.txt\n M b.txt\n?? c.txt\n')).toEqual({
      changed: 3,
      conflicted: 1,
      files: ['a.txt', 'b.txt', 'c.txt'],
    });
    expect(existsSync(root)).toBe(true);
  });
});
