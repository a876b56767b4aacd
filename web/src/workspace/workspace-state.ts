import { createEffect, createMemo, createResource, createSignal, onCleanup, type Accessor } from 'solid-js';
import { workspaces, type LifecycleAction } from '../api/workspaces';
import type { PresenceSession } from '../../../core/api/sessions';
import type { Workspace } from '../../../core/api/workspaces';
import { subscribeOrgEvents } from '../live/org-events';

/** One workspace kept fresh: live org events when available, polling faster while something is changing. */
export function createWorkspaceState(workspaceId: Accessor<string>, organizationId: Accessor<string>) {
  const [data, { refetch, mutate }] = createResource(workspaceId, (id) => workspaces.get(id));
  const [busyAction, setBusyAction] = createSignal<LifecycleAction | 'delete' | null>(null);

  // `latest` keeps the last value while a refetch is in flight, so nothing flickers.
  const workspace = (): Workspace | undefined => data.latest?.workspace;
  const sessions = (): PresenceSession[] => data.latest?.sessions ?? [];

  const setWorkspace = (ws: Workspace) =>
    mutate((d) => (d ? { ...d, workspace: ws } : { workspace: ws, sessions: [] }));

  const fast = createMemo(() => data.latest?.workspace.status === 'provisioning' || busyAction() !== null);
  createEffect(() => {
    const quick = fast();
    const timer = setInterval(
      () => {
        if (!document.hidden || quick) void refetch();
      },
      quick ? 1500 : 8000,
    );
    onCleanup(() => clearInterval(timer));
  });

  const orgId = createMemo(organizationId);
  createEffect(() => {
    const stop = subscribeOrgEvents({
      organizationId: orgId(),
      pollMs: 60_000,
      onResync: () => void refetch(),
      onEvent: (e) => {
        if (e.kind === 'workspace' && e.workspace.id === workspaceId()) void refetch();
        if (e.kind === 'presence' && e.workspaceId === workspaceId()) void refetch();
      },
    });
    onCleanup(stop);
  });

  return { data, workspace, sessions, refetch, setWorkspace, busyAction, setBusyAction };
}

export type WorkspaceState = ReturnType<typeof createWorkspaceState>;
