import { afterEach, describe, expect, it } from 'vitest';
import { startDesktop, type DesktopHandle } from '../../desktop-electron/src/app';
import { noticeFor, WorkspaceNotifier } from '../../desktop-electron/src/notifications';
import { createBridge } from '../../desktop-electron/src/preload-bridge';
import { createElectronDouble } from './desktop-electron-double';

const SERVER = 'http://127.0.0.1:8787';
const WS = '0b6f3f0e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
const OTHER = '1b6f3f0e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
const handles: DesktopHandle[] = [];
afterEach(() => handles.splice(0).forEach((h) => h.dispose()));

describe('desktop notifications', () => {
  it('names errors, pauses and pulls; the first report is only a baseline', () => {
    const base = { workspaceId: WS, name: 'app/main', status: 'running' };
    expect(noticeFor(undefined, { ...base, status: 'error' })).toBeNull();
    expect(noticeFor(base, { ...base, status: 'error', statusMessage: 'clone failed' })).toMatchObject({
      title: 'app/main failed',
      body: 'clone failed',
    });
    expect(noticeFor(base, { ...base, status: 'paused' })).toMatchObject({ title: 'app/main paused' });
    expect(noticeFor(base, { ...base, status: 'stopped' })).toBeNull();
    expect(
      noticeFor(base, { ...base, pullMessage: 'pulled abc1234', lastCommitSha: 'a'.repeat(40) }),
    ).toMatchObject({
      title: 'app/main pulled new commits',
    });
    const pulled = { ...base, pullMessage: 'pulled abc1234', lastCommitSha: 'a'.repeat(40) };
    expect(noticeFor(pulled, pulled)).toBeNull();
    expect(noticeFor(base, { ...base, pullMessage: 'uncommitted changes' })).toBeNull();
  });

  it('shows one only while the window is in the background, for open workspaces', () => {
    let focused = true;
    const shown: string[] = [];
    const n = new WorkspaceNotifier({
      isWindowFocused: () => focused,
      isOpen: (id) => id === WS,
      show: (x) => shown.push(x.title),
    });
    n.report({ workspaceId: WS, name: 'w', status: 'running' });
    n.report({ workspaceId: WS, name: 'w', status: 'paused' });
    expect(shown).toEqual([]); // in front: the page shows it
    focused = false;
    n.report({ workspaceId: WS, name: 'w', status: 'error' });
    n.report({ workspaceId: OTHER, name: 'o', status: 'running' });
    n.report({ workspaceId: OTHER, name: 'o', status: 'error' }); // not open
    expect(shown).toEqual(['w failed']);
  });

  it('wires renderer reports to native notifications, and a click brings the workspace back', async () => {
    const d = createElectronDouble();
    const h = (await startDesktop(d.main, {
      argv: [],
      env: {},
      platform: 'linux',
      preloadPath: '/p.cjs',
      backgroundPollMs: 0,
    }))!;
    handles.push(h);
    const win = d.windows[0]!;
    await win.loadURL(`${SERVER}/o/acme/workspaces/${WS}`);
    const bridge = createBridge(d.rendererFor(`${SERVER}/o/acme/workspaces/${WS}`), 'linux');
    bridge.reportWorkspaceState({ workspaceId: WS, name: 'app/main', status: 'running' });
    win.focused = false;
    bridge.reportWorkspaceState({
      workspaceId: WS,
      name: 'app/main',
      status: 'error',
      statusMessage: 'VM host unreachable',
    });
    bridge.reportWorkspaceState({ workspaceId: 'junk', status: 'error' } as never);
    expect(d.notifications.map((n) => n.options)).toEqual([
      { title: 'app/main failed', body: 'VM host unreachable' },
    ]);

    // Reports from another origin are dropped.
    createBridge(d.rendererFor('https://evil.example/'), 'linux').reportWorkspaceState({
      workspaceId: WS,
      status: 'paused',
    });
    expect(d.notifications).toHaveLength(1);

    d.notifications[0]!.emit('click');
    expect(win.shown && win.focused).toBe(true);
  });
});
