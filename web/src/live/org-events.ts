// Live updates for an organization's lists: one WebSocket per open organization (`GET
// /api/organizations/:id/events`, issue 4), with polling as the fallback while the socket is not open.
// The socket's first frame (and the first after every reconnect) is a snapshot of every workspace.
import ReconnectingWebSocket from 'partysocket/ws';
import { wsUrl } from '../lib/ws-url';
import type { WorkspaceListItem } from '../../../core/api/workspaces';
import type { OrgServerMsg, WorkspaceState } from '../../../core/protocol';

export type OrgEvent =
  | { kind: 'workspace'; workspace: Partial<WorkspaceListItem> & { id: string } }
  | { kind: 'workspace-deleted'; workspaceId: string }
  | { kind: 'presence'; workspaceId: string; connectedCount: number }
  | { kind: 'unknown' };

const patchOf = (w: WorkspaceState): Partial<WorkspaceListItem> & { id: string } => ({
  id: w.workspaceId,
  name: w.name,
  status: w.status,
  statusMessage: w.statusMessage,
  statusChangedAt: new Date(w.statusChangedAt).toISOString(),
  lastCommitSha: w.lastCommitSha,
});

/** The organization socket's messages (core/protocol `OrgServerMsg`) as list patches. */
function toEvents(data: unknown): OrgEvent[] {
  if (typeof data !== 'string') return [];
  let msg: OrgServerMsg;
  try {
    msg = JSON.parse(data);
  } catch {
    return [];
  }
  switch (msg.type) {
    case 'snapshot':
      return msg.workspaces.flatMap((w): OrgEvent[] => [
        { kind: 'workspace', workspace: patchOf(w) },
        { kind: 'presence', workspaceId: w.workspaceId, connectedCount: w.presence.count },
      ]);
    case 'workspace':
      return [{ kind: 'workspace', workspace: patchOf(msg.workspace) }];
    case 'removed':
      return [{ kind: 'workspace-deleted', workspaceId: msg.workspaceId }];
    case 'presence':
      return [{ kind: 'presence', workspaceId: msg.workspaceId, connectedCount: msg.presence.count }];
    case 'event':
      return [{ kind: 'unknown' }];
    default:
      return [];
  }
}

export interface OrgEventsOptions {
  organizationId: string;
  onEvent: (event: OrgEvent) => void;
  /** Re-read everything: called on every poll while the socket is down and on events that need it. */
  onResync: () => void;
  pollMs?: number;
}

export function subscribeOrgEvents(opts: OrgEventsOptions): () => void {
  let open = false;
  let everOpened = false;
  let disposed = false;
  const socket = new ReconnectingWebSocket(
    wsUrl(`/api/organizations/${encodeURIComponent(opts.organizationId)}/events`),
    null,
    {
      minReconnectionDelay: 1000,
      maxReconnectionDelay: 10_000,
      connectionTimeout: 5000,
    },
  );
  socket.addEventListener('open', () => {
    open = true;
    everOpened = true;
  });
  socket.addEventListener('close', () => {
    open = false;
    // An endpoint that never accepted us (not deployed yet, or refused): stop and rely on polling.
    if (!everOpened && !disposed) socket.close();
  });
  socket.addEventListener('message', (e) => {
    for (const event of toEvents(e.data)) {
      if (event.kind === 'unknown') opts.onResync();
      else opts.onEvent(event);
    }
  });
  const timer = setInterval(() => {
    if (!open && !document.hidden) opts.onResync();
  }, opts.pollMs ?? 4000);
  return () => {
    disposed = true;
    clearInterval(timer);
    socket.close();
  };
}
