import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDesktop, type DesktopHandle } from '../../desktop-electron/src/app';
import { loadConfig } from '../../desktop-electron/src/config';
import {
  guardNavigation,
  isExternalSafe,
  mainWindowOptions,
  permissionAllowed,
  workspaceIdInUrl,
} from '../../desktop-electron/src/window';
import { createElectronDouble, FakeWebContents, navEvent } from './desktop-electron-double';

const SERVER = 'http://127.0.0.1:8787';
const handles: DesktopHandle[] = [];
afterEach(() => handles.splice(0).forEach((h) => h.dispose()));

async function start(d = createElectronDouble(), argv = ['electron', '.'], env: Record<string, string> = {}) {
  const h = await startDesktop(d.main, {
    argv,
    env,
    platform: 'linux',
    preloadPath: '/app/dist/preload.cjs',
    backgroundPollMs: 0,
  });
  if (h) handles.push(h);
  return { d, h };
}

describe('desktop window', () => {
  it('locks the renderer down: context isolation, no Node, sandbox, the preload', () => {
    const o = mainWindowOptions('/app/dist/preload.cjs');
    expect(o.webPreferences).toMatchObject({
      preload: '/app/dist/preload.cjs',
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      sandbox: true,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('opens one window with those options on the server URL, and registers the scheme', async () => {
    const { d, h } = await start();
    expect(h).not.toBeNull();
    expect(d.windows).toHaveLength(1);
    expect(d.windows[0]!.options).toEqual(mainWindowOptions('/app/dist/preload.cjs'));
    expect(d.windows[0]!.webContents.loaded).toEqual([SERVER]);
    expect(d.protocolClients).toEqual([['cloud-workspaces']]);
    expect(d.handlers.size).toBeGreaterThan(0);
  });

  it('registers the scheme with the app folder when run as `electron .`', async () => {
    const d = createElectronDouble();
    const h = await startDesktop(d.main, {
      argv: ['/usr/bin/electron', 'desktop-electron'],
      env: {},
      platform: 'linux',
      preloadPath: '/p.cjs',
      defaultApp: true,
      execPath: '/usr/bin/electron',
      backgroundPollMs: 0,
    });
    handles.push(h!);
    expect(d.protocolClients[0]![0]).toBe('cloud-workspaces');
    expect(d.protocolClients[0]![1]).toBe('/usr/bin/electron');
    expect((d.protocolClients[0]![2] as string[])[0]).toMatch(/\/desktop-electron$/);
  });

  it('quits when another instance holds the lock', async () => {
    const { d, h } = await start(createElectronDouble({ lock: false }));
    expect(h).toBeNull();
    expect(d.quitCalls).toBe(1);
    expect(d.windows).toHaveLength(0);
  });

  it('keeps navigation on the server origin and sends other links to the system browser', async () => {
    const { d } = await start();
    const wc = d.windows[0]!.webContents;
    expect(wc.navigate(`${SERVER}/o/acme/workspaces`)).toBe(true);
    expect(wc.navigate('https://github.com/acme/app')).toBe(false);
    expect(wc.navigate('http://127.0.0.1:9999/')).toBe(false); // another port is another origin
    expect(wc.navigate('file:///etc/passwd')).toBe(false);
    expect(wc.navigate('javascript:alert(1)')).toBe(false);
    expect(d.externals).toEqual(['https://github.com/acme/app', 'http://127.0.0.1:9999/']);

    const redirect = navEvent();
    wc.emit('will-redirect', redirect, 'https://evil.example/');
    expect(redirect.defaultPrevented).toBe(true);

    // window.open: never a new Electron window; same origin loads in place, others go outside.
    expect(wc.openHandler!({ url: 'https://docs.example.com/x' })).toEqual({ action: 'deny' });
    expect(d.externals.at(-1)).toBe('https://docs.example.com/x');
    expect(wc.openHandler!({ url: `${SERVER}/settings/api-keys` })).toEqual({ action: 'deny' });
    expect(wc.loaded.at(-1)).toBe(`${SERVER}/settings/api-keys`);
    expect(wc.openHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(d.externals).not.toContain('file:///etc/passwd');

    const webview = navEvent();
    wc.emit('will-attach-webview', webview);
    expect(webview.defaultPrevented).toBe(true);
  });

  it('guards every other webContents too, once each', async () => {
    const { d } = await start();
    const other = new FakeWebContents();
    d.electron.app.emit('web-contents-created', navEvent(), other);
    d.electron.app.emit('web-contents-created', navEvent(), d.windows[0]!.webContents);
    expect(other.navigate('https://elsewhere.example/')).toBe(false);
    expect(d.windows[0]!.webContents.navigate('https://once.example/')).toBe(false);
    expect(d.externals).toEqual(['https://elsewhere.example/', 'https://once.example/']);
  });

  it('grants only notifications and clipboard, only to the server', async () => {
    const { d } = await start();
    const handler = d.windows[0]!.webContents.session.permissionHandler!;
    const ask = (permission: string, requestingUrl: string) => {
      let granted: boolean | undefined;
      handler(null, permission, (g: boolean) => (granted = g), { requestingUrl });
      return granted;
    };
    expect(ask('notifications', `${SERVER}/`)).toBe(true);
    expect(ask('clipboard-sanitized-write', `${SERVER}/x`)).toBe(true);
    expect(ask('media', `${SERVER}/`)).toBe(false);
    expect(ask('geolocation', `${SERVER}/`)).toBe(false);
    expect(ask('notifications', 'https://evil.example/')).toBe(false);
    expect(permissionAllowed('openExternal', `${SERVER}/`, SERVER)).toBe(false);
  });

  it('allows configured extra origins (an OAuth provider) in the window', () => {
    const wc = new FakeWebContents();
    const opened: string[] = [];
    guardNavigation(
      wc as never,
      { serverOrigin: SERVER, extraOrigins: ['https://github.com'] },
      {
        openExternal: async (u: string) => void opened.push(u),
      },
    );
    expect(wc.navigate('https://github.com/login/oauth/authorize?x=1')).toBe(true);
    expect(wc.navigate('https://gitlab.com/')).toBe(false);
    expect(opened).toEqual(['https://gitlab.com/']);
  });

  it('only lets web and mail links and VS Code Remote-SSH out', () => {
    expect(isExternalSafe('https://a.example')).toBe(true);
    expect(isExternalSafe('mailto:a@b.c')).toBe(true);
    // The Connect menu's "Open in VS Code", and no other vscode: command.
    expect(isExternalSafe('vscode://vscode-remote/ssh-remote+cw-demo/workspace')).toBe(true);
    for (const bad of [
      'vscode://file/etc/passwd',
      'vscode://vscode.git/clone?url=https://evil.example/x',
      'vscode://vscode-remote/wsl+x/y',
      'file:///x',
      'smb://host/share',
      'javascript:1',
      'cloud-workspaces://workspace/x',
      'not a url',
    ])
      expect(isExternalSafe(bad), bad).toBe(false);
  });

  it('knows which workspace the window shows', () => {
    const id = '0b6f3f0e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
    expect(workspaceIdInUrl(`${SERVER}/o/acme/workspaces/${id}`, SERVER)).toBe(id);
    expect(workspaceIdInUrl(`${SERVER}/o/acme/workspaces`, SERVER)).toBeNull();
    expect(workspaceIdInUrl(`https://evil.example/o/acme/workspaces/${id}`, SERVER)).toBeNull();
  });

  it('reads the server URL from argv, then the environment, then config.json, else the local stack', () => {
    const d = createElectronDouble();
    expect(loadConfig({ argv: [], env: {}, userData: d.userData }).serverUrl).toBe(SERVER);
    mkdirSync(d.userData, { recursive: true });
    writeFileSync(join(d.userData, 'config.json'), JSON.stringify({ serverUrl: 'https://file.example/app' }));
    expect(loadConfig({ argv: [], env: {}, userData: d.userData }).serverUrl).toBe('https://file.example');
    expect(
      loadConfig({ argv: [], env: { CLOUD_WORKSPACES_URL: 'https://env.example' }, userData: d.userData })
        .serverUrl,
    ).toBe('https://env.example');
    expect(
      loadConfig({
        argv: ['--server-url=https://argv.example'],
        env: { CLOUD_WORKSPACES_URL: 'https://env.example' },
        userData: d.userData,
      }).serverUrl,
    ).toBe('https://argv.example');
    expect(() => loadConfig({ argv: ['--server-url=file:///etc'], env: {}, userData: d.userData })).toThrow(
      /http/,
    );
    expect(() =>
      loadConfig({ argv: ['--server-url=https://u:p@x.example'], env: {}, userData: d.userData }),
    ).toThrow(/credentials/);
  });
});
