// The part of Electron's API this wrapper uses, typed by hand: the `electron` package (and its types)
// cannot be installed on machines without internet, and the root type-check must pass there. Signatures
// follow Electron's own electron.d.ts (v33+); where Electron installs, its types take precedence.
declare module 'electron' {
  export interface Event {
    preventDefault(): void;
    readonly defaultPrevented?: boolean;
  }

  export interface WebPreferences {
    preload?: string;
    contextIsolation?: boolean;
    nodeIntegration?: boolean;
    nodeIntegrationInWorker?: boolean;
    nodeIntegrationInSubFrames?: boolean;
    sandbox?: boolean;
    webSecurity?: boolean;
    allowRunningInsecureContent?: boolean;
    webviewTag?: boolean;
    navigateOnDragDrop?: boolean;
    spellcheck?: boolean;
  }

  export interface BrowserWindowConstructorOptions {
    width?: number;
    height?: number;
    minWidth?: number;
    minHeight?: number;
    title?: string;
    show?: boolean;
    backgroundColor?: string;
    autoHideMenuBar?: boolean;
    webPreferences?: WebPreferences;
  }

  export interface HandlerDetails {
    url: string;
    frameName?: string;
    disposition?: string;
  }
  export type WindowOpenHandlerResponse = { action: 'deny' } | { action: 'allow' };

  export interface PermissionRequestDetails {
    requestingUrl?: string;
    isMainFrame?: boolean;
  }

  export interface Session {
    setPermissionRequestHandler(
      handler:
        | ((
            webContents: WebContents,
            permission: string,
            callback: (granted: boolean) => void,
            details: PermissionRequestDetails,
          ) => void)
        | null,
    ): void;
    fetch(input: string, init?: RequestInit & { credentials?: RequestCredentials }): Promise<Response>;
  }

  export interface WebContents {
    readonly session: Session;
    loadURL(url: string): Promise<void>;
    getURL(): string;
    setWindowOpenHandler(handler: (details: HandlerDetails) => WindowOpenHandlerResponse): void;
    on(event: 'will-navigate' | 'will-redirect', listener: (event: Event, url: string) => void): this;
    on(
      event: 'did-navigate' | 'did-navigate-in-page',
      listener: (event: Event, url: string, ...rest: unknown[]) => void,
    ): this;
    on(event: 'will-attach-webview', listener: (event: Event, ...rest: unknown[]) => void): this;
  }

  export class BrowserWindow {
    constructor(options?: BrowserWindowConstructorOptions);
    readonly webContents: WebContents;
    loadURL(url: string): Promise<void>;
    isFocused(): boolean;
    isDestroyed(): boolean;
    isMinimized(): boolean;
    restore(): void;
    show(): void;
    focus(): void;
    on(event: 'focus' | 'blur' | 'closed' | 'ready-to-show', listener: () => void): this;
    once(event: 'ready-to-show', listener: () => void): this;
  }

  export interface App {
    readonly isPackaged: boolean;
    whenReady(): Promise<void>;
    quit(): void;
    getPath(name: 'userData' | 'home' | 'documents'): string;
    getVersion(): string;
    requestSingleInstanceLock(): boolean;
    setAsDefaultProtocolClient(protocol: string, path?: string, args?: string[]): boolean;
    on(
      event: 'second-instance',
      listener: (event: Event, argv: string[], workingDirectory: string) => void,
    ): this;
    on(event: 'open-url', listener: (event: Event, url: string) => void): this;
    on(event: 'window-all-closed' | 'activate' | 'before-quit', listener: () => void): this;
    on(event: 'web-contents-created', listener: (event: Event, contents: WebContents) => void): this;
  }
  export const app: App;

  export interface Shell {
    openExternal(url: string): Promise<void>;
    openPath(path: string): Promise<string>;
    showItemInFolder(path: string): void;
  }
  export const shell: Shell;

  export interface OpenDialogOptions {
    title?: string;
    buttonLabel?: string;
    defaultPath?: string;
    properties?: Array<'openDirectory' | 'createDirectory' | 'promptToCreate' | 'dontAddToRecent'>;
  }
  export interface OpenDialogReturnValue {
    canceled: boolean;
    filePaths: string[];
  }
  export interface Dialog {
    showOpenDialog(window: BrowserWindow, options: OpenDialogOptions): Promise<OpenDialogReturnValue>;
  }
  export const dialog: Dialog;

  export interface NotificationConstructorOptions {
    title: string;
    body?: string;
    silent?: boolean;
  }
  export class Notification {
    constructor(options?: NotificationConstructorOptions);
    static isSupported(): boolean;
    show(): void;
    on(event: 'click', listener: () => void): this;
  }

  export interface SafeStorage {
    isEncryptionAvailable(): boolean;
    encryptString(plainText: string): Buffer;
    decryptString(encrypted: Buffer): string;
    /** Linux only. */
    getSelectedStorageBackend?(): string;
  }
  export const safeStorage: SafeStorage;

  export interface WebFrameMain {
    readonly url: string;
  }
  export interface IpcMainInvokeEvent {
    readonly senderFrame: WebFrameMain | null;
  }
  export interface IpcMainEvent {
    readonly senderFrame: WebFrameMain | null;
  }
  export interface IpcMain {
    handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: any[]) => unknown): void;
    on(channel: string, listener: (event: IpcMainEvent, ...args: any[]) => void): this;
  }
  export const ipcMain: IpcMain;

  export interface IpcRenderer {
    invoke(channel: string, ...args: unknown[]): Promise<any>;
    send(channel: string, ...args: unknown[]): void;
  }
  export const ipcRenderer: IpcRenderer;

  export interface ContextBridge {
    exposeInMainWorld(apiKey: string, api: unknown): void;
  }
  export const contextBridge: ContextBridge;
}
