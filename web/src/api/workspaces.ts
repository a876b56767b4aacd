import { api } from './http';
import type { ExecResponse, PresenceSession, TerminalWindow, Workspace, WorkspaceListItem } from './types';

const W = '/api/workspaces';
const id = (x: string) => encodeURIComponent(x);

export type LifecycleAction = 'pause' | 'resume' | 'stop' | 'start' | 'retry';

export const workspaces = {
  list: (organizationId: string, repositoryId?: string) =>
    api.get<{ workspaces: WorkspaceListItem[] }>(W, { organizationId, repositoryId }),
  get: (workspaceId: string) =>
    api.get<{ workspace: Workspace; sessions: PresenceSession[] }>(`${W}/${id(workspaceId)}`),
  create: (input: { organizationId: string; repositoryId: string; branch: string; name?: string }) =>
    api.post<{ workspace: Workspace }>(W, input),
  action: (workspaceId: string, action: LifecycleAction) =>
    api.post<{ workspace: Workspace }>(`${W}/${id(workspaceId)}/${action}`),
  remove: (workspaceId: string) => api.del(`${W}/${id(workspaceId)}`),
  exec: (workspaceId: string, input: { command: string; timeoutMs?: number; cwd?: string }) =>
    api.post<ExecResponse>(`${W}/${id(workspaceId)}/exec`, input),
};

export const terminals = {
  list: (workspaceId: string) =>
    api
      .get<{ terminals?: TerminalWindow[]; windows?: TerminalWindow[] }>(`${W}/${id(workspaceId)}/terminals`)
      .then((r) => r.terminals ?? r.windows ?? []),
  create: (workspaceId: string, name?: string) =>
    api.post<TerminalWindow>(`${W}/${id(workspaceId)}/terminals`, name ? { name } : {}),
  rename: (workspaceId: string, windowId: string, name: string) =>
    api.patch<TerminalWindow>(`${W}/${id(workspaceId)}/terminals/${id(windowId)}`, { name }),
  close: (workspaceId: string, windowId: string) =>
    api.del(`${W}/${id(workspaceId)}/terminals/${id(windowId)}`),
  ticket: (workspaceId: string) =>
    api.post<{ ticket: string; expiresAt: number }>(`${W}/${id(workspaceId)}/terminal-ticket`),
};

export const presence = {
  join: (workspaceId: string, clientInfo?: string) =>
    api.post<{ sessionId: string }>(`${W}/${id(workspaceId)}/sessions`, { clientType: 'web', clientInfo }),
  heartbeat: (sessionId: string, active: boolean) =>
    api.post<unknown>(`/api/sessions/${id(sessionId)}/heartbeat`, { active }),
  leave: (sessionId: string) => api.del(`/api/sessions/${id(sessionId)}`),
};
