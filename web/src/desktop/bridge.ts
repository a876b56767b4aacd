// The desktop app's bridge, as the web app sees it: present only inside the Electron wrapper (its preload
// defines `window.cloudWorkspacesDesktop`); in a browser every desktop-only action stays hidden.
import {
  DESKTOP_BRIDGE_API_VERSION,
  DESKTOP_BRIDGE_GLOBAL,
  DESKTOP_BRIDGE_METHODS,
  type DesktopBridge,
} from '../../../core/desktop-bridge';

export type {
  DesktopBridge,
  SyncState,
  SyncActionResult,
  SyncProblem,
  EditorId,
} from '../../../core/desktop-bridge';

/** The bridge when running in the desktop app (and it speaks our version), else null. */
export function desktopBridge(): DesktopBridge | null {
  if (typeof window === 'undefined') return null;
  const b = (window as unknown as Record<string, unknown>)[DESKTOP_BRIDGE_GLOBAL] as
    Partial<DesktopBridge> | undefined;
  if (!b || typeof b !== 'object' || b.apiVersion !== DESKTOP_BRIDGE_API_VERSION) return null;
  for (const m of DESKTOP_BRIDGE_METHODS) if (typeof b[m] !== 'function') return null;
  return b as DesktopBridge;
}

export const isDesktopApp = () => desktopBridge() !== null;

export const EDITOR_LABELS = { vscode: 'VS Code', cursor: 'Cursor' } as const;
