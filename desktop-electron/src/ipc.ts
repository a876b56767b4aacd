import type { IpcMain } from 'electron';
import {
  bridgeChannel,
  DESKTOP_BRIDGE_METHODS,
  EDITORS,
  isWorkspaceId,
  type DesktopBridge,
} from '../../core/desktop-bridge';
import type { BridgeEnvelope } from './preload-bridge';

/** The bridge as main implements it (the two properties are the preload's). */
export type BridgeImpl = Omit<DesktopBridge, 'apiVersion' | 'platform'>;

export class BridgeInputError extends Error {
  code = 'invalid_input';
}

function checkArgs(method: string, args: unknown[]) {
  if (method === 'listEditors') return;
  if (!isWorkspaceId(args[0])) throw new BridgeInputError('workspaceId must be a workspace id (UUID).');
  if (method === 'openInEditor' && !EDITORS.includes(args[1] as never))
    throw new BridgeInputError(`editor must be one of ${EDITORS.join(', ')}.`);
  if (method === 'syncToLocal' && args[1] !== undefined) {
    const o = args[1] as { folder?: unknown } | null;
    if (!o || typeof o !== 'object' || (o.folder !== undefined && typeof o.folder !== 'string'))
      throw new BridgeInputError('options must be { folder?: string }.');
  }
}

/**
 * One IPC handler per bridge method. A call is served only when it comes from a frame on the server's
 * origin (`isTrusted(senderFrame.url)`), with validated arguments; results and errors go back as an
 * envelope the preload unwraps.
 */
export function registerBridge(ipcMain: IpcMain, impl: BridgeImpl, isTrusted: (frameUrl: string) => boolean) {
  for (const method of DESKTOP_BRIDGE_METHODS) {
    const channel = bridgeChannel(method);
    if (method === 'reportWorkspaceState') {
      ipcMain.on(channel, (event, report) => {
        if (event.senderFrame && isTrusted(event.senderFrame.url)) impl.reportWorkspaceState(report);
      });
      continue;
    }
    ipcMain.handle(channel, async (event, ...args): Promise<BridgeEnvelope> => {
      try {
        if (!event.senderFrame || !isTrusted(event.senderFrame.url))
          return { ok: false, error: { code: 'forbidden', message: 'Not available to this page.' } };
        checkArgs(method, args);
        const fn = impl[method] as (...a: unknown[]) => unknown;
        return { ok: true, value: (await fn.apply(impl, args.slice(0, 2))) ?? null };
      } catch (err) {
        const e = err as { code?: unknown; message?: unknown; problem?: { code: string; message: string } };
        if (e.problem) return { ok: false, error: e.problem };
        return {
          ok: false,
          error: { code: typeof e.code === 'string' ? e.code : 'error', message: String(e.message ?? err) },
        };
      }
    });
  }
}
