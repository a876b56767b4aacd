// Sync to local against a real workspace of the local stack: the desktop's own API client (a key made
// through the signed-in cookie session, kept with a stand-in safeStorage), the system's git, the
// workspace's real origin, and the cloud workspace asked to pull after a push.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DesktopApi, syncApiOf } from '../../desktop-electron/src/api';
import { CredentialStore } from '../../desktop-electron/src/credentials';
import { LinkStore, SyncService } from '../../desktop-electron/src/sync';
import { createElectronDouble } from '../node/desktop-electron-double';
import { startTestStack, type TestStack, type TestUser } from './harness';

let t: TestStack;
const local = mkdtempSync(join(tmpdir(), 'cw-desktop-local-'));
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => {
  await t?.stop();
  rmSync(local, { recursive: true, force: true });
});

function desktopFor(user: TestUser) {
  const d = createElectronDouble();
  const store = new CredentialStore(d.electron.safeStorage, d.userData);
  const api = new DesktopApi({
    serverOrigin: t.stack.url,
    store,
    // What Electron's session.fetch does for the window: the signed-in cookie goes along.
    sessionFetch: (url, init) =>
      fetch(url, { ...init, headers: { ...(init?.headers as object), cookie: user.cookie } }),
  });
  const sync = new SyncService({
    api: syncApiOf(api, 'desktop test'),
    links: new LinkStore(d.userData),
    chooseFolder: async () => null,
  });
  return { api, store, sync, userData: d.userData };
}

const commit = (cwd: string, file: string, text: string) => {
  writeFileSync(join(cwd, file), text);
  t.git(cwd, 'add', file);
  t.git(cwd, 'commit', '-q', '-m', `edit ${file}`);
};

describe('desktop sync against a real workspace', () => {
  it('clones the branch, records the session, pushes and the cloud workspace pulls; then pulls a teammate commit', async () => {
    const { user, origin, workspace } = await t.runningWorkspace('feature/greeting');
    const { sync, store } = desktopFor(user);
    const exec = async (command: string) =>
      (await t.call(`/api/workspaces/${workspace.id}/exec`, { cookie: user.cookie, body: { command } })).json;

    const work = join(local, 'greeting');
    const linked = await sync.syncToLocal(workspace.id, work);
    expect(linked).toMatchObject({
      linked: true,
      path: work,
      branch: 'feature/greeting',
      kind: 'clone',
      ahead: 0,
      behind: 0,
      uncommitted: 0,
      problem: null,
    });
    expect(t.git(work, 'rev-parse', 'HEAD')).toBe(workspace.lastCommitSha);
    // The key the bridge made is stored encrypted, for this user.
    expect(store.load()).toMatchObject({ userId: user.id, serverOrigin: t.stack.url });
    expect(readFileSync(store.file).toString('latin1')).not.toContain(store.load()!.apiKey);

    // The desktop session carries the local folder.
    const seen = await t.call(`/api/workspaces/${workspace.id}`, { cookie: user.cookie });
    expect(seen.json.sessions).toEqual([
      expect.objectContaining({ clientType: 'desktop', localWorktreePath: work, localSyncEnabled: true }),
    ]);
    // Syncing to another folder updates that same session rather than opening a second one.
    const elsewhere = join(local, 'greeting-elsewhere');
    await sync.syncToLocal(workspace.id, elsewhere);
    const moved = await t.call(`/api/workspaces/${workspace.id}`, { cookie: user.cookie });
    expect(moved.json.sessions).toEqual([
      expect.objectContaining({
        id: seen.json.sessions[0].id,
        localWorktreePath: elsewhere,
        localSyncEnabled: true,
      }),
    ]);
    await sync.syncToLocal(workspace.id, work);

    commit(work, 'from-desktop.txt', 'hello from the desktop\n');
    expect(await sync.state(workspace.id)).toMatchObject({ ahead: 1, behind: 0, problem: null });
    const pushed = await sync.push(workspace.id);
    expect(pushed).toMatchObject({ ok: true, problem: null, state: { ahead: 0, behind: 0 } });
    expect(pushed.cloudPull).toMatchObject({ outcome: 'pulled' });
    expect((await exec('cat from-desktop.txt')).stdout).toBe('hello from the desktop\n');
    expect(t.git(origin, 'log', '-1', '--format=%s', 'feature/greeting')).toBe('edit from-desktop.txt');

    // A teammate pushes: behind 1, then a fast-forward pull.
    const mate = join(local, 'mate');
    t.git(local, 'clone', '-q', '--branch', 'feature/greeting', origin, mate);
    commit(mate, 'from-mate.txt', 'hi\n');
    t.git(mate, 'push', '-q', 'origin', 'feature/greeting');
    expect(await sync.state(workspace.id)).toMatchObject({ ahead: 0, behind: 1 });
    expect(await sync.pull(workspace.id)).toMatchObject({ ok: true, state: { ahead: 0, behind: 0 } });
    expect(readFileSync(join(work, 'from-mate.txt'), 'utf8')).toBe('hi\n');
  });

  it('reports a dirty cloud workspace and a divergence with what to do, resolving nothing', async () => {
    const { user, origin, workspace } = await t.runningWorkspace('main');
    const { sync } = desktopFor(user);
    const exec = async (command: string) =>
      (await t.call(`/api/workspaces/${workspace.id}/exec`, { cookie: user.cookie, body: { command } })).json;
    const work = join(local, 'dirty');
    await sync.syncToLocal(workspace.id, work);

    // Uncommitted work in the cloud terminal: the push lands, the cloud pull is refused and says why.
    expect((await exec('echo cloud-edit >> README.md')).exitCode).toBe(0);
    commit(work, 'README.md', 'desktop edit\n');
    const pushed = await sync.push(workspace.id);
    expect(pushed.ok).toBe(true);
    expect(pushed.cloudPull).toMatchObject({ outcome: 'dirty' });
    expect((await exec('git status --porcelain')).stdout).toContain('README.md');

    // Someone else pushes while we commit too: diverged, reported, untouched.
    const mate = join(local, 'mate-main');
    t.git(local, 'clone', '-q', '--branch', 'main', origin, mate);
    commit(mate, 'README.md', 'mate edit\n');
    t.git(mate, 'push', '-q', 'origin', 'main');
    commit(work, 'README.md', 'second desktop edit\n');
    const head = t.git(work, 'rev-parse', 'HEAD');
    const state = await sync.state(workspace.id);
    expect(state).toMatchObject({ ahead: 1, behind: 1, problem: { code: 'diverged' } });
    expect(await sync.push(workspace.id)).toMatchObject({ ok: false, problem: { code: 'push_rejected' } });
    expect(await sync.pull(workspace.id)).toMatchObject({ ok: false, problem: { code: 'diverged' } });
    expect(t.git(work, 'rev-parse', 'HEAD')).toBe(head);
  });
});
