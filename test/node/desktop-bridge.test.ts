import { afterEach, describe, expect, it, vi } from 'vitest';
import { DESKTOP_BRIDGE_GLOBAL, DESKTOP_BRIDGE_METHODS, bridgeChannel } from '../../core/desktop-bridge';
import { startDesktop, type DesktopHandle } from '../../desktop-electron/src/app';
import { createBridge } from '../../desktop-electron/src/preload-bridge';
import { createElectronDouble } from './desktop-electron-double';

const SERVER = 'http://127.0.0.1:8787';
const WS = '0b6f3f0e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
const double = vi.hoisted(() => ({ current: null as null | Record<string, unknown> }));
vi.mock('electron', () => ({
  get contextBridge() {
    return (double.current as any).contextBridge;
  },
  get ipcRenderer() {
    return (double.current as any).ipcRenderer;
  },
}));

const handles: DesktopHandle[] = [];
afterEach(() => handles.splice(0).forEach((h) => h.dispose()));

async function started() {
  const d = createElectronDouble();
  const h = (await startDesktop(d.main, {
    argv: [],
    env: { PATH: '' },
    platform: 'linux',
    preloadPath: '/p.cjs',
    backgroundPollMs: 0,
  }))!;
  handles.push(h);
  return { d, h };
}

describe('desktop bridge', () => {
  it('the preload exposes exactly the documented methods, under one global, and nothing of Node or IPC', async () => {
    const d = createElectronDouble();
    double.current = d.electron as never;
    await import('../../desktop-electron/src/preload');
    expect(Object.keys(d.exposed)).toEqual([DESKTOP_BRIDGE_GLOBAL]);
    const bridge = d.exposed[DESKTOP_BRIDGE_GLOBAL] as Record<string, unknown>;
    expect(Object.keys(bridge).sort()).toEqual(['apiVersion', 'platform', ...DESKTOP_BRIDGE_METHODS].sort());
    expect(bridge.apiVersion).toBe(1);
    for (const m of DESKTOP_BRIDGE_METHODS) expect(typeof bridge[m], m).toBe('function');
    expect(Object.isFrozen(bridge)).toBe(true);
    expect(JSON.stringify(Object.keys(bridge))).not.toMatch(/ipc|invoke|send|require|process/i);
  });

  it('main serves every method over IPC, and only to pages on the server origin', async () => {
    const { d } = await started();
    expect([...d.handlers.keys(), ...d.ipcListeners.keys()].sort()).toEqual(
      DESKTOP_BRIDGE_METHODS.map(bridgeChannel).sort(),
    );

    const ours = createBridge(d.rendererFor(`${SERVER}/o/acme/workspaces/${WS}`), 'linux');
    await expect(ours.getSyncState(WS)).resolves.toEqual({ linked: false });
    await expect(ours.listEditors()).resolves.toEqual([]);

    const evil = createBridge(d.rendererFor('https://evil.example/'), 'linux');
    await expect(evil.getSyncState(WS)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(evil.listEditors()).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('validates arguments in main and returns readable errors', async () => {
    const { d } = await started();
    const b = createBridge(d.rendererFor(`${SERVER}/`), 'linux') as any;
    await expect(b.getSyncState('../../etc')).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(b.openInEditor(WS, 'emacs')).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(b.syncToLocal(WS, { folder: 42 })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(b.pull(WS)).rejects.toMatchObject({
      code: 'missing',
      message: expect.stringMatching(/Sync to local/),
    });
    // Needs the signed-in user: the window's session says nobody is.
    await expect(b.syncToLocal(WS, { folder: '/tmp/x' })).rejects.toMatchObject({ code: 'signed_out' });
  });
});

describe('desktop bridge: Sync to local', () => {
  it('accepts from the page only a folder the user picked in the main dialog', async () => {
    const d = createElectronDouble();
    const repo = { id: 'r1', url: 'file:///nowhere.git', name: 'demo' };
    const h = (await startDesktop(d.main, {
      argv: [],
      env: { PATH: '' },
      platform: 'linux',
      preloadPath: '/p.cjs',
      backgroundPollMs: 0,
      fetch: (async (url: string) => {
        if (String(url).includes(`/api/workspaces/${WS}`))
          return Response.json({
            workspace: { id: WS, organizationId: 'o1', repositoryId: 'r1', branch: 'main' },
            sessions: [],
          });
        if (String(url).includes('/api/repositories')) return Response.json({ repositories: [repo] });
        return new Response(null, { status: 404 });
      }) as typeof fetch,
    }))!;
    handles.push(h);
    d.windows[0]!.webContents.session.fetchImpl = async (url) => {
      if (url.endsWith('/api/auth/get-session')) return Response.json({ user: { id: 'u1' } });
      if (url.endsWith('/api/api-keys'))
        return Response.json({ id: 'k1', key: 'cw_secret' }, { status: 201 });
      return new Response(null, { status: 404 });
    };
    const page = createBridge(d.rendererFor(`${SERVER}/o/acme/workspaces/${WS}`), 'linux');
    // A compromised page names a folder of its choosing: refused before any git runs.
    await expect(page.syncToLocal(WS, { folder: '/home/user/.ssh' })).rejects.toMatchObject({
      code: 'forbidden',
    });
    // Cancelling the dialog does nothing.
    await expect(page.syncToLocal(WS)).resolves.toEqual({ linked: false });
  });
});
