import type * as Electron from 'electron';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import {
  DESKTOP_URL_SCHEME,
  EDITORS,
  isWorkspaceId,
  parseDeepLink,
  type EditorId,
} from '../../core/desktop-bridge';
import { DesktopApi, syncApiOf, type SessionFetch } from './api';
import { loadConfig, type DesktopConfig } from './config';
import { CredentialStore } from './credentials';
import { findEditors, launchEditor } from './editors';
import { runGit, type GitRunner } from './git';
import { registerBridge, type BridgeImpl } from './ipc';
import { parseReport, WorkspaceNotifier } from './notifications';
import { LinkStore, SyncService } from './sync';
import {
  guardNavigation,
  isAllowedInWindow,
  mainWindowOptions,
  permissionAllowed,
  workspaceIdInUrl,
} from './window';

/** The parts of the `electron` module the main process uses (tests pass a stand-in). */
export interface ElectronMain {
  app: Electron.App;
  BrowserWindow: typeof Electron.BrowserWindow;
  shell: Electron.Shell;
  dialog: Electron.Dialog;
  Notification: typeof Electron.Notification;
  safeStorage: Electron.SafeStorage;
  ipcMain: Electron.IpcMain;
}

export interface StartOptions {
  argv: string[];
  env: Record<string, string | undefined>;
  platform: string;
  preloadPath: string;
  /** `electron .` in development: the protocol handler must name the app folder. */
  defaultApp?: boolean;
  execPath?: string;
  git?: GitRunner;
  fetch?: typeof fetch;
  /** Poll of open workspaces while the window is in the background (ms); 0 turns it off. */
  backgroundPollMs?: number;
}

export interface DesktopHandle {
  config: DesktopConfig;
  window: Electron.BrowserWindow;
  bridge: BridgeImpl;
  notifier: WorkspaceNotifier;
  sync: SyncService;
  api: DesktopApi;
  credentials: CredentialStore;
  openDeepLink(url: string): Promise<boolean>;
  dispose(): void;
}

const deepLinkIn = (argv: string[]) => argv.find((a) => a.startsWith(`${DESKTOP_URL_SCHEME}:`));

/**
 * The main process: one instance, one window on the server, a locked-down renderer with the bridge,
 * deep links, notifications and local sync. Returns null when another instance already runs (it gets
 * our argv through `second-instance`).
 */
export async function startDesktop(e: ElectronMain, opts: StartOptions): Promise<DesktopHandle | null> {
  const { app } = e;
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return null;
  }
  if (opts.defaultApp && opts.execPath && opts.argv[1])
    app.setAsDefaultProtocolClient(DESKTOP_URL_SCHEME, opts.execPath, [resolve(opts.argv[1])]);
  else app.setAsDefaultProtocolClient(DESKTOP_URL_SCHEME);

  let handle: DesktopHandle | null = null;
  let pendingLink: string | undefined = deepLinkIn(opts.argv);
  // macOS delivers deep links as open-url, possibly before ready.
  app.on('open-url', (event, url) => {
    event.preventDefault();
    if (handle) void handle.openDeepLink(url);
    else pendingLink = url;
  });
  app.on('second-instance', (_event, argv) => {
    if (!handle) return;
    const w = handle.window;
    if (w.isMinimized()) w.restore();
    w.show();
    w.focus();
    const link = deepLinkIn(argv);
    if (link) void handle.openDeepLink(link);
  });

  await app.whenReady();
  const userData = app.getPath('userData');
  const config = loadConfig({ argv: opts.argv, env: opts.env, userData });
  const policy = { serverOrigin: config.serverUrl, extraOrigins: config.extraNavigationOrigins };
  // Every webContents (windows, devtools, anything future) gets the same guard.
  app.on('web-contents-created', (_event, contents) => guardNavigation(contents, policy, e.shell));

  const window = new e.BrowserWindow(mainWindowOptions(opts.preloadPath));
  const contents = window.webContents;
  guardNavigation(contents, policy, e.shell);
  contents.session.setPermissionRequestHandler((_wc, permission, callback, details) =>
    callback(permissionAllowed(permission, details?.requestingUrl ?? contents.getURL(), config.serverUrl)),
  );
  window.once('ready-to-show', () => window.show());

  const credentials = new CredentialStore(e.safeStorage, userData);
  const sessionFetch: SessionFetch = (url, init) =>
    contents.session.fetch(url, { ...init, credentials: 'include' });
  const api = new DesktopApi({
    serverOrigin: config.serverUrl,
    store: credentials,
    sessionFetch,
    fetch: opts.fetch,
  });
  const links = new LinkStore(userData);
  const picked = new Set<string>();
  const syncApi = syncApiOf(api, `desktop ${app.getVersion()} on ${hostname()} (${opts.platform})`);
  const sync = new SyncService({
    api: syncApi,
    links,
    git: opts.git ?? runGit,
    chooseFolder: async () => {
      const r = await e.dialog.showOpenDialog(window, {
        title: 'Sync to local: choose a folder',
        buttonLabel: 'Sync here',
        defaultPath: app.getPath('home'),
        properties: ['openDirectory', 'createDirectory', 'promptToCreate'],
      });
      const folder = r.canceled || r.filePaths.length === 0 ? null : r.filePaths[0]!;
      if (folder) picked.add(resolve(folder));
      return folder;
    },
    // The page may name a folder only if the user picked it in this dialog, or it is already linked
    // ("sync again"): a compromised page must not make us clone into, or git over, any path.
    mayUseFolder: (id, folder) =>
      picked.has(resolve(folder)) || resolve(links.get(id)?.path ?? '/\0') === resolve(folder),
  });

  // The workspace shown in the window, from its URL (the SPA navigates in-page).
  let shownWorkspace: string | null = null;
  const track = (_event: unknown, url: string) => {
    shownWorkspace = workspaceIdInUrl(url, config.serverUrl);
  };
  contents.on('did-navigate', track);
  contents.on('did-navigate-in-page', track);

  const isOpen = (id: string) => id === shownWorkspace || links.get(id) !== null;
  const notifier = new WorkspaceNotifier({
    isWindowFocused: () => !window.isDestroyed() && window.isFocused(),
    isOpen,
    show: (notice) => {
      if (!e.Notification.isSupported()) return;
      const n = new e.Notification({ title: notice.title, body: notice.body });
      n.on('click', () => {
        window.show();
        window.focus();
        void openWorkspace(notice.workspaceId);
      });
      n.show();
    },
  });

  async function workspaceUrl(workspaceId: string): Promise<string> {
    try {
      const ws = await api.workspace(workspaceId);
      const slug = await api.organizationSlug(ws.organizationId);
      if (slug) return `${config.serverUrl}/o/${encodeURIComponent(slug)}/workspaces/${workspaceId}`;
    } catch {
      // signed out or not a member: the web app's own route decides what to show
    }
    return `${config.serverUrl}/workspaces/${workspaceId}`;
  }
  async function openWorkspace(workspaceId: string) {
    const url = await workspaceUrl(workspaceId);
    if (isAllowedInWindow(url, policy)) await window.loadURL(url);
  }

  const editors = () => findEditors({ env: opts.env, platform: opts.platform });
  const bridge: BridgeImpl = {
    getSyncState: (id) => sync.state(id),
    syncToLocal: (id, o) => sync.syncToLocal(id, o?.folder),
    pull: (id) => sync.pull(id),
    push: (id) => sync.push(id),
    unlinkLocal: async (id) => sync.unlink(id),
    listEditors: async () => EDITORS.filter((x) => editors()[x]),
    openInEditor: async (id: string, editor: EditorId) => {
      const launcher = editors()[editor];
      if (!launcher)
        throw new Error(
          `${editor === 'vscode' ? 'VS Code ("code")' : 'Cursor ("cursor")'} was not found on PATH.`,
        );
      launchEditor(launcher, sync.linkedPath(id), opts.platform);
    },
    revealLocal: async (id) => {
      const err = await e.shell.openPath(sync.linkedPath(id));
      if (err) throw new Error(err);
    },
    reportWorkspaceState: (raw) => {
      const report = parseReport(raw, isWorkspaceId);
      if (report) notifier.report(report);
    },
  };
  registerBridge(e.ipcMain, bridge, (frameUrl) =>
    isAllowedInWindow(frameUrl, { serverOrigin: config.serverUrl }),
  );

  // Every 30 s, only with a key we already have (never make one from a timer): keep the desktop
  // sessions of synced workspaces fresh (presence, not activity), and, while the window is in the
  // background (where the page may be throttled), poll open workspaces for notifications.
  const pollMs = opts.backgroundPollMs ?? 30_000;
  const timer =
    pollMs > 0
      ? setInterval(() => {
          if (window.isDestroyed() || !credentials.load()) return;
          for (const link of Object.values(links.all()))
            if (link.sessionId)
              syncApi
                .heartbeat(link.sessionId)
                .then((alive) => (alive ? undefined : sync.reopenSession(link.workspaceId)))
                .catch(() => undefined);
          if (window.isFocused()) return;
          const ids = new Set([...(shownWorkspace ? [shownWorkspace] : []), ...Object.keys(links.all())]);
          for (const id of ids)
            api.workspace(id).then(
              (ws) =>
                notifier.report({
                  workspaceId: ws.id,
                  name: ws.name,
                  status: ws.status,
                  statusMessage: ws.statusMessage,
                  pullMessage: ws.pullMessage,
                  lastCommitSha: ws.lastCommitSha,
                }),
              () => undefined,
            );
        }, pollMs)
      : null;

  app.on('window-all-closed', () => {
    if (opts.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (!window.isDestroyed()) window.show();
  });

  handle = {
    config,
    window,
    bridge,
    notifier,
    sync,
    api,
    credentials,
    async openDeepLink(url: string) {
      const link = parseDeepLink(url);
      if (!link) return false;
      await openWorkspace(link.workspaceId);
      return true;
    },
    dispose() {
      if (timer) clearInterval(timer);
    },
  };

  await window.loadURL(config.serverUrl).catch(() => undefined);
  if (pendingLink) await handle.openDeepLink(pendingLink);
  return handle;
}
