import { afterEach, describe, expect, it } from 'vitest';
import { parseDeepLink } from '../../core/desktop-bridge';
import { startDesktop, type DesktopHandle } from '../../desktop-electron/src/app';
import { createElectronDouble, navEvent } from './desktop-electron-double';

const SERVER = 'http://127.0.0.1:8787';
const WS = '0b6f3f0e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
const handles: DesktopHandle[] = [];
afterEach(() => handles.splice(0).forEach((h) => h.dispose()));
const settle = () => new Promise((r) => setTimeout(r, 20));

describe('desktop deep links', () => {
  it('parses cloud-workspaces://workspace/<uuid> and nothing else', () => {
    expect(parseDeepLink(`cloud-workspaces://workspace/${WS}`)).toEqual({ workspaceId: WS });
    expect(parseDeepLink(`cloud-workspaces://workspace/${WS}/`)).toEqual({ workspaceId: WS });
    expect(parseDeepLink(`cloud-workspaces:workspace/${WS.toUpperCase()}`)).toEqual({ workspaceId: WS });
    for (const junk of [
      undefined,
      42,
      '',
      'cloud-workspaces://',
      `https://workspace/${WS}`,
      `cloud-workspaces://workspace/${WS}/extra`,
      'cloud-workspaces://workspace/not-a-uuid',
      'cloud-workspaces://workspace/../../etc/passwd',
      `cloud-workspaces://workspace/${WS}?next=https://evil.example`,
      `cloud-workspaces://workspace/${WS}#x`,
      `cloud-workspaces://user:pw@workspace/${WS}`,
      `cloud-workspaces://repository/${WS}`,
      `cloud-workspaces://workspace/${WS}%2F..`,
      `javascript:cloud-workspaces://workspace/${WS}`,
      `cloud-workspaces://workspace/${'a'.repeat(300)}`,
    ])
      expect(parseDeepLink(junk), String(junk)).toBeNull();
  });

  it('opens the workspace from the launch argv, a second instance and open-url; junk changes nothing', async () => {
    const d = createElectronDouble();
    const h = (await startDesktop(d.main, {
      argv: ['/opt/cw/cloud-workspaces', `cloud-workspaces://workspace/${WS}`],
      env: {},
      platform: 'linux',
      preloadPath: '/p.cjs',
      backgroundPollMs: 0,
    }))!;
    handles.push(h);
    const wc = d.windows[0]!.webContents;
    // Signed out here, so the org slug is unknown: the web app's /workspaces/<id> route resolves it.
    expect(wc.loaded).toEqual([SERVER, `${SERVER}/workspaces/${WS}`]);

    d.windows[0]!.focused = false;
    d.electron.app.emit(
      'second-instance',
      navEvent(),
      ['/opt/cw/cloud-workspaces', 'cloud-workspaces://workspace/bogus'],
      '/',
    );
    await settle();
    expect(wc.loaded).toHaveLength(2);
    expect(d.windows[0]!.focused).toBe(true);

    const ev = navEvent();
    d.electron.app.emit('open-url', ev, `cloud-workspaces://workspace/${WS}`);
    await settle();
    expect(ev.defaultPrevented).toBe(true);
    expect(wc.loaded).toHaveLength(3);
  });

  it('resolves the organization slug when signed in', async () => {
    const d = createElectronDouble();
    const h = (await startDesktop(d.main, {
      argv: [],
      env: {},
      platform: 'linux',
      preloadPath: '/p.cjs',
      backgroundPollMs: 0,
      fetch: (async (url: string) =>
        String(url).endsWith(`/api/workspaces/${WS}`)
          ? Response.json({ workspace: { id: WS, organizationId: 'org1' } })
          : new Response(null, { status: 404 })) as typeof fetch,
    }))!;
    handles.push(h);
    d.windows[0]!.webContents.session.fetchImpl = async (url) => {
      if (url.endsWith('/api/auth/get-session')) return Response.json({ user: { id: 'u1' } });
      if (url.endsWith('/api/api-keys'))
        return Response.json({ id: 'k1', key: 'cw_secret' }, { status: 201 });
      if (url.endsWith('/api/auth/organization/list')) return Response.json([{ id: 'org1', slug: 'acme' }]);
      return new Response(null, { status: 404 });
    };
    expect(await h.openDeepLink(`cloud-workspaces://workspace/${WS}`)).toBe(true);
    expect(d.windows[0]!.webContents.loaded.at(-1)).toBe(`${SERVER}/o/acme/workspaces/${WS}`);
    expect(await h.openDeepLink('cloud-workspaces://workspace/nope')).toBe(false);
  });
});
