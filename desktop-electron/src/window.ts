import type {
  BrowserWindowConstructorOptions,
  HandlerDetails,
  Shell,
  WebContents,
  WindowOpenHandlerResponse,
} from 'electron';

/** The main window's options: the renderer is a web page with no Node.js and a sandboxed preload. */
export function mainWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: 720,
    minHeight: 480,
    title: 'Cloud Workspaces',
    show: false,
    backgroundColor: '#0b0d12',
    autoHideMenuBar: true,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      sandbox: true,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: true,
    },
  };
}

function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null;
  }
}

/**
 * Links the system may open: web pages, mail, and the Connect menu's "Open in VS Code" (VS Code's
 * Remote-SSH on a host; never file:, javascript:, other custom schemes or other vscode: commands).
 */
export function isExternalSafe(url: string): boolean {
  try {
    const u = new URL(url);
    if (u.protocol === 'vscode:') return u.host === 'vscode-remote' && u.pathname.startsWith('/ssh-remote+');
    return u.protocol === 'https:' || u.protocol === 'http:' || u.protocol === 'mailto:';
  } catch {
    return false;
  }
}

export interface NavigationPolicy {
  serverOrigin: string;
  /** Also allowed in the window (e.g. an OAuth provider), from config. */
  extraOrigins?: string[];
}

export const isAllowedInWindow = (url: string, p: NavigationPolicy) => {
  const o = originOf(url);
  return o !== null && (o === p.serverOrigin || (p.extraOrigins ?? []).includes(o));
};

/**
 * Navigation locked to the server's origin: in-window navigations and redirects elsewhere are stopped
 * and web links go to the system browser; `window.open` never makes a new Electron window (same-origin
 * targets load in the main window); `<webview>` is refused.
 */
const guarded = new WeakSet<object>();

export function guardNavigation(
  contents: WebContents,
  policy: NavigationPolicy,
  shell: Pick<Shell, 'openExternal'>,
) {
  // Attached from web-contents-created and again for the main window: once is enough (twice would open
  // every external link twice).
  if (guarded.has(contents)) return;
  guarded.add(contents);
  const external = (url: string) => {
    if (isExternalSafe(url)) void shell.openExternal(url).catch(() => undefined);
  };
  const onNavigate = (event: { preventDefault(): void }, url: string) => {
    if (isAllowedInWindow(url, policy)) return;
    event.preventDefault();
    external(url);
  };
  contents.on('will-navigate', onNavigate);
  contents.on('will-redirect', onNavigate);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }: HandlerDetails): WindowOpenHandlerResponse => {
    if (originOf(url) === policy.serverOrigin) void contents.loadURL(url).catch(() => undefined);
    else external(url);
    return { action: 'deny' };
  });
}

/** Permissions the web app may have: notifications and clipboard writes, from the server's origin only. */
export const ALLOWED_PERMISSIONS = [
  'notifications',
  'clipboard-sanitized-write',
  'clipboard-read',
  'fullscreen',
];

export function permissionAllowed(
  permission: string,
  requestingUrl: string | undefined,
  serverOrigin: string,
) {
  return (
    ALLOWED_PERMISSIONS.includes(permission) && !!requestingUrl && originOf(requestingUrl) === serverOrigin
  );
}

/** The workspace id in a web app URL (`/o/<org>/workspaces/<id>`), if the window shows one. */
export function workspaceIdInUrl(url: string, serverOrigin: string): string | null {
  try {
    const u = new URL(url);
    if (u.origin !== serverOrigin) return null;
    const m = u.pathname.match(/^\/o\/[^/]+\/workspaces\/([0-9a-f-]{36})\/?$/i);
    return m ? m[1]!.toLowerCase() : null;
  } catch {
    return null;
  }
}
