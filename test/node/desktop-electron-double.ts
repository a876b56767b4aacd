// A small stand-in for the `electron` module (no Electron binary can be installed here): enough of
// app, BrowserWindow, webContents, session, shell, dialog, Notification, safeStorage and IPC to run the
// desktop main process and preload in Node and look at what they did.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ElectronMain } from '../../desktop-electron/src/app';

type Listener = (...args: any[]) => any;

class Emitter {
  listeners = new Map<string, Listener[]>();
  on(event: string, fn: Listener) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), fn]);
    return this;
  }
  once(event: string, fn: Listener) {
    return this.on(event, fn);
  }
  emit(event: string, ...args: any[]) {
    for (const fn of this.listeners.get(event) ?? []) fn(...args);
  }
}

export function navEvent() {
  return {
    defaultPrevented: false,
    preventDefault() {
      this.defaultPrevented = true;
    },
  };
}

export class FakeSession {
  permissionHandler: Listener | null = null;
  cookie = '';
  /** Where `session.fetch` goes (tests point it at a server and add the window's cookie). */
  fetchImpl: (url: string, init?: RequestInit) => Promise<Response> = async () =>
    new Response('{}', { status: 401 });
  setPermissionRequestHandler(fn: Listener | null) {
    this.permissionHandler = fn;
  }
  fetch(url: string, init?: RequestInit) {
    return this.fetchImpl(url, init);
  }
}

export class FakeWebContents extends Emitter {
  session = new FakeSession();
  loaded: string[] = [];
  openHandler: Listener | null = null;
  async loadURL(url: string) {
    this.loaded.push(url);
    this.emit('did-navigate', navEvent(), url);
  }
  getURL() {
    return this.loaded.at(-1) ?? '';
  }
  setWindowOpenHandler(fn: Listener) {
    this.openHandler = fn;
  }
  /** What a click on a link would do: will-navigate, then loads unless prevented. */
  navigate(url: string) {
    const ev = navEvent();
    this.emit('will-navigate', ev, url);
    if (!ev.defaultPrevented) this.loaded.push(url);
    return !ev.defaultPrevented;
  }
}

export function createElectronDouble(opts: { lock?: boolean; encryption?: boolean; backend?: string } = {}) {
  const userData = mkdtempSync(join(tmpdir(), 'cw-desktop-userdata-'));
  const windows: FakeBrowserWindow[] = [];
  const externals: string[] = [];
  const notifications: FakeNotification[] = [];
  const protocolClients: unknown[][] = [];
  const dialogAnswers: string[][] = [];
  const handlers = new Map<string, Listener>();
  const ipcListeners = new Map<string, Listener>();
  const exposed: Record<string, unknown> = {};
  let quitCalls = 0;

  class FakeBrowserWindow extends Emitter {
    webContents = new FakeWebContents();
    focused = true;
    destroyed = false;
    shown = false;
    constructor(readonly options: any) {
      super();
      windows.push(this);
    }
    loadURL(url: string) {
      return this.webContents.loadURL(url);
    }
    isFocused() {
      return this.focused;
    }
    isDestroyed() {
      return this.destroyed;
    }
    isMinimized() {
      return false;
    }
    restore() {}
    show() {
      this.shown = true;
    }
    focus() {
      this.focused = true;
    }
  }

  class FakeNotification extends Emitter {
    shown = false;
    constructor(readonly options: { title: string; body?: string }) {
      super();
    }
    static isSupported() {
      return true;
    }
    show() {
      this.shown = true;
      notifications.push(this);
    }
  }

  const app = Object.assign(new Emitter(), {
    isPackaged: false,
    whenReady: async () => undefined,
    quit: () => {
      quitCalls++;
    },
    getPath: (name: string) => (name === 'userData' ? userData : tmpdir()),
    getVersion: () => '0.1.0-test',
    requestSingleInstanceLock: () => opts.lock ?? true,
    setAsDefaultProtocolClient: (...args: unknown[]) => {
      protocolClients.push(args);
      return true;
    },
  });

  // Not real encryption: a reversible transform that makes a plaintext leak easy to spot.
  const safeStorage = {
    isEncryptionAvailable: () => opts.encryption ?? true,
    getSelectedStorageBackend: () => opts.backend ?? 'gnome_libsecret',
    encryptString: (s: string) =>
      Buffer.concat([Buffer.from('ENC1'), Buffer.from(Buffer.from(s, 'utf8').map((b) => b ^ 0x5a))]),
    decryptString: (b: Buffer) => {
      if (b.subarray(0, 4).toString() !== 'ENC1') throw new Error('not encrypted by us');
      return Buffer.from(b.subarray(4).map((x) => x ^ 0x5a)).toString('utf8');
    },
  };

  const ipcMain = {
    handle: (channel: string, fn: Listener) => {
      handlers.set(channel, fn);
    },
    on(channel: string, fn: Listener) {
      ipcListeners.set(channel, fn);
      return this;
    },
  };

  /** An ipcRenderer for a page at `frameUrl`, wired to the ipcMain above (with structured cloning). */
  const rendererFor = (frameUrl: string) => ({
    invoke: async (channel: string, ...args: unknown[]) => {
      const fn = handlers.get(channel);
      if (!fn) throw new Error(`No handler registered for '${channel}'`);
      return structuredClone(await fn({ senderFrame: { url: frameUrl } }, ...structuredClone(args)));
    },
    send: (channel: string, ...args: unknown[]) => {
      ipcListeners.get(channel)?.({ senderFrame: { url: frameUrl } }, ...structuredClone(args));
    },
  });

  const electron = {
    app,
    BrowserWindow: FakeBrowserWindow,
    shell: {
      openExternal: async (url: string) => {
        externals.push(url);
      },
      openPath: async () => '',
      showItemInFolder: () => undefined,
    },
    dialog: {
      showOpenDialog: async () => {
        const next = dialogAnswers.shift();
        return next ? { canceled: false, filePaths: next } : { canceled: true, filePaths: [] };
      },
    },
    Notification: FakeNotification,
    safeStorage,
    ipcMain,
    ipcRenderer: rendererFor('about:blank'),
    contextBridge: {
      exposeInMainWorld: (key: string, api: unknown) => {
        exposed[key] = api;
      },
    },
  };

  return {
    electron,
    main: electron as unknown as ElectronMain,
    userData,
    windows,
    externals,
    notifications,
    protocolClients,
    dialogAnswers,
    handlers,
    ipcListeners,
    exposed,
    rendererFor,
    get quitCalls() {
      return quitCalls;
    },
  };
}

export type ElectronDouble = ReturnType<typeof createElectronDouble>;
