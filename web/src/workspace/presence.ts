import { createEffect, createSignal, on, onCleanup, type Accessor } from 'solid-js';
import { presence } from '../api/workspaces';
import { ApiError } from '../api/http';

import { HEARTBEAT_INTERVAL_MS } from '../../../core/protocol';

export const HEARTBEAT_MS = HEARTBEAT_INTERVAL_MS;

/**
 * This tab's presence session: joined while the workspace is open, a heartbeat every 30 s that says whether
 * a person touched the keyboard or pointer since the last one (activity) or the tab is merely open (presence).
 */
export function createPresence(workspaceId: Accessor<string>, enabled: Accessor<boolean>) {
  const [sessionId, setSessionId] = createSignal<string | null>(null);
  let lastInput = Date.now();
  const markInput = () => {
    lastInput = Date.now();
  };
  window.addEventListener('keydown', markInput, true);
  window.addEventListener('pointerdown', markInput, true);
  onCleanup(() => {
    window.removeEventListener('keydown', markInput, true);
    window.removeEventListener('pointerdown', markInput, true);
  });

  // Set when the workspace was deleted: its sessions went with it, there is nothing left to leave.
  let forgotten = false;
  const leave = (id: string) => {
    if (forgotten) return;
    // keepalive lets the DELETE finish while the page unloads.
    void fetch(`/api/sessions/${encodeURIComponent(id)}`, { method: 'DELETE', keepalive: true }).catch(
      () => undefined,
    );
  };

  createEffect(
    on([workspaceId, enabled], ([id, on]) => {
      if (!on) return;
      let current: string | null = null;
      let stopped = false;
      presence
        .join(id, navigator.userAgent.slice(0, 255))
        .then((r) => {
          if (stopped) return leave(r.sessionId);
          current = r.sessionId;
          setSessionId(r.sessionId);
        })
        .catch(() => undefined);
      const beat = async (active: boolean) => {
        if (!current) return;
        try {
          await presence.heartbeat(current, active);
        } catch (err) {
          // The room forgot us (stale, restarted): join again.
          if (err instanceof ApiError && err.status === 404 && !stopped) {
            const r = await presence.join(id, navigator.userAgent.slice(0, 255)).catch(() => null);
            current = r?.sessionId ?? null;
            setSessionId(current);
          }
        }
      };
      const timer = setInterval(() => void beat(Date.now() - lastInput < HEARTBEAT_MS), HEARTBEAT_MS);
      const onHide = () => current && leave(current);
      window.addEventListener('pagehide', onHide);
      onCleanup(() => {
        stopped = true;
        clearInterval(timer);
        window.removeEventListener('pagehide', onHide);
        if (current) leave(current);
        setSessionId(null);
      });
      keepWorkingImpl = () => beat(true);
    }),
  );

  let keepWorkingImpl: () => Promise<void> = async () => undefined;
  return {
    sessionId,
    /** The workspace is gone: do not try to close its session. */
    forget: () => {
      forgotten = true;
    },
    /** "Keep working": report a person at the keyboard now. */
    keepWorking: () => keepWorkingImpl(),
  };
}
