import {
  bridgeChannel,
  DESKTOP_BRIDGE_API_VERSION,
  DESKTOP_BRIDGE_METHODS,
  type DesktopBridge,
} from '../../core/desktop-bridge';

/** What main answers over IPC: errors travel as data so their message reaches the page intact. */
export type BridgeEnvelope =
  { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } };

export class DesktopBridgeError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DesktopBridgeError';
  }
}

/**
 * The object the preload hands to contextBridge: plain functions over IPC, one per documented method
 * and nothing else (no ipcRenderer, no Node objects, no generic `invoke(channel)`).
 */
export function createBridge(
  ipc: {
    invoke(channel: string, ...args: unknown[]): Promise<any>;
    send(channel: string, ...args: unknown[]): void;
  },
  platform: string,
): DesktopBridge {
  const call =
    (method: (typeof DESKTOP_BRIDGE_METHODS)[number]) =>
    async (...args: unknown[]) => {
      const res = (await ipc.invoke(bridgeChannel(method), ...args)) as BridgeEnvelope;
      if (!res || typeof res !== 'object')
        throw new DesktopBridgeError('bridge', 'No answer from the desktop app.');
      if (!res.ok) throw new DesktopBridgeError(res.error.code, res.error.message);
      return res.value;
    };
  const bridge: Record<string, unknown> = { apiVersion: DESKTOP_BRIDGE_API_VERSION, platform };
  for (const m of DESKTOP_BRIDGE_METHODS) {
    bridge[m] =
      m === 'reportWorkspaceState' ? (report: unknown) => ipc.send(bridgeChannel(m), report) : call(m);
  }
  return Object.freeze(bridge) as unknown as DesktopBridge;
}
